/**
 * What ControllerClient.events() yields: the controller's live feed of the whole fleet
 * (GET /v1/events), as the controller sends it.
 */
import type { AgentAddress, AgentInfo, JobCommand, JobState } from '../../protocols/fleet/job-model.js';

/** A job just created: the summary `getJobs()` lists, its targets and its command. */
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

/** One target's result state as it was recorded (the whole result: getJob(id)). */
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

export type ControllerEvent =
  /** The feed is live: everything from here on is announced. */
  | { readonly type: 'hello'; readonly controller: string }
  | { readonly type: 'job'; readonly job: FeedJob }
  | { readonly type: 'result'; readonly result: ResultChange }
  /** An agent connected (online) or went away. */
  | { readonly type: 'agent'; readonly agent: AgentInfo }
  /** This reader fell too far behind; the controller ends the stream after this. */
  | { readonly type: 'overflow' };
