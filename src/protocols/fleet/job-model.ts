/**
 * The JumpScale agent/agentcontroller job model, as hostlink's controller, agents and
 * clients share it: commands addressed by grid id (gid), node id (nid) and roles, run
 * arguments, job states, leveled messages and results. Names and spellings follow the
 * original (snake_case on the wire) so a JumpScale user finds every concept again.
 */

/** Every state a job's result can be in. The last three are hostlink's additions. */
export const JOB_STATES = [
  'QUEUED',
  'RUNNING',
  'SUCCESS',
  'ERROR',
  'TIMEOUT',
  'KILLED',
  'UNKNOWN_CMD',
  'DUPLICATE_ID',
  /** Waited for an agent that was away longer than the controller's limit. */
  'EXPIRED',
  /** The agent went away while running the job and did not come back in time. */
  'DISCONNECTED',
] as const;

export type JobState = (typeof JOB_STATES)[number];

/** States after which a result does not change (for a recurring job: this run's). */
export const FINAL_STATES: ReadonlySet<JobState> = new Set(['SUCCESS', 'ERROR', 'TIMEOUT', 'KILLED', 'UNKNOWN_CMD', 'DUPLICATE_ID', 'EXPIRED', 'DISCONNECTED']);

export function isFinalState(state: JobState): boolean {
  return FINAL_STATES.has(state);
}

/** Message levels of the output protocol. */
export const LEVEL = {
  stdout: 1,
  stderr: 2,
  public: 3,
  operator: 4,
  unknown: 5,
  structured: 6,
  warning: 7,
  opsError: 8,
  critical: 9,
  statsd: 10,
  debug: 11,
  resultJson: 20,
  resultYaml: 21,
  resultToml: 22,
  resultHrd: 23,
  jobJson: 30,
} as const;

export const ALL_LEVELS: readonly number[] = Object.values(LEVEL);

/** Levels whose last message becomes the result's data and level. */
export function isResultLevel(level: number): boolean {
  return (level >= 20 && level <= 23) || level === 30;
}

export function isKnownLevel(level: number): boolean {
  return ALL_LEVELS.includes(level);
}

/** Run arguments ("RunArgs"): how an agent runs a command. */
export interface RunArgs {
  readonly domain?: string;
  /** For execute: the program; for extensions: the script. */
  readonly name?: string;
  /** For execute: the program's arguments. */
  readonly args?: readonly string[];
  /** 0: no limit; > 0: seconds, then TIMEOUT; -1: long running (no limit, no result expected soon). */
  readonly max_time?: number;
  /** How many times a run that ends in ERROR is started again. */
  readonly max_restart?: number;
  /** Seconds between the starts of a recurring job's runs; 0: run once. */
  readonly recurring_period?: number;
  /** Seconds between CPU/memory samples of the job's process; 0: none. */
  readonly stats_interval?: number;
  /** Levels the agent forwards to the controller. */
  readonly loglevels?: readonly number[];
  /** Levels the controller keeps (readable with get_msgs). */
  readonly loglevels_db?: readonly number[];
  /** Jobs sharing a queue name run one at a time on an agent, in arrival order. */
  readonly queue?: string;
  readonly working_dir?: string;
  /** Variables set for the child on top of the agent's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Send messages to the controller as they are printed (else with the result). */
  readonly stream?: boolean;
}

/** A command as a client submits it and an agent receives it. */
export interface JobCommand {
  readonly id: string;
  readonly gid?: number;
  readonly nid?: number;
  readonly roles?: readonly string[];
  readonly fanout?: boolean;
  readonly tags?: string;
  readonly cmd: string;
  readonly args: RunArgs;
  /** Raw data: stdin for processes, the JSON arguments of a registry command. */
  readonly data?: string;
}

/** One agent's result for one job (for a recurring job: one run's). */
export interface JobResult {
  id: string;
  gid: number;
  nid: number;
  cmd: string;
  args: RunArgs;
  data: string;
  /** Last lines of stdout and stderr. */
  streams: [string, string];
  /** The last level-9 message. */
  critical: string;
  level: number;
  state: JobState;
  /** Epoch milliseconds. */
  starttime: number;
  /** Milliseconds the run took. */
  time: number;
  tags: string;
  /** Run number of a recurring job, from 1. */
  run?: number;
  /** For ERROR from a registry command: the hostlink error class. `data` holds the message. */
  error_class?: string;
  /** Times the process was started again after an ERROR (max_restart). */
  restarts?: number;
}

/** A leveled message printed by a job. */
export interface JobMessage {
  readonly id: string;
  readonly gid: number;
  readonly nid: number;
  readonly level: number;
  readonly data: string;
  /** Epoch milliseconds. */
  readonly epoch: number;
}

export interface AgentAddress {
  readonly gid: number;
  readonly nid: number;
}

/** One agent as the controller knows it. */
export interface AgentInfo {
  readonly gid: number;
  readonly nid: number;
  readonly roles: readonly string[];
  /** The controller instance holding its connection. */
  readonly controller: string;
  /** Random per agent process: a new one means the agent restarted. */
  readonly instance: string;
  /** Epoch milliseconds of the connection and of the last sign of life. */
  readonly connected: number;
  readonly seen: number;
  readonly online: boolean;
  /** The agent's hostname and hostlink version, as it announced them. */
  readonly hostname?: string;
  readonly version?: string;
  /** The agent's system in one line, as it announced it. */
  readonly os?: string;
}

/** A job as GET /v1/jobs lists it. */
export interface JobSummary {
  readonly id: string;
  readonly cmd: string;
  /** Epoch milliseconds. */
  readonly created: number;
  readonly targets: number;
  /** Results by state, e.g. { SUCCESS: 3, RUNNING: 1 }. */
  readonly states: Readonly<Record<string, number>>;
  readonly tags: string;
}

export function agentKey(gid: number, nid: number): string {
  return `${gid}:${nid}`;
}

/** A result placeholder for a target, before the agent has answered. */
export function pendingResult(command: JobCommand, gid: number, nid: number, state: JobState = 'QUEUED'): JobResult {
  return {
    id: command.id,
    gid,
    nid,
    cmd: command.cmd,
    args: command.args,
    data: '',
    streams: ['', ''],
    critical: '',
    level: 0,
    state,
    starttime: 0,
    time: 0,
    tags: command.tags ?? '',
  };
}

/** States that end a recurring job too (a recurring job's other results end one run). */
const ENDS_RECURRING: ReadonlySet<JobState> = new Set(['KILLED', 'UNKNOWN_CMD', 'DUPLICATE_ID', 'EXPIRED', 'DISCONNECTED']);

export function isRecurring(args: RunArgs): boolean {
  return (args.recurring_period ?? 0) > 0;
}

/** Whether no further result will come for this target after `result`. */
export function isLastResult(result: Pick<JobResult, 'state'>, args: RunArgs): boolean {
  if (!isFinalState(result.state)) return false;
  return !isRecurring(args) || ENDS_RECURRING.has(result.state);
}
