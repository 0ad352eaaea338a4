/**
 * The agent as a member of a controller's fleet: it connects out to the controller
 * (controller-link), runs the jobs it is sent (job-runner), and sends back states,
 * messages, statistics and results. Results stay in an outbox until the controller
 * acknowledges them and are sent again after a reconnect, so neither a dropped
 * connection nor a controller restart loses one.
 *
 * `restart` (the node command) answers, then stops every job, reads the configuration
 * again (extensions, startup jobs), reconnects and runs the startup jobs again.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { extensionCommands, nodeCommands, processCommandNames, type NodeJobInfo, type NodeJobTable } from '../../commands/node/index.js';
import { Dispatcher } from '../../core/dispatcher.js';
import type { Logger } from '../../core/logger.js';
import { CommandPolicy, type PolicyOptions } from '../../core/policy.js';
import { CommandRegistry } from '../../core/registry.js';
import { checkRunArgs } from '../../protocols/fleet/command-check.js';
import type { JobCommand } from '../../protocols/fleet/job-model.js';
import { packageVersion } from '../../core/package-version.js';
import { osSummary } from './os-summary.js';
import { LINK_HEADERS, LINK_PATH, parseControllerFrames, type AgentFrame, type ControllerFrame } from '../../protocols/fleet/link-frames.js';

type StateFrame = Extract<AgentFrame, { type: 'state' }>;
import { ControllerLink } from '../../transports/controller-link.js';
import type { FleetSections } from './fleet-config.js';
import { JobRunner, type JobEvents } from './job-runner.js';
import { LayeredRegistry } from './layered-registry.js';

export interface FleetMemberOptions {
  /** The controller's base URL (http://HOST:PORT, https://, ws://, wss://). */
  readonly controller: string;
  readonly gid: number;
  readonly nid: number;
  readonly roles?: readonly string[];
  readonly token?: string;
  /** TLS: CA to trust and an optional client certificate, as PEM. */
  readonly ca?: string | Buffer;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /**
   * The commands jobs may call (the agent's registry). The node commands and extensions
   * are layered on top for jobs only: the registry itself, and the listeners serving it,
   * are left as they are (so `execute` does not appear on, say, an XML-RPC port).
   */
  readonly registry: CommandRegistry;
  readonly policy?: PolicyOptions;
  readonly log: Logger;
  /** Extensions and startup jobs; read again by `restart`. */
  readonly loadSections: () => FleetSections;
  readonly heartbeatMs?: number;
  /** Announced to the controller; hostlink's own version by default. */
  readonly version?: string;
}

export interface FleetMember {
  readonly connected: boolean;
  /** Resolves once connected (for tests and `hostlink start`). */
  waitConnected(): Promise<void>;
  stop(): Promise<void>;
}

/** Frames other than results kept while away (oldest dropped beyond this). */
const AWAY_FRAME_LIMIT = 10_000;

export function fleetAgentUrl(controller: string): string {
  const base = controller.replace(/\/+$/, '');
  return base.endsWith(LINK_PATH) ? base : `${base}${LINK_PATH}`;
}

/** The ids of startup jobs: one per agent and section, stable across agent restarts. */
export function startupJobId(name: string, gid: number, nid: number): string {
  return `startup:${name}:${gid}:${nid}`;
}

class Member implements FleetMember {
  private readonly link: ControllerLink;
  private runner!: JobRunner;
  private sections!: FleetSections;
  private dispatcher!: Dispatcher;
  private seq = 0;
  /** Result frames not yet acknowledged, by seq. */
  private readonly outbox = new Map<number, string>();
  private away: string[] = [];
  private waiters: Array<() => void> = [];
  private restarting = false;
  /** Jobs this agent started by itself (startup jobs), by id. */
  private readonly ownJobs = new Map<string, JobCommand>();

  constructor(private readonly options: FleetMemberOptions) {
    const { log } = options;
    const headers: Record<string, string> = {
      [LINK_HEADERS.gid]: String(options.gid),
      [LINK_HEADERS.nid]: String(options.nid),
      [LINK_HEADERS.roles]: (options.roles ?? []).join(','),
      [LINK_HEADERS.instance]: randomUUID(),
      [LINK_HEADERS.hostname]: hostname(),
      [LINK_HEADERS.os]: osSummary(),
    };
    headers[LINK_HEADERS.version] = options.version ?? packageVersion();
    this.link = new ControllerLink({
      url: fleetAgentUrl(options.controller),
      headers,
      ...(options.token ? { token: options.token } : {}),
      ...(options.ca ? { ca: options.ca } : {}),
      ...(options.cert ? { cert: options.cert } : {}),
      ...(options.key ? { key: options.key } : {}),
      log,
      ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
      onOpen: () => this.onOpen(),
      onMessage: (text) => this.onMessage(text),
    });
  }

  get connected(): boolean {
    return this.link.connected;
  }

  waitConnected(): Promise<void> {
    if (this.link.connected) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The job table the node commands see: always the current runner. */
  readonly jobTable: NodeJobTable = {
    list: (): NodeJobInfo[] => this.runner.list(),
    kill: (id) => this.runner.kill(id),
    killAll: () => this.runner.killAll(),
    messages: (id, levels, limit) => this.runner.messages(id, levels, limit),
    requestRestart: () => {
      setImmediate(() => void this.restart());
    },
  };

  start(): void {
    this.load();
    this.runner = this.newRunner();
    this.link.start();
    this.runStartupJobs();
  }

  /** Reads extensions and startup jobs; on failure nothing changes. */
  private load(): void {
    const sections = this.options.loadSections();
    const top = new CommandRegistry().registerAll(nodeCommands({ jobs: this.jobTable })).registerAll(extensionCommands(sections.extensions));
    this.sections = sections;
    this.dispatcher = new Dispatcher(new LayeredRegistry(this.options.registry, top), new CommandPolicy(this.options.policy));
  }

  private newRunner(): JobRunner {
    return new JobRunner({
      dispatcher: this.dispatcher,
      gid: this.options.gid,
      nid: this.options.nid,
      log: this.options.log,
      processCommands: processCommandNames(this.sections),
      events: this.events,
    });
  }

  private runStartupJobs(): void {
    for (const startup of this.sections.startup) {
      const command: JobCommand = {
        id: startupJobId(startup.name, this.options.gid, this.options.nid),
        gid: this.options.gid,
        nid: this.options.nid,
        cmd: startup.cmd,
        args: startup.args,
        tags: 'startup',
        ...(startup.data !== undefined ? { data: startup.data } : {}),
      };
      this.ownJobs.set(command.id, command);
      this.runner.submit(command);
    }
  }

  async restart(): Promise<void> {
    if (this.restarting) return;
    this.restarting = true;
    const { log } = this.options;
    try {
      log.info('restarting: stopping jobs, reading the configuration again, reconnecting');
      await this.runner.close();
      try {
        this.load();
      } catch (error) {
        log.error({ err: (error as Error).message }, 'restart: the configuration cannot be read; keeping the previous one');
      }
      this.runner = this.newRunner();
      this.link.reconnect();
      this.runStartupJobs();
    } finally {
      this.restarting = false;
    }
  }

  async stop(): Promise<void> {
    await this.runner.close();
    // Give the last results a moment to be acknowledged.
    const deadline = Date.now() + 1000;
    while (this.outbox.size > 0 && this.link.connected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await this.link.close();
  }

  private readonly events: JobEvents = {
    accepted: (id) => this.send({ type: 'accepted', id }),
    state: (id, state, starttime) => this.send(this.stateFrame(id, state, starttime)),
    messages: (id, messages) => this.send({ type: 'messages', id, messages }),
    stats: (id, samples) => this.send({ type: 'stats', id, samples }),
    result: (result, messages) => {
      const seq = ++this.seq;
      const frame = JSON.stringify({ type: 'result', seq, result, ...(messages.length > 0 ? { messages } : {}) } satisfies AgentFrame);
      this.outbox.set(seq, frame);
      this.queue(frame, true);
    },
  };

  /**
   * A job's state for the controller. A job this agent started by itself carries its
   * origin, so a controller that first hears of it here (a startup job running when the
   * link comes up) records what it is.
   */
  private stateFrame(id: string, state: StateFrame['state'], starttime: number): StateFrame {
    const origin = this.ownJobs.get(id);
    if (!origin) return { type: 'state', id, state, starttime };
    return { type: 'state', id, state, starttime, origin: { cmd: origin.cmd, args: origin.args, ...(origin.tags !== undefined ? { tags: origin.tags } : {}) } };
  }

  private send(frame: AgentFrame): void {
    this.queue(JSON.stringify(frame), false);
  }

  /** Frames of one turn of the event loop go out as one message. */
  private pending: Array<{ text: string; inOutbox: boolean }> = [];

  private queue(text: string, inOutbox: boolean): void {
    if (this.pending.push({ text, inOutbox }) === 1) setImmediate(() => this.flush());
  }

  private flush(): void {
    const pending = this.pending;
    this.pending = [];
    if (pending.length === 0) return;
    const message = pending.length === 1 ? pending[0]!.text : `[${pending.map((entry) => entry.text).join(',')}]`;
    if (this.link.send(message)) return;
    // Results wait in the outbox; the rest is kept (up to a limit) for the reconnect.
    for (const entry of pending) if (!entry.inOutbox) this.away.push(entry.text);
    if (this.away.length > AWAY_FRAME_LIMIT) this.away.splice(0, this.away.length - AWAY_FRAME_LIMIT);
  }

  private onOpen(): void {
    // The controller may have restarted: tell it what runs here, then what it missed.
    for (const job of this.runner.runningJobs()) {
      if (job.starttime > 0) this.link.send(JSON.stringify(this.stateFrame(job.id, 'RUNNING', job.starttime)));
    }
    const away = this.away;
    this.away = [];
    for (const text of away) this.link.send(text);
    for (const frame of this.outbox.values()) this.link.send(frame);
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  private onMessage(text: string): void {
    let frames: ControllerFrame[];
    try {
      frames = parseControllerFrames(text);
    } catch (error) {
      this.options.log.warn({ err: (error as Error).message }, 'ignoring a bad frame from the controller');
      return;
    }
    for (const frame of frames) this.onFrame(frame);
  }

  private onFrame(frame: ControllerFrame): void {
    switch (frame.type) {
      case 'welcome':
        this.options.log.debug({ controller: frame.controller }, 'controller says welcome');
        return;
      case 'job':
        return this.onJob(frame.job);
      case 'ack':
        for (const seq of frame.seqs) this.outbox.delete(seq);
        return;
      case 'kill':
        this.runner.kill(frame.id);
        return;
    }
  }

  private onJob(raw: JobCommand): void {
    let command: JobCommand;
    try {
      command = { ...raw, args: checkRunArgs(raw.args ?? {}) };
    } catch (error) {
      this.options.log.warn({ job: raw.id, err: (error as Error).message }, 'job with bad run arguments');
      command = { ...raw, args: {} };
      this.events.accepted(raw.id);
      const now = Date.now();
      this.events.result(
        { id: raw.id, gid: this.options.gid, nid: this.options.nid, cmd: raw.cmd, args: {}, data: (error as Error).message, streams: ['', ''], critical: '', level: 0, state: 'ERROR', starttime: now, time: 0, tags: raw.tags ?? '', error_class: 'InvalidParameter' },
        [],
      );
      return;
    }
    this.runner.submit(command);
  }
}

export function startFleetMember(options: FleetMemberOptions): FleetMember {
  const member = new Member(options);
  member.start();
  return member;
}
