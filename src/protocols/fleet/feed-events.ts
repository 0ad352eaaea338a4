/**
 * The controller's live feed of the whole fleet (GET /v1/events), one JSON object per
 * line: the wire format the controller writes and ControllerClient.events() reads.
 */
import type { AgentAddress, AgentInfo, JobCommand, JobResult, JobState } from './job-model.js';

/** A job just created: the summary GET /v1/jobs lists, its targets and its command. */
export interface FeedJob {
  readonly id: string;
  readonly cmd: string;
  readonly created: number;
  readonly tags: string;
  readonly targets: readonly AgentAddress[];
  /** Its targets by state when created, e.g. { QUEUED: 3 } ({ ERROR: 1 } when no agent matched). */
  readonly states: Readonly<Record<string, number>>;
  /** The command as submitted, its `data` cut to the first 1,000 characters. */
  readonly command: JobCommand;
}

/** One target's result state as it was recorded (no data, no output: GET /v1/jobs/ID has them). */
export interface ResultChange extends AgentAddress {
  readonly id: string;
  readonly state: JobState;
  /** Epoch milliseconds; 0 before the run started. */
  readonly starttime: number;
  /** Milliseconds the run took (final states). */
  readonly time: number;
  /** Run number of a recurring job, from 1. */
  readonly run?: number;
}

export function resultChange(result: JobResult): ResultChange {
  const change = { id: result.id, gid: result.gid, nid: result.nid, state: result.state, starttime: result.starttime, time: result.time };
  return result.run === undefined ? change : { ...change, run: result.run };
}

export type FeedEvent =
  /** The feed is live: everything from here on is announced. */
  | { readonly type: 'hello'; readonly controller: string }
  | { readonly type: 'job'; readonly job: FeedJob }
  | { readonly type: 'result'; readonly result: ResultChange }
  /** An agent connected (online) or went away. */
  | { readonly type: 'agent'; readonly agent: AgentInfo }
  /** Keep-alive, every 15 s. */
  | { readonly type: 'ping' }
  /** This reader fell too far behind; the controller ends the stream after this. */
  | { readonly type: 'overflow' };
