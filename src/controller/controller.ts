/**
 * The controller's job logic, independent of HTTP and WebSocket: submitting commands
 * (targets, DUPLICATE_ID, no-match errors, waiting for away agents), sending work to the
 * agents connected here, taking their states, messages, statistics and results, killing
 * jobs, expiring work that waited too long and failing jobs of agents that never came
 * back. State is in the store; several controllers on one Redis cooperate through its
 * events (whoever holds an agent's connection sends its work).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { HostlinkError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { checkCommand, checkRunArgs } from '../protocols/fleet/command-check.js';
import {
  agentKey,
  ALL_LEVELS,
  isFinalState,
  isLastResult,
  pendingResult,
  type AgentInfo,
  type JobCommand,
  type JobMessage,
  type JobResult,
  type JobState,
  type RunArgs,
} from '../protocols/fleet/job-model.js';
import type { AgentFrame, ControllerFrame } from '../protocols/fleet/link-frames.js';
import { EventFeed } from './event-feed.js';
import type { AgentAddress, AgentPresence, ControllerStore, StoreEvent } from './stores/store.js';
import { matchingAgents, NO_MATCH, pickOne } from './targets.js';

/** One agent connected to this controller. */
export interface AgentSession extends AgentAddress {
  readonly roles: readonly string[];
  readonly instance: string;
  readonly hostname?: string;
  readonly version?: string;
  readonly os?: string;
  send(frame: ControllerFrame): void;
  close(code: number, reason: string): void;
}

export interface ControllerOptions {
  readonly store: ControllerStore;
  readonly log: Logger;
  /** This controller's name in the store (random by default). */
  readonly id?: string;
  /** How long work waits for an away agent before it EXPIRES (default 5 min). */
  readonly offlineWaitMs?: number;
  /** How long an agent may stay away before its running jobs are DISCONNECTED (default 60 s). */
  readonly lostAfterMs?: number;
  /** Jobs that may wait for one away agent (default 1000). */
  readonly queueLimit?: number;
}

export interface SubmitOutcome {
  readonly id: string;
  /** DUPLICATE_ID when the id was taken; else undefined. */
  readonly state?: JobState;
  readonly targets: readonly AgentAddress[];
  /** Set when the job failed at once (no matching agent). */
  readonly error?: string;
}

/** News about one job for live watchers (the stream endpoint). */
export type JobEvent = { readonly type: 'messages'; readonly messages: readonly JobMessage[] } | { readonly type: 'result' };

export type Admission = { readonly ok: true } | { readonly ok: false; readonly status: number; readonly reason: string };

const WORK_BATCH = 256;
const COMMAND_CACHE = 20_000;

/** A small map that forgets its oldest entries. */
class RecentMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super();
  }

  override set(key: K, value: V): this {
    super.set(key, value);
    if (this.size > this.limit) this.delete(this.keys().next().value as K);
    return this;
  }
}

export class Controller {
  readonly id: string;
  /** Controller-wide news for GET /v1/events. */
  readonly feed: EventFeed;
  private readonly store: ControllerStore;
  private readonly log: Logger;
  private readonly offlineWaitMs: number;
  private readonly lostAfterMs: number;
  private readonly queueLimit: number;
  private readonly sessions = new Map<string, AgentSession>();
  private readonly commands = new RecentMap<string, JobCommand>(COMMAND_CACHE);
  private readonly resultWaiters = new Map<string, Set<() => void>>();
  private readonly watchers = new Map<string, Set<(event: JobEvent) => void>>();
  private readonly pumping = new Map<string, 'running' | 'again'>();
  private readonly lostTimers = new Map<string, NodeJS.Timeout>();
  /** Per session: frames are handled one after the other. */
  private readonly frameChains = new WeakMap<AgentSession, Promise<void>>();
  private readonly ticker: NodeJS.Timeout;
  private closed = false;

  constructor(options: ControllerOptions) {
    this.store = options.store;
    this.log = options.log;
    this.id = options.id ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.offlineWaitMs = options.offlineWaitMs ?? 300_000;
    this.lostAfterMs = options.lostAfterMs ?? 60_000;
    this.queueLimit = options.queueLimit ?? 1000;
    this.feed = new EventFeed(this.store, this.log);
    this.store.subscribe((event) => this.onStoreEvent(event));
    this.ticker = setInterval(() => void this.tick(), 1000);
    this.ticker.unref();
    void this.store.controllerAlive(this.id, 5000);
  }

  /** Agents connected to this controller. */
  get localAgents(): number {
    return this.sessions.size;
  }

  // --- clients -------------------------------------------------------------------

  async submit(input: unknown): Promise<SubmitOutcome> {
    return this.submitChecked(checkCommand(input), undefined);
  }

  /** Several commands in one call: all are checked first (none is queued if one is bad). */
  async submitMany(inputs: readonly unknown[]): Promise<SubmitOutcome[]> {
    const commands = inputs.map((input, index) => {
      try {
        return checkCommand(input);
      } catch (error) {
        throw invalidRequest(`jobs[${index}]: ${(error as Error).message}`);
      }
    });
    // Role targets are resolved against one look at the agents for the whole batch.
    const agents = commands.some((command) => command.nid === undefined) ? await this.store.listAgents() : undefined;
    // All at once: the store gathers their steps into few round trips. Each job's steps
    // still run in the batch's order, so two jobs for one agent are queued in order.
    return Promise.all(commands.map((command) => this.submitChecked(command, agents)));
  }

  /**
   * Several independent commands in one call: each is checked and submitted on its own,
   * so a bad one gets its error in its place and the others go ahead (what a client that
   * gathers many callers' commands into one request needs).
   */
  async submitEach(inputs: readonly unknown[]): Promise<Array<SubmitOutcome | { readonly rejected: HostlinkError }>> {
    const checked = inputs.map((input): JobCommand | HostlinkError => {
      try {
        return checkCommand(input);
      } catch (error) {
        return error instanceof HostlinkError ? error : invalidRequest((error as Error).message);
      }
    });
    const anyRoles = checked.some((command) => !(command instanceof HostlinkError) && command.nid === undefined);
    const agents = anyRoles ? await this.store.listAgents() : undefined;
    return Promise.all(
      checked.map(async (command) => {
        if (command instanceof HostlinkError) return { rejected: command };
        try {
          return await this.submitChecked(command, agents);
        } catch (error) {
          return { rejected: error instanceof HostlinkError ? error : new HostlinkError('GenericError', 'the job could not be stored') };
        }
      }),
    );
  }

  private async submitChecked(command: JobCommand, agents: readonly AgentInfo[] | undefined): Promise<SubmitOutcome> {
    const now = Date.now();
    const targets = await this.resolveTargets(command, agents);
    if (targets.length === 0) {
      const gid = command.gid ?? 0;
      const nid = command.nid ?? 0;
      const failed = { ...pendingResult(command, gid, nid, 'ERROR'), data: NO_MATCH, starttime: now };
      if (!(await this.store.createJob({ command, created: now, targets: [{ gid, nid }] }, [failed]))) return { id: command.id, state: 'DUPLICATE_ID', targets: [] };
      await this.store.putResult(failed, true);
      return { id: command.id, targets: [{ gid, nid }], error: NO_MATCH };
    }
    const addresses = targets.map((agent) => ({ gid: agent.gid, nid: agent.nid }));
    const initial = addresses.map((target) => pendingResult(command, target.gid, target.nid));
    if (!(await this.store.createJob({ command, created: now, targets: addresses }, initial))) return { id: command.id, state: 'DUPLICATE_ID', targets: [] };
    this.commands.set(command.id, command);
    await Promise.all(targets.map((agent) => this.enqueueFor(command, agent, now)));
    return { id: command.id, targets: addresses };
  }

  private async resolveTargets(command: JobCommand, agents: readonly AgentInfo[] | undefined): Promise<AgentInfo[]> {
    if (command.gid !== undefined && command.nid !== undefined) {
      const agent = await this.store.getAgent({ gid: command.gid, nid: command.nid });
      // A known agent that is away gets the job when it is back (within offlineWaitMs).
      return agent ? [agent] : [];
    }
    const matching = matchingAgents(command, agents ?? (await this.store.listAgents()));
    return command.fanout ? matching : pickOne(matching);
  }

  private async enqueueFor(command: JobCommand, agent: AgentInfo, now: number): Promise<void> {
    if (!agent.online && (await this.store.queueLength(agent)) >= this.queueLimit) {
      const result = { ...pendingResult(command, agent.gid, agent.nid, 'EXPIRED'), data: `agent ${agentKey(agent.gid, agent.nid)} is away and already has ${this.queueLimit} jobs waiting`, starttime: now };
      await this.store.putResult(result, true);
      return;
    }
    // An agent connected here is sent its work at once; others hear of it through the store.
    // With nothing queued before it (and no send of older work under way) the job skips the
    // queue: the store puts it in flight and it is sent from here.
    const key = agentKey(agent.gid, agent.nid);
    const local = this.sessions.get(key);
    const direct = await this.store.enqueue(agent, command.id, now + this.offlineWaitMs, !local, local !== undefined && !this.pumping.has(key));
    // The agent may have reconnected meanwhile: in flight is in flight for its new connection too.
    const current = this.sessions.get(key);
    if (!current) return;
    if (direct) current.send({ type: 'job', job: command });
    else this.pump(current);
  }

  async command(id: string): Promise<JobCommand | undefined> {
    const cached = this.commands.get(id);
    if (cached) return cached;
    const record = await this.store.getJob(id);
    if (record) this.commands.set(id, record.command);
    return record?.command;
  }

  /** Kills a job everywhere it is queued or running; undefined when there is no such job. */
  async kill(id: string): Promise<{ readonly targets: number } | undefined> {
    const command = await this.command(id);
    if (!command) return undefined;
    const results = await this.store.getResults(id);
    let targets = 0;
    for (const result of results) {
      if (isLastResult(result, command.args)) continue;
      targets++;
      const agent = { gid: result.gid, nid: result.nid };
      if (result.state === 'QUEUED' && (await this.store.dequeue(agent, id))) {
        await this.store.putResult({ ...result, state: 'KILLED', data: 'killed before it was sent to the agent', starttime: Date.now() }, true);
      } else {
        await this.store.publish({ type: 'kill', id, gid: result.gid, nid: result.nid });
      }
    }
    return { targets };
  }

  /** Completed results from `after` on; waits up to `timeoutMs` for the first one. */
  async waitCompleted(id: string, after: number, timeoutMs: number): Promise<JobResult[]> {
    if (timeoutMs <= 0) return this.store.readCompleted(id, after);
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    let waiters = this.resultWaiters.get(id);
    if (!waiters) this.resultWaiters.set(id, (waiters = new Set()));
    waiters.add(wake);
    try {
      const now = await this.store.readCompleted(id, after);
      if (now.length > 0) return now;
      const timer = setTimeout(wake, timeoutMs);
      await woken;
      clearTimeout(timer);
      return await this.store.readCompleted(id, after);
    } finally {
      waiters.delete(wake);
      if (waiters.size === 0) this.resultWaiters.delete(id);
    }
  }

  /** Live news of a job: messages as they arrive, and a nudge for each completed result. */
  watch(id: string, listener: (event: JobEvent) => void): () => void {
    let set = this.watchers.get(id);
    if (!set) this.watchers.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.watchers.delete(id);
    };
  }

  // --- agents --------------------------------------------------------------------

  /** Whether an agent may take this gid/nid now (another live agent may already hold it). */
  async admit(agent: AgentAddress, instance: string): Promise<Admission> {
    const local = this.sessions.get(agentKey(agent.gid, agent.nid));
    if (local && local.instance !== instance) return { ok: false, status: 409, reason: `agent ${agentKey(agent.gid, agent.nid)} is already connected` };
    const known = await this.store.getAgent(agent);
    if (!local && known?.online && known.controller !== this.id && known.instance !== instance) {
      // Held by a live controller elsewhere: only the same agent process may move over.
      return { ok: false, status: 409, reason: `agent ${agentKey(agent.gid, agent.nid)} is already connected to controller ${known.controller}` };
    }
    return { ok: true };
  }

  async attach(session: AgentSession): Promise<void> {
    const key = agentKey(session.gid, session.nid);
    const previous = this.sessions.get(key);
    if (previous && previous !== session) previous.close(4010, 'replaced by a newer connection of the same agent');
    this.sessions.set(key, session);
    const lost = this.lostTimers.get(key);
    if (lost) clearTimeout(lost);
    this.lostTimers.delete(key);
    const presence: AgentPresence = {
      gid: session.gid,
      nid: session.nid,
      roles: session.roles,
      instance: session.instance,
      controller: this.id,
      connected: Date.now(),
      ...(session.hostname !== undefined ? { hostname: session.hostname } : {}),
      ...(session.version !== undefined ? { version: session.version } : {}),
      ...(session.os !== undefined ? { os: session.os } : {}),
    };
    const before = await this.store.agentOnline(presence);
    if (before && before.instance !== session.instance) {
      // A new agent process: whatever the old one was running is gone with it.
      await this.failRunning(session, 'DISCONNECTED', 'the agent restarted while running the job');
    }
    session.send({ type: 'welcome', controller: this.id, heartbeat_ms: 10_000 });
    await this.store.requeueInflight(session, Date.now() + this.offlineWaitMs);
    this.pump(session);
    this.log.info({ agent: key, roles: session.roles }, 'agent connected');
  }

  /** Detaches in progress: close() waits for them before the store goes away. */
  private readonly detaching = new Set<Promise<void>>();

  detach(session: AgentSession): Promise<void> {
    const work = this.detachNow(session);
    this.detaching.add(work);
    void work.finally(() => this.detaching.delete(work)).catch(() => undefined);
    return work;
  }

  private async detachNow(session: AgentSession): Promise<void> {
    const key = agentKey(session.gid, session.nid);
    if (this.sessions.get(key) !== session) return;
    this.sessions.delete(key);
    await this.store.agentOffline(session, session.instance, this.id, Date.now());
    await this.store.requeueInflight(session, Date.now() + this.offlineWaitMs);
    if (this.closed) return;
    this.log.info({ agent: key }, 'agent disconnected');
    const timer = setTimeout(() => {
      this.lostTimers.delete(key);
      if (this.sessions.has(key)) return;
      void this.store.getAgent(session).then((agent) => {
        if (agent?.online) return;
        return this.failRunning(session, 'DISCONNECTED', `the agent went away while running the job and was not back within ${Math.round(this.lostAfterMs / 1000)}s`);
      });
    }, this.lostAfterMs);
    timer.unref();
    this.lostTimers.set(key, timer);
  }

  private async failRunning(agent: AgentAddress, state: JobState, data: string): Promise<void> {
    for (const id of await this.store.listRunning(agent)) {
      const command = await this.command(id);
      await this.store.removeRunning(agent, id);
      if (!command) continue;
      await this.store.putResult({ ...pendingResult(command, agent.gid, agent.nid, state), data, starttime: Date.now() }, true);
    }
  }

  /**
   * Handles the frames of one message from an agent. When the same job's result follows
   * in the message, a RUNNING state is skipped (the result replaces it) and the
   * acceptance is recorded together with the result: one store step instead of three.
   */
  handleFrames(session: AgentSession, frames: readonly AgentFrame[]): void {
    const resultAfter = new Set<string>();
    const keep: boolean[] = new Array<boolean>(frames.length).fill(true);
    const acceptedWithResult = new Set<string>();
    for (let index = frames.length - 1; index >= 0; index--) {
      const frame = frames[index]!;
      if (frame.type === 'result') resultAfter.add(frame.result.id);
      else if (frame.type === 'state' && resultAfter.has(frame.id) && !frame.origin) keep[index] = false;
      else if (frame.type === 'accepted' && resultAfter.has(frame.id)) {
        keep[index] = false;
        acceptedWithResult.add(frame.id);
      }
    }
    frames.forEach((frame, index) => {
      if (!keep[index]) return;
      const accepted = frame.type === 'result' && acceptedWithResult.delete(frame.result.id);
      void this.handleFrame(session, frame, accepted);
    });
  }

  /** Handles an agent's frame; frames of one agent are handled in order. */
  handleFrame(session: AgentSession, frame: AgentFrame, acceptedWithResult = false): Promise<void> {
    const before = this.frameChains.get(session) ?? Promise.resolve();
    const next = before.then(() => this.onFrame(session, frame, acceptedWithResult)).catch((error: unknown) => {
      this.log.warn({ agent: agentKey(session.gid, session.nid), err: (error as Error).message }, 'cannot handle an agent frame');
    });
    this.frameChains.set(session, next);
    return next;
  }

  private async onFrame(session: AgentSession, frame: AgentFrame, acceptedWithResult: boolean): Promise<void> {
    switch (frame.type) {
      case 'accepted':
        await this.store.acceptWork(session, frame.id);
        return;
      case 'state': {
        const command = await this.ensureJob(session, frame.id, frame.origin);
        if (!command) return;
        await Promise.all([
          this.store.addRunning(session, frame.id),
          this.store.putResult({ ...pendingResult(command, session.gid, session.nid, frame.state === 'QUEUED' ? 'QUEUED' : 'RUNNING'), starttime: frame.starttime }, false),
        ]);
        return;
      }
      case 'messages': {
        const command = await this.command(frame.id);
        if (command) await this.keepMessages(command, session, frame.messages);
        return;
      }
      case 'stats':
        await this.store.appendStats({ id: frame.id, gid: session.gid, nid: session.nid, samples: frame.samples });
        return;
      case 'result':
        await this.onResult(session, frame.result, frame.messages ?? [], acceptedWithResult);
        session.send({ type: 'ack', seqs: [frame.seq] });
        return;
    }
  }

  private async onResult(session: AgentSession, raw: JobResult, messages: readonly JobMessage[], accepted: boolean): Promise<void> {
    const command = await this.ensureJob(session, raw.id, raw);
    if (!command) {
      if (accepted) await this.store.ackWork(session, raw.id);
      return;
    }
    // The connection says who the agent is; a result cannot speak for another agent.
    const result: JobResult = { ...raw, gid: session.gid, nid: session.nid, id: command.id, cmd: command.cmd, args: command.args, tags: command.tags ?? '' };
    if (!isFinalState(result.state)) result.state = 'ERROR';
    if (messages.length > 0) await this.keepMessages(command, session, messages);
    await this.store.putResult(result, true, isLastResult(result, command.args), accepted);
  }

  /** The job's command; a job the agent started by itself (startup jobs) is recorded first. */
  private async ensureJob(session: AgentSession, id: string, origin: { cmd: string; args: RunArgs; tags?: string } | undefined): Promise<JobCommand | undefined> {
    const known = await this.command(id);
    if (known) return known;
    if (typeof id !== 'string' || id === '' || id.length > 200) return undefined;
    let args: RunArgs = {};
    try {
      args = checkRunArgs(origin?.args ?? {});
    } catch {
      // recorded without its run arguments
    }
    const command: JobCommand = { id, gid: session.gid, nid: session.nid, cmd: typeof origin?.cmd === 'string' ? origin.cmd : 'unknown', args, tags: typeof origin?.tags === 'string' ? origin.tags : '' };
    await this.store.createJob({ command, created: Date.now(), targets: [{ gid: session.gid, nid: session.nid }] }, [pendingResult(command, session.gid, session.nid, 'RUNNING')]);
    this.commands.set(id, command);
    return command;
  }

  private async keepMessages(command: JobCommand, session: AgentSession, messages: readonly JobMessage[]): Promise<void> {
    const stamped = messages.map((message) => ({ id: command.id, gid: session.gid, nid: session.nid, level: message.level, data: message.data, epoch: message.epoch }));
    const levels = new Set(command.args.loglevels_db ?? ALL_LEVELS);
    const kept = stamped.filter((message) => levels.has(message.level));
    if (kept.length > 0) await this.store.appendMessages(command.id, kept);
    await this.store.publish({ type: 'messages', id: command.id, messages: stamped });
  }

  // --- work ----------------------------------------------------------------------

  private onStoreEvent(event: StoreEvent): void {
    if (this.feed.listening) this.feed.handle(event);
    switch (event.type) {
      case 'work': {
        const session = this.sessions.get(agentKey(event.gid, event.nid));
        if (session) this.pump(session);
        return;
      }
      case 'result': {
        for (const id of event.ids) {
          for (const wake of this.resultWaiters.get(id) ?? []) wake();
          for (const listener of this.watchers.get(id) ?? []) listener({ type: 'result' });
        }
        return;
      }
      case 'messages':
        for (const listener of this.watchers.get(event.id) ?? []) listener({ type: 'messages', messages: event.messages });
        return;
      case 'kill': {
        const session = this.sessions.get(agentKey(event.gid, event.nid));
        session?.send({ type: 'kill', id: event.id });
        return;
      }
      case 'agent':
        return;
    }
  }

  /** Sends the agent's queued work; one pump per agent at a time. */
  private pump(session: AgentSession): void {
    const key = agentKey(session.gid, session.nid);
    if (this.pumping.has(key)) {
      this.pumping.set(key, 'again');
      return;
    }
    this.pumping.set(key, 'running');
    const drain = async (): Promise<void> => {
      do {
        this.pumping.set(key, 'running');
        for (;;) {
          if (this.sessions.get(key) !== session) return;
          const ids = await this.store.takeWork(session, WORK_BATCH);
          if (ids.length === 0) break;
          for (const id of ids) {
            const command = await this.command(id);
            if (!command) {
              await this.store.ackWork(session, id);
              continue;
            }
            session.send({ type: 'job', job: command });
          }
        }
      } while (this.pumping.get(key) === 'again');
    };
    drain()
      .catch((error: unknown) => this.log.warn({ agent: key, err: (error as Error).message }, 'cannot send work'))
      .finally(() => this.pumping.delete(key));
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    try {
      await this.store.controllerAlive(this.id, 5000);
      for (const work of await this.store.takeExpired(Date.now())) {
        const command = await this.command(work.id);
        if (!command) continue;
        await this.store.putResult(
          { ...pendingResult(command, work.gid, work.nid, 'EXPIRED'), data: `agent ${agentKey(work.gid, work.nid)} was away for longer than ${Math.round(this.offlineWaitMs / 1000)}s`, starttime: Date.now() },
          true,
        );
      }
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'controller housekeeping failed');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.ticker);
    this.feed.close();
    for (const timer of this.lostTimers.values()) clearTimeout(timer);
    for (const wake of [...this.resultWaiters.values()].flatMap((set) => [...set])) wake();
    const sessions = [...this.sessions.values()];
    for (const session of sessions) session.close(4011, 'controller shutting down');
    await Promise.all(sessions.map((session) => this.detach(session).catch(() => undefined)));
    await Promise.allSettled([...this.detaching]);
  }
}

export function invalidRequest(message: string): HostlinkError {
  return new HostlinkError('InvalidParameter', message);
}
