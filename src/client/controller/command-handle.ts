/**
 * What `cmd()` returns: a handle on one job across its targets, as the original's
 * command descriptor, with get_next_result fixed to hand results over in the order they
 * complete (the original waited in hash order, so one slow agent held back the rest).
 */
import { agentKey, isLastResult, type AgentAddress, type JobMessage, type JobResult, type RunArgs } from '../../protocols/fleet/job-model.js';
import { errorFromBody, requestJson, type HttpOptions } from './http.js';
import { readNdjson } from './ndjson.js';

export interface MessageQuery {
  readonly gid?: number;
  readonly nid?: number;
  /** Levels as a list or as "1,2,20-23". */
  readonly levels?: readonly number[] | string;
  /** Up to 1000; 20 by default. */
  readonly limit?: number;
}

export type StreamEvent =
  | ({ readonly type: 'message' } & JobMessage)
  | { readonly type: 'result'; readonly result: JobResult }
  | { readonly type: 'end' };

/** Longest single long-poll; get_next_result polls again until its own timeout. */
const POLL_MS = 25_000;

export function messagesPath(id: string, query: MessageQuery = {}): string {
  const params = new URLSearchParams();
  if (query.gid !== undefined) params.set('gid', String(query.gid));
  if (query.nid !== undefined) params.set('nid', String(query.nid));
  if (query.levels !== undefined) params.set('levels', typeof query.levels === 'string' ? query.levels : query.levels.join(','));
  params.set('limit', String(query.limit ?? 20));
  return `v1/jobs/${encodeURIComponent(id)}/messages?${params}`;
}

export class CommandHandle {
  private next = 0;
  private readonly buffered: JobResult[] = [];
  private readonly ended = new Set<string>();

  constructor(
    private readonly http: HttpOptions,
    readonly id: string,
    /** The agents the job went to (gid 0, nid 0 when none matched). */
    readonly targets: readonly AgentAddress[],
    readonly args: RunArgs,
    /** The controller refused the id: a job with it exists (state DUPLICATE_ID). */
    readonly duplicate = false,
  ) {}

  /** True once every target has sent its last result and all of them were handed out. */
  get done(): boolean {
    return this.buffered.length === 0 && (this.duplicate || this.targets.every((target) => this.ended.has(agentKey(target.gid, target.nid))));
  }

  /**
   * The next result to complete, waiting up to `timeout` seconds (0: as long as it
   * takes). Undefined on timeout, and at once when every target has answered.
   */
  async getNextResult(timeout = 0): Promise<JobResult | undefined> {
    if (this.duplicate && this.next === 0) {
      this.next = 1;
      return this.duplicateResult();
    }
    const deadline = timeout > 0 ? Date.now() + timeout * 1000 : Infinity;
    while (this.buffered.length === 0) {
      if (this.done) return undefined;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return undefined;
      await this.poll(Math.min(POLL_MS, remaining));
    }
    return this.buffered.shift();
  }

  /** Every result still to come (for fan-out), in completion order; `onResult` sees each. */
  async getAllResults(timeout = 0, onResult?: (result: JobResult, received: number, expected: number) => void): Promise<JobResult[]> {
    const results: JobResult[] = [];
    const deadline = timeout > 0 ? Date.now() + timeout * 1000 : 0;
    for (;;) {
      const left = deadline === 0 ? 0 : (deadline - Date.now()) / 1000;
      if (deadline !== 0 && left <= 0) break;
      const result = await this.getNextResult(deadline === 0 ? 0 : left);
      if (!result) break;
      results.push(result);
      onResult?.(result, this.ended.size, this.targets.length);
    }
    return results;
  }

  private async poll(waitMs: number): Promise<void> {
    const { status, body } = await requestJson(this.http, 'GET', `v1/jobs/${encodeURIComponent(this.id)}/results?after=${this.next}&wait=${Math.max(0, Math.floor(waitMs))}`, undefined, waitMs + 15_000);
    if (status !== 200) throw errorFromBody(status, body);
    const results = (body.results ?? []) as JobResult[];
    this.next = typeof body.next === 'number' ? body.next : this.next + results.length;
    for (const result of results) {
      if (isLastResult(result, this.args)) this.ended.add(agentKey(result.gid, result.nid));
      this.buffered.push(result);
    }
  }

  private duplicateResult(): JobResult {
    const now = Date.now();
    return { id: this.id, gid: 0, nid: 0, cmd: '', args: this.args, data: `a job with id ${this.id} exists`, streams: ['', ''], critical: '', level: 0, state: 'DUPLICATE_ID', starttime: now, time: 0, tags: '' };
  }

  /** The latest result of every target now, without waiting, keyed "gid:nid". */
  async getJobs(): Promise<Map<string, JobResult>> {
    const { status, body } = await requestJson(this.http, 'GET', `v1/jobs/${encodeURIComponent(this.id)}`, undefined);
    if (status !== 200) throw errorFromBody(status, body);
    const jobs = new Map<string, JobResult>();
    for (const result of (body.results ?? []) as JobResult[]) jobs.set(agentKey(result.gid, result.nid), result);
    return jobs;
  }

  /** The job's stored messages, oldest first (the original listed newest first). */
  async getMsgs(query: MessageQuery = {}): Promise<JobMessage[]> {
    const { status, body } = await requestJson(this.http, 'GET', messagesPath(this.id, query), undefined);
    if (status !== 200) throw errorFromBody(status, body);
    return (body.messages ?? []) as JobMessage[];
  }

  async kill(): Promise<number> {
    const { status, body } = await requestJson(this.http, 'POST', `v1/jobs/${encodeURIComponent(this.id)}/kill`, {});
    if (status !== 200) throw errorFromBody(status, body);
    return Number(body.targets ?? 0);
  }

  /**
   * Live messages and results as they happen (messages are streamed by agents when the
   * job was sent with `stream: true`; otherwise they arrive with each result). Ends when
   * every target has its last result.
   */
  async *stream(signal?: AbortSignal): AsyncGenerator<StreamEvent> {
    for await (const event of readNdjson<StreamEvent>(this.http, `v1/jobs/${encodeURIComponent(this.id)}/stream`, 24 * 3600 * 1000, signal)) {
      yield event;
      if (event.type === 'end') return;
    }
  }
}
