/**
 * The controller's REST API for clients (JSON in, JSON out; errors as
 * `{"error": {"class", "message"}}`):
 *
 *   POST /v1/jobs                      submit a command -> {id, targets}; an array of
 *                                      commands -> {jobs: [{id, targets}, ...]} (all checked
 *                                      first; ?atomic=false: each on its own, a bad one
 *                                      gets {error} in its place)
 *   GET  /v1/jobs?limit=N              recent jobs, newest first
 *   GET  /v1/jobs/ID                   the command and every target's latest result
 *   GET  /v1/jobs/ID/results?after=N&wait=MS   completed results in completion order
 *   GET  /v1/jobs/ID/messages?levels=&limit=&gid=&nid=
 *   GET  /v1/jobs/ID/stats
 *   GET  /v1/jobs/ID/stream            live NDJSON: messages and results until the job ends
 *   POST /v1/jobs/ID/kill
 *   GET  /v1/agents                    agents, online or recently seen
 *   GET  /v1/events                    live NDJSON of the whole fleet (see event-feed.ts):
 *                                      {"type":"hello"} once live, then {"type":"job"} per
 *                                      job created, {"type":"result"} per result state
 *                                      recorded (id, gid, nid, state, starttime, time, run),
 *                                      {"type":"agent"} per agent connecting or going away,
 *                                      {"type":"ping"} every 15 s; a reader more than 4 MiB
 *                                      behind gets {"type":"overflow"} and the stream ends
 *   GET  /v1/agents/GID/NID/stats
 *   GET  /v1/schedules                 recurring commands (cron)
 *   POST /v1/schedules                 {id, cron, command} (replaces a schedule with that id)
 *   DELETE /v1/schedules/ID
 *   GET  /v1/health
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HostlinkError, toHostlinkError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { parseLevels } from '../protocols/fleet/command-check.js';
import { agentKey, isLastResult, type JobMessage } from '../protocols/fleet/job-model.js';
import { bearerToken, type Authenticator, type ClientRight } from './auth.js';
import type { Controller } from './controller.js';
import type { Scheduler } from './scheduler.js';
import type { ControllerStore } from './stores/store.js';
import { dashboardHandler } from './dashboard/serve-dashboard.js';
import { serveEventFeed } from './event-feed.js';

export interface HttpApiOptions {
  readonly controller: Controller;
  readonly store: ControllerStore;
  readonly auth: Authenticator;
  readonly log: Logger;
  readonly scheduler: Scheduler;
}

const BODY_LIMIT = 16 * 1024 * 1024;
const MAX_WAIT_MS = 60_000;
const MAX_BATCH = 10_000;

const STATUS_OF: Partial<Record<string, number>> = { InvalidParameter: 400, ProtocolError: 400, CommandNotFound: 404, PermissionDenied: 403, NotSupported: 501 };

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorClass: string,
    message: string,
  ) {
    super(message);
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
  response.end(text);
}

function readBody(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        reject(new HttpError(413, 'InvalidParameter', `request body larger than ${BODY_LIMIT} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new HttpError(400, 'InvalidParameter', 'request body is not JSON'));
      }
    });
    request.on('error', reject);
  });
}

function intParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const text = url.searchParams.get(name);
  if (text === null || text === '') return fallback;
  if (!/^-?\d+$/.test(text)) throw new HttpError(400, 'InvalidParameter', `query parameter ${name} must be an integer`);
  const value = Number(text);
  if (value < min || value > max) throw new HttpError(400, 'InvalidParameter', `query parameter ${name} must be from ${min} to ${max}`);
  return value;
}

function optionalInt(url: URL, name: string): number | undefined {
  return url.searchParams.has(name) ? intParam(url, name, 0, -(2 ** 31), 2 ** 31 - 1) : undefined;
}

export class HttpApi {
  private readonly dashboard = dashboardHandler();

  constructor(private readonly options: HttpApiOptions) {}

  handle(request: IncomingMessage, response: ServerResponse): void {
    this.route(request, response).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      if (error instanceof HttpError) return send(response, error.status, { error: { class: error.errorClass, message: error.message } });
      const failure = error instanceof HostlinkError ? error : toHostlinkError(error);
      const status = STATUS_OF[failure.errorClass] ?? 500;
      if (status === 500) this.options.log.warn({ err: failure.message }, 'request failed');
      send(response, status, { error: { class: failure.errorClass, message: status === 500 ? 'internal error' : failure.message } });
    });
  }

  private allow(request: IncomingMessage, right: ClientRight): void {
    const verdict = this.options.auth.client(bearerToken(request.headers.authorization), right);
    if (!verdict.ok) throw new HttpError(verdict.status, 'PermissionDenied', verdict.reason);
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://controller');
    if (this.dashboard(request, response, url.pathname)) return;
    const parts = url.pathname.split('/').filter((part) => part !== '').map(decodeURIComponent);
    const method = request.method ?? 'GET';
    const { controller, store } = this.options;
    if (parts[0] !== 'v1') throw new HttpError(404, 'CommandNotFound', `no such endpoint: ${url.pathname}`);
    const [, resource, id, sub, extra] = parts;

    if (resource === 'health' && method === 'GET') {
      return send(response, 200, { ok: true, controller: controller.id, agents: controller.localAgents });
    }
    if (resource === 'jobs') {
      if (id === undefined) {
        if (method === 'POST') {
          this.allow(request, 'run');
          const body = await readBody(request);
          if (Array.isArray(body)) {
            if (body.length > MAX_BATCH) throw new HttpError(400, 'InvalidParameter', `at most ${MAX_BATCH} commands per request`);
            if (url.searchParams.get('atomic') === 'false') {
              // Each command on its own: a bad one gets {error} in its place, the rest go ahead.
              const outcomes = await controller.submitEach(body);
              return send(response, 201, { jobs: outcomes.map((outcome) => ('rejected' in outcome ? { error: publicError(outcome.rejected) } : outcome)) });
            }
            return send(response, 201, { jobs: await controller.submitMany(body) });
          }
          const outcome = await controller.submit(body);
          if (outcome.state === 'DUPLICATE_ID') {
            return send(response, 409, { id: outcome.id, state: 'DUPLICATE_ID', error: { class: 'InvalidParameter', message: `a job with id ${outcome.id} exists` } });
          }
          return send(response, 201, outcome);
        }
        if (method === 'GET') {
          this.allow(request, 'read');
          return send(response, 200, { jobs: await store.listJobs(intParam(url, 'limit', 100, 1, 10_000)) });
        }
      } else {
        if (sub === undefined && method === 'GET') {
          this.allow(request, 'read');
          const record = await store.getJob(id);
          if (!record) throw new HttpError(404, 'CommandNotFound', `no job with id ${id}`);
          return send(response, 200, { command: record.command, created: record.created, targets: record.targets, results: await store.getResults(id) });
        }
        if (sub === 'results' && method === 'GET') {
          this.allow(request, 'read');
          const after = intParam(url, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
          const wait = intParam(url, 'wait', 0, 0, MAX_WAIT_MS);
          if (!(await controller.command(id))) throw new HttpError(404, 'CommandNotFound', `no job with id ${id}`);
          const results = await controller.waitCompleted(id, after, wait);
          return send(response, 200, { results, next: after + results.length });
        }
        if (sub === 'messages' && method === 'GET') {
          this.allow(request, 'read');
          const levelsText = url.searchParams.get('levels');
          const levels = levelsText === null || levelsText === '' ? undefined : parseLevels(levelsText, 'levels');
          const gid = optionalInt(url, 'gid');
          const nid = optionalInt(url, 'nid');
          const messages = await store.readMessages(id, {
            limit: intParam(url, 'limit', 20, 1, 1000),
            ...(levels ? { levels } : {}),
            ...(gid !== undefined ? { gid } : {}),
            ...(nid !== undefined ? { nid } : {}),
          });
          return send(response, 200, { messages });
        }
        if (sub === 'stats' && method === 'GET') {
          this.allow(request, 'read');
          return send(response, 200, { stats: await store.readJobStats(id) });
        }
        if (sub === 'stream' && method === 'GET') {
          this.allow(request, 'read');
          return this.stream(id, url, request, response);
        }
        if (sub === 'kill' && method === 'POST') {
          this.allow(request, 'run');
          const killed = await controller.kill(id);
          if (!killed) throw new HttpError(404, 'CommandNotFound', `no job with id ${id}`);
          return send(response, 200, killed);
        }
      }
    }
    if (resource === 'events' && id === undefined && method === 'GET') {
      this.allow(request, 'read');
      return serveEventFeed(controller.feed, controller.id, response);
    }
    if (resource === 'agents' && method === 'GET') {
      this.allow(request, 'read');
      if (id === undefined) return send(response, 200, { agents: await store.listAgents() });
      if (extra === 'stats') {
        const gid = Number(id);
        const nid = Number(sub);
        if (!Number.isInteger(gid) || !Number.isInteger(nid)) throw new HttpError(400, 'InvalidParameter', 'use /v1/agents/GID/NID/stats');
        return send(response, 200, { stats: await store.readAgentStats(gid, nid) });
      }
    }
    if (resource === 'schedules' && sub === undefined) {
      const { scheduler } = this.options;
      if (method === 'GET' && id === undefined) {
        this.allow(request, 'read');
        return send(response, 200, { schedules: await scheduler.list() });
      }
      if (method === 'POST' && id === undefined) {
        this.allow(request, 'admin');
        return send(response, 201, { schedule: await scheduler.add(await readBody(request)) });
      }
      if (method === 'DELETE' && id !== undefined) {
        this.allow(request, 'admin');
        if (!(await scheduler.remove(id))) throw new HttpError(404, 'CommandNotFound', `no schedule with id ${id}`);
        return send(response, 200, { id, removed: true });
      }
    }
    throw new HttpError(404, 'CommandNotFound', `no such endpoint: ${method} ${url.pathname}`);
  }

  /**
   * NDJSON lines: {"type":"message", ...} as messages arrive (those printed before the
   * stream opened first, as far as the store kept them), {"type":"result","result":...}
   * for each completed result, and {"type":"end"} once every target has its last result.
   */
  private async stream(id: string, url: URL, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { controller, store } = this.options;
    const command = await controller.command(id);
    if (!command) throw new HttpError(404, 'CommandNotFound', `no job with id ${id}`);
    const record = await store.getJob(id);
    const targets = new Set((record?.targets ?? []).map((target) => agentKey(target.gid, target.nid)));
    const ended = new Set<string>();
    let after = intParam(url, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
    let open = true;
    let pending: JobMessage[] | undefined = [];
    const write = (value: unknown): void => {
      if (open) response.write(`${JSON.stringify(value)}\n`);
    };
    let reading = false;
    let again = false;
    const finish = (): void => {
      if (!open) return;
      write({ type: 'end' });
      open = false;
      response.end();
    };
    const readResults = async (): Promise<void> => {
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      try {
        do {
          again = false;
          const results = await store.readCompleted(id, after);
          after += results.length;
          for (const result of results) {
            write({ type: 'result', result });
            if (isLastResult(result, command.args)) ended.add(agentKey(result.gid, result.nid));
          }
        } while (again && open);
        if (targets.size > 0 && [...targets].every((key) => ended.has(key))) finish();
      } finally {
        reading = false;
      }
    };
    const stop = controller.watch(id, (event) => {
      if (event.type === 'messages') {
        if (pending) pending.push(...event.messages);
        else for (const message of event.messages) write({ type: 'message', ...message });
      } else {
        void readResults();
      }
    });
    const keepAlive = setInterval(() => write({ type: 'ping' }), 15_000);
    const cleanup = (): void => {
      open = false;
      stop();
      clearInterval(keepAlive);
    };
    request.on('close', cleanup);
    response.on('close', cleanup);
    response.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    const stored = after === 0 ? await store.readMessages(id, { limit: 1000 }) : [];
    // Messages that arrived while the stored ones were read may be among them: count, not just compare.
    const seen = new Map<string, number>();
    for (const message of stored) seen.set(messageKey(message), (seen.get(messageKey(message)) ?? 0) + 1);
    for (const message of stored) write({ type: 'message', ...message });
    const live = pending;
    pending = undefined;
    for (const message of live) {
      const key = messageKey(message);
      const count = seen.get(key) ?? 0;
      if (count > 0) seen.set(key, count - 1);
      else write({ type: 'message', ...message });
    }
    await readResults();
  }
}

/** An error as the API shows it: class and message, never internals of a failure. */
function publicError(error: HostlinkError): { class: string; message: string } {
  const internal = (STATUS_OF[error.errorClass] ?? 500) === 500;
  return { class: error.errorClass, message: internal ? 'internal error' : error.message };
}

function messageKey(message: JobMessage): string {
  return `${message.gid}:${message.nid}:${message.epoch}:${message.level}:${message.data}`;
}
