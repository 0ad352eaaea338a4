/**
 * Runs the jobs a controller sends to this agent, with their run arguments: named queues
 * (one job at a time per queue), max_time, max_restart, recurring runs (one result per
 * run), stats sampling, level filtering, and messages either streamed live (stream:
 * true) or sent with the result. Commands are called through the dispatcher, so every
 * registry command can be a job; execute and extensions get the run arguments.
 */
import type { Dispatcher } from '../../core/dispatcher.js';
import type { Logger } from '../../core/logger.js';
import type { JobCallContext, JobHooks } from '../../commands/node/job-context.js';
import type { NodeJobInfo, NodeJobTable } from '../../commands/node/index.js';
import { parseStatsdLine } from '../../commands/node/output-protocol.js';
import { ProcessSampler } from '../../commands/node/process-stats.js';
import { LEVEL, type JobCommand, type JobMessage, type JobResult, type JobState } from '../../protocols/fleet/job-model.js';
import type { StatsSample } from '../../protocols/fleet/link-frames.js';
import { argumentsFromData, processArguments, resultOfError, resultOfValue, stopMessage, type RunTiming } from './job-result.js';
import { MessageLog } from './message-log.js';

/** Where the runner's news goes (the fleet member turns it into frames). */
export interface JobEvents {
  accepted(id: string): void;
  state(id: string, state: JobState, starttime: number): void;
  messages(id: string, messages: JobMessage[]): void;
  result(result: JobResult, messages: JobMessage[]): void;
  stats(id: string, samples: StatsSample[]): void;
}

export interface JobRunnerOptions {
  readonly dispatcher: Dispatcher;
  readonly gid: number;
  readonly nid: number;
  readonly log: Logger;
  /** Commands whose arguments are the run arguments (execute, extensions). */
  readonly processCommands: ReadonlySet<string>;
  readonly events: JobEvents;
  /** Called when the restart command asks for a restart. */
  readonly onRestart?: () => void;
}

/** Messages kept per job without stream (sent with the result) and for get_msgs. */
const MESSAGE_LIMIT = 1000;
/** Finished jobs remembered (their ids refuse a second run; their messages answer get_msgs). */
const FINISHED_LIMIT = 1000;
/** Live messages are sent in batches at most this often. */
const STREAM_FLUSH_MS = 20;

class AgentJob {
  stopReason: JobState | undefined;
  abort: AbortController | undefined;
  pid: number | undefined;
  starttime = 0;
  readonly messages = new MessageLog(MESSAGE_LIMIT);
  /** Messages of the current run not yet sent. */
  unsent: JobMessage[] = [];
  flushTimer: NodeJS.Timeout | undefined;
  wake: (() => void) | undefined;

  constructor(readonly command: JobCommand) {}

  get levels(): ReadonlySet<number> | undefined {
    const levels = this.command.args.loglevels;
    return levels === undefined ? undefined : new Set(levels);
  }
}

export class JobRunner implements NodeJobTable {
  private readonly running = new Map<string, AgentJob>();
  private readonly finished = new Map<string, AgentJob>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly sampler = new ProcessSampler();
  private closed = false;

  constructor(private readonly options: JobRunnerOptions) {}

  /** A job from the controller. A job id seen before is acknowledged and not run again. */
  submit(command: JobCommand): void {
    const { events } = this.options;
    events.accepted(command.id);
    if (this.closed || this.running.has(command.id) || this.finished.has(command.id)) return;
    const job = new AgentJob(command);
    this.running.set(command.id, job);
    void this.runJob(job).finally(() => {
      this.running.delete(command.id);
      this.finished.set(command.id, job);
      if (this.finished.size > FINISHED_LIMIT) this.finished.delete(this.finished.keys().next().value!);
    });
  }

  /** Ids of the jobs running (or queued) now, with their start times. */
  runningJobs(): Array<{ id: string; starttime: number }> {
    return [...this.running.values()].map((job) => ({ id: job.command.id, starttime: job.starttime }));
  }

  list(): NodeJobInfo[] {
    return [...this.running.values()].map((job) => ({
      id: job.command.id,
      cmd: job.command.cmd,
      starttime: job.starttime,
      ...(job.pid !== undefined ? { pid: job.pid } : {}),
    }));
  }

  kill(id: string, reason: JobState = 'KILLED'): boolean {
    const job = this.running.get(id);
    if (!job) return false;
    job.stopReason ??= reason;
    job.abort?.abort(reason);
    job.wake?.();
    return true;
  }

  killAll(): number {
    const ids = [...this.running.keys()];
    for (const id of ids) this.kill(id);
    return ids.length;
  }

  messages(id: string, levels: readonly number[] | undefined, limit: number): JobMessage[] | undefined {
    const job = this.running.get(id) ?? this.finished.get(id);
    return job?.messages.read(levels, limit);
  }

  requestRestart(): void {
    // After the answer to `restart` has been handed to the link.
    setImmediate(() => this.options.onRestart?.());
  }

  /** Kills every job and waits until their results are out. */
  async close(): Promise<void> {
    this.closed = true;
    const jobs = [...this.running.values()];
    for (const job of jobs) this.kill(job.command.id);
    await Promise.all(jobs.map((job) => new Promise<void>((resolve) => this.waitFinished(job.command.id, resolve))));
  }

  private waitFinished(id: string, done: () => void): void {
    if (!this.running.has(id)) return done();
    setTimeout(() => this.waitFinished(id, done), 20);
  }

  /** Runs after the jobs before it in the same queue. */
  private async inQueue<T>(name: string | undefined, work: () => Promise<T>): Promise<T> {
    if (name === undefined || name === '') return work();
    const before = this.queues.get(name) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = before.then(() => mine);
    this.queues.set(name, tail);
    try {
      await before;
      return await work();
    } finally {
      release();
      if (this.queues.get(name) === tail) this.queues.delete(name);
    }
  }

  private async runJob(job: AgentJob): Promise<void> {
    const period = job.command.args.recurring_period ?? 0;
    await this.inQueue(job.command.args.queue, async () => {
      let run = 0;
      for (;;) {
        run++;
        if (job.stopReason) {
          // Killed while waiting for its queue or between recurring runs.
          this.finishRun(job, this.stoppedResult(job, period > 0 ? run : undefined));
          return;
        }
        const started = Date.now();
        const result = await this.runWithRestarts(job, period > 0 ? run : undefined);
        this.finishRun(job, result);
        if (period <= 0 || job.stopReason) return;
        await this.sleepUntil(job, started + period * 1000);
      }
    });
  }

  private stoppedResult(job: AgentJob, run: number | undefined): JobResult {
    const timing: RunTiming = { gid: this.options.gid, nid: this.options.nid, starttime: Date.now(), ...(run !== undefined ? { run } : {}) };
    return resultOfError(job.command, timing, new Error(stopMessage(job.stopReason!, job.command)), job.stopReason);
  }

  private sleepUntil(job: AgentJob, at: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, at - Date.now()));
      function done(): void {
        clearTimeout(timer);
        job.wake = undefined;
        resolve();
      }
      job.wake = done;
    });
  }

  private finishRun(job: AgentJob, result: JobResult): void {
    this.flush(job);
    const messages = job.unsent;
    job.unsent = [];
    this.options.events.result(result, messages);
  }

  private async runWithRestarts(job: AgentJob, run: number | undefined): Promise<JobResult> {
    const maxRestart = job.command.args.max_restart ?? 0;
    let restarts = 0;
    for (;;) {
      const result = await this.attempt(job, run, restarts);
      if (result.state !== 'ERROR' || restarts >= maxRestart || job.stopReason || this.closed) return result;
      restarts++;
      this.options.log.info({ job: job.command.id, restarts }, 'job ended in ERROR: starting it again (max_restart)');
    }
  }

  private async attempt(job: AgentJob, run: number | undefined, restarts: number): Promise<JobResult> {
    const { dispatcher, log, events } = this.options;
    const { command } = job;
    const starttime = Date.now();
    job.starttime = starttime;
    const timing: RunTiming = { gid: this.options.gid, nid: this.options.nid, starttime, ...(run !== undefined ? { run } : {}), restarts };
    events.state(command.id, 'RUNNING', starttime);
    const abort = new AbortController();
    job.abort = abort;
    const maxTime = command.args.max_time ?? 0;
    const timer = maxTime > 0 ? setTimeout(() => this.kill(command.id, 'TIMEOUT'), maxTime * 1000) : undefined;
    // A timeout ends this run only; a recurring job goes on with its next run.
    const stats = this.startSampling(job);
    const context: JobCallContext = {
      protocol: 'controller',
      clientId: `job:${command.id}`,
      log: log.child({ job: command.id }),
      signal: abort.signal,
      dispatcher,
      job: this.hooks(job),
    };
    try {
      const definition = dispatcher.resolve(command.cmd);
      const args = this.options.processCommands.has(command.cmd) ? processArguments(command) : argumentsFromData(command, definition.rawArguments === true);
      // Programs end through the signal and resolve with their outcome; other commands are left behind.
      const grace = this.options.processCommands.has(command.cmd) ? 5000 : 0;
      const value = await whileNotAborted(dispatcher.call(command.cmd, args, context), abort.signal, grace);
      return resultOfValue(command, timing, value, this.stopState(job, abort));
    } catch (error) {
      return resultOfError(command, timing, error, this.stopState(job, abort));
    } finally {
      if (timer) clearTimeout(timer);
      if (stats) clearInterval(stats);
      job.abort = undefined;
      job.pid = undefined;
      if (job.stopReason === 'TIMEOUT') job.stopReason = undefined;
    }
  }

  private stopState(job: AgentJob, abort: AbortController): JobState | undefined {
    if (!abort.signal.aborted) return undefined;
    return abort.signal.reason === 'TIMEOUT' ? 'TIMEOUT' : 'KILLED';
  }

  private hooks(job: AgentJob): JobHooks {
    const levels = job.levels;
    return {
      id: job.command.id,
      runArgs: job.command.args,
      message: (level, text) => {
        if (level === LEVEL.statsd) {
          const line = parseStatsdLine(text);
          if (line) this.options.events.stats(job.command.id, [{ ...line, epoch: Date.now() }]);
        }
        if (levels && !levels.has(level)) return;
        const message: JobMessage = { id: job.command.id, gid: this.options.gid, nid: this.options.nid, level, data: text, epoch: Date.now() };
        job.messages.push(message);
        job.unsent.push(message);
        if (job.command.args.stream) this.scheduleFlush(job);
        else if (job.unsent.length > MESSAGE_LIMIT) job.unsent.splice(0, job.unsent.length - MESSAGE_LIMIT);
      },
      process: (pid) => {
        job.pid = pid;
      },
    };
  }

  private scheduleFlush(job: AgentJob): void {
    if (job.unsent.length >= 200) return this.flush(job);
    job.flushTimer ??= setTimeout(() => this.flush(job), STREAM_FLUSH_MS);
  }

  /** Sends the messages of a streaming job printed so far. */
  private flush(job: AgentJob): void {
    if (job.flushTimer) clearTimeout(job.flushTimer);
    job.flushTimer = undefined;
    if (!job.command.args.stream || job.unsent.length === 0) return;
    const messages = job.unsent;
    job.unsent = [];
    this.options.events.messages(job.command.id, messages);
  }

  private startSampling(job: AgentJob): NodeJS.Timeout | undefined {
    const interval = job.command.args.stats_interval ?? 0;
    if (interval <= 0) return undefined;
    return setInterval(() => {
      const pid = job.pid;
      if (pid === undefined) return;
      void this.sampler.sample(pid).then((stats) => {
        if (!stats) return;
        const epoch = Date.now();
        this.options.events.stats(job.command.id, [
          { key: 'cpu', value: stats.cpu, type: 'g', epoch },
          { key: 'cpu_seconds', value: stats.cpu_seconds, type: 'g', epoch },
          { key: 'rss', value: stats.rss, type: 'g', epoch },
          { key: 'vms', value: stats.vms, type: 'g', epoch },
          { key: 'swap', value: stats.swap, type: 'g', epoch },
        ]);
      });
    }, interval * 1000);
  }
}

/** The call's value, or a rejection as soon as the job is killed (a handler may not stop by itself). */
function whileNotAborted<T>(work: Promise<T>, signal: AbortSignal, graceMs: number): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      if (graceMs === 0) reject(new Error('aborted'));
      else setTimeout(() => reject(new Error('aborted')), graceMs).unref();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
