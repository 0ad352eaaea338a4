/**
 * Where the controller keeps its state: jobs and their results, messages, statistics,
 * per-agent work queues, which agents are online, and recurring schedules. One
 * interface, two stores: in memory (one controller, nothing to install) and Redis
 * (several controllers share it; a controller restart loses nothing).
 *
 * Controllers learn about each other's news through the store's events: work for an
 * agent (whichever controller holds its connection sends it), new results (wake clients
 * waiting on any controller), live messages, kills. While someone listens to the
 * controller-wide feed (GET /v1/events) on any controller, the store also announces
 * created jobs, every recorded result state and agents coming and going; with nobody
 * listening it announces none of that, so the feed costs nothing then.
 */
import type { AgentAddress, AgentInfo, JobCommand, JobMessage, JobResult, JobState, JobSummary } from '../../protocols/fleet/job-model.js';
import type { ResultChange } from '../../protocols/fleet/feed-events.js';
import type { StatsSample } from '../../protocols/fleet/link-frames.js';

export { resultChange, type ResultChange } from '../../protocols/fleet/feed-events.js';

export type { AgentAddress, JobSummary } from '../../protocols/fleet/job-model.js';

export interface JobRecord {
  readonly command: JobCommand;
  /** Epoch milliseconds. */
  readonly created: number;
  readonly targets: readonly AgentAddress[];
}

export interface StoredStats {
  readonly id: string;
  readonly gid: number;
  readonly nid: number;
  readonly samples: readonly StatsSample[];
}

export interface Schedule {
  readonly id: string;
  /** Cron expression (5 fields) of the runs. */
  readonly cron: string;
  /** The command sent at each run (a fresh job id each time: `${id}.${run time}`). */
  readonly command: Omit<JobCommand, 'id'>;
  readonly created: number;
}

/** A waiting job whose agent stayed away too long. */
export interface ExpiredWork extends AgentAddress {
  readonly id: string;
}

/** A job just created, with the state its targets start in (QUEUED, or ERROR when none matched). */
export interface CreatedJob {
  readonly record: JobRecord;
  readonly state: JobState;
}

export type StoreEvent =
  | { readonly type: 'work'; readonly gid: number; readonly nid: number }
  /**
   * One step's (or, with Redis, one batch's) news: `ids` are jobs with newly completed
   * results. While the feed is listened to, also the jobs created and every result
   * state recorded, in order.
   */
  | { readonly type: 'result'; readonly ids: readonly string[]; readonly jobs?: readonly CreatedJob[]; readonly changes?: readonly ResultChange[] }
  /** An agent connected (online) or went away (while the feed is listened to). */
  | { readonly type: 'agent'; readonly presence: AgentPresence; readonly online: boolean; readonly seen: number }
  | { readonly type: 'messages'; readonly id: string; readonly messages: readonly JobMessage[] }
  | { readonly type: 'kill'; readonly id: string; readonly gid: number; readonly nid: number };

export interface AgentPresence {
  readonly gid: number;
  readonly nid: number;
  readonly roles: readonly string[];
  readonly instance: string;
  readonly controller: string;
  readonly connected: number;
  readonly hostname?: string;
  readonly version?: string;
  readonly os?: string;
}

export interface ControllerStore {
  /** Creates a job and a QUEUED (or given) result per target; false when the id exists. */
  createJob(record: JobRecord, initial: readonly JobResult[]): Promise<boolean>;
  getJob(id: string): Promise<JobRecord | undefined>;
  /** Newest first. */
  listJobs(limit: number): Promise<JobSummary[]>;

  /** The latest result of every target of a job. */
  getResults(id: string): Promise<JobResult[]>;
  /**
   * Records a target's result. `completed`: the result of a run that ended, appended to
   * the job's completion list (in the order results complete) and announced. `last`: no
   * more will come from this target, so the job leaves the agent's running set.
   * `accepted`: the agent's acceptance came with this result (acceptWork in the same step).
   */
  putResult(result: JobResult, completed: boolean, last?: boolean, accepted?: boolean): Promise<void>;
  /** Completed results from position `after` on, in completion order. */
  readCompleted(id: string, after: number): Promise<JobResult[]>;

  appendMessages(id: string, messages: readonly JobMessage[]): Promise<void>;
  /** The last `limit` messages of a job (optionally of one target, at some levels), oldest first. */
  readMessages(id: string, options: { levels?: readonly number[]; limit: number; gid?: number; nid?: number }): Promise<JobMessage[]>;

  appendStats(stats: StoredStats): Promise<void>;
  readJobStats(id: string): Promise<StoredStats[]>;
  readAgentStats(gid: number, nid: number): Promise<StoredStats[]>;

  /**
   * Adds a job id to an agent's queue; it expires (EXPIRED) at `deadline` unless taken.
   * `announce`: publish a work event (not needed when the caller holds the agent itself).
   * `offer`: the caller holds the agent and can send the job now: when nothing is queued
   * before it, the id goes straight to the in-flight list (as takeWork would move it) and
   * the result is true, meaning "send it yourself".
   */
  enqueue(agent: AgentAddress, id: string, deadline: number, announce?: boolean, offer?: boolean): Promise<boolean>;
  /** Moves up to `max` ids from the agent's queue to its in-flight list and returns them. */
  takeWork(agent: AgentAddress, max: number): Promise<string[]>;
  /** The agent has the job: drop it from in-flight. */
  ackWork(agent: AgentAddress, id: string): Promise<void>;
  /** ackWork + addRunning in one step. */
  acceptWork(agent: AgentAddress, id: string): Promise<void>;
  /**
   * Puts in-flight ids back at the head of the queue (after a reconnect they are sent
   * again); like queued work they expire at `deadline` if the agent does not come back.
   */
  requeueInflight(agent: AgentAddress, deadline: number): Promise<void>;
  /** Removes a not-yet-sent job from the agent's queue; true when it was there. */
  dequeue(agent: AgentAddress, id: string): Promise<boolean>;
  /** Removes and returns queued jobs whose deadline passed (each one to one caller only). */
  takeExpired(now: number): Promise<ExpiredWork[]>;
  queueLength(agent: AgentAddress): Promise<number>;

  /** Jobs an agent has accepted and not finished (to fail them if it never comes back). */
  addRunning(agent: AgentAddress, id: string): Promise<void>;
  removeRunning(agent: AgentAddress, id: string): Promise<void>;
  listRunning(agent: AgentAddress): Promise<string[]>;

  /** Records a connected agent; returns its previous presence (online or not), if any. */
  agentOnline(presence: AgentPresence): Promise<AgentPresence | undefined>;
  /** Marks it offline if this controller and instance still hold it. */
  agentOffline(agent: AgentAddress, instance: string, controller: string, at: number): Promise<void>;
  getAgent(agent: AgentAddress): Promise<AgentInfo | undefined>;
  listAgents(): Promise<AgentInfo[]>;
  /** This controller is alive (its agents count as online while it is). */
  controllerAlive(controller: string, ttlMs: number): Promise<void>;

  putSchedule(schedule: Schedule): Promise<void>;
  deleteSchedule(id: string): Promise<boolean>;
  listSchedules(): Promise<Schedule[]>;
  /** True for exactly one caller per (schedule, run time): the one that sends that run. */
  claimScheduleRun(id: string, runAt: number): Promise<boolean>;

  /**
   * Someone listens to the controller-wide feed, here or on another controller sharing
   * this store: for the next `ttlMs` the store announces created jobs, result states and
   * agents coming and going. Listeners renew it while they listen; it lapses by itself.
   */
  feedListening(ttlMs: number): Promise<void>;

  publish(event: StoreEvent): Promise<void>;
  subscribe(listener: (event: StoreEvent) => void): void;

  close(): Promise<void>;
}

/** What GET /v1/agents (and the event feed) tell of an agent, from its presence record. */
export function agentInfo(presence: AgentPresence, online: boolean, seen: number): AgentInfo {
  return {
    gid: presence.gid,
    nid: presence.nid,
    roles: presence.roles,
    controller: presence.controller,
    instance: presence.instance,
    connected: presence.connected,
    seen,
    online,
    ...(presence.hostname !== undefined ? { hostname: presence.hostname } : {}),
    ...(presence.version !== undefined ? { version: presence.version } : {}),
    ...(presence.os !== undefined ? { os: presence.os } : {}),
  };
}
