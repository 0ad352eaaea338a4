/**
 * The frames an agent and its controller exchange over the agent's one WebSocket
 * connection: JSON text messages, each one frame (an object) or several frames sent
 * together (an array), which saves a write per frame under load. The agent's identity
 * (gid, nid, roles) is fixed when it connects (handshake headers), so frames never carry
 * it; the controller stamps it on everything the agent sends.
 */
import { HostlinkError } from '../../core/errors.js';
import type { JobCommand, JobMessage, JobResult, JobState, RunArgs } from './job-model.js';

/** Handshake headers of the agent's WebSocket request. */
export const LINK_HEADERS = {
  gid: 'x-hostlink-gid',
  nid: 'x-hostlink-nid',
  roles: 'x-hostlink-roles',
  /** Random per agent process: a reconnect of the same agent replaces its old connection. */
  instance: 'x-hostlink-instance',
  hostname: 'x-hostlink-hostname',
  version: 'x-hostlink-version',
  /** A one-line description of the agent's system (distribution, kernel, machine). */
  os: 'x-hostlink-os',
} as const;

export const LINK_PATH = '/v1/agent';

/** WebSocket close codes the controller uses to refuse an agent (4000-4999 are private). */
export const LINK_CLOSE = {
  unauthorized: 4001,
  forbidden: 4003,
  /** Another live agent already holds this gid/nid. */
  conflict: 4009,
  /** This connection was replaced by a newer one of the same agent. */
  replaced: 4010,
  shuttingDown: 4011,
} as const;

/** A statsd-style sample (level 10) or a CPU/memory sample of a job's process. */
export interface StatsSample {
  readonly key: string;
  readonly value: number;
  /** g gauge, c counter, ms timer, s set. */
  readonly type: 'g' | 'c' | 'ms' | 's';
  readonly epoch: number;
}

export type ControllerFrame =
  | { readonly type: 'welcome'; readonly controller: string; readonly heartbeat_ms: number }
  | { readonly type: 'job'; readonly job: JobCommand }
  | { readonly type: 'ack'; readonly seqs: readonly number[] }
  | { readonly type: 'kill'; readonly id: string };

export type AgentFrame =
  | { readonly type: 'accepted'; readonly id: string }
  | {
      readonly type: 'state';
      readonly id: string;
      readonly state: JobState;
      readonly starttime: number;
      /** For a job the agent started by itself (startup jobs): what it is, so the controller can record it. */
      readonly origin?: { readonly cmd: string; readonly args: RunArgs; readonly tags?: string };
    }
  | { readonly type: 'messages'; readonly id: string; readonly messages: readonly JobMessage[] }
  | {
      readonly type: 'result';
      /** Numbers the agent's results; the controller acknowledges each, the agent resends until then. */
      readonly seq: number;
      readonly result: JobResult;
      /** Messages not streamed before (stream: false), sent with the result. */
      readonly messages?: readonly JobMessage[];
    }
  | { readonly type: 'stats'; readonly id: string; readonly samples: readonly StatsSample[] };

function frameError(message: string): HostlinkError {
  return new HostlinkError('ProtocolError', message);
}

function parseMessage(text: string): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw frameError('frame is not JSON');
  }
  return Array.isArray(value) ? value : [value];
}

function asObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw frameError('frame is not a JSON object');
  return value as Record<string, unknown>;
}

/** The frames of one message from an agent. */
export function parseAgentFrames(text: string): AgentFrame[] {
  return parseMessage(text).map((value) => checkAgentFrame(asObject(value)));
}

/** The frames of one message from the controller. */
export function parseControllerFrames(text: string): ControllerFrame[] {
  return parseMessage(text).map((value) => checkControllerFrame(asObject(value)));
}

/** Several frames as one message (a single frame as itself). */
export function encodeFrames(frames: readonly unknown[]): string {
  return frames.length === 1 ? JSON.stringify(frames[0]) : JSON.stringify(frames);
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks a frame from an agent; shapes are checked enough that the controller can trust field types. */
function checkAgentFrame(frame: Record<string, unknown>): AgentFrame {
  switch (frame.type) {
    case 'accepted':
      if (!isString(frame.id)) break;
      return frame as unknown as AgentFrame;
    case 'state':
      if (!isString(frame.id) || !isString(frame.state) || typeof frame.starttime !== 'number') break;
      return frame as unknown as AgentFrame;
    case 'messages':
      if (!isString(frame.id) || !Array.isArray(frame.messages) || !frame.messages.every(isMessage)) break;
      return frame as unknown as AgentFrame;
    case 'result':
      if (typeof frame.seq !== 'number' || !isObject(frame.result) || !isString(frame.result.id) || !isString(frame.result.state)) break;
      if (frame.messages !== undefined && !(Array.isArray(frame.messages) && frame.messages.every(isMessage))) break;
      return frame as unknown as AgentFrame;
    case 'stats':
      if (!isString(frame.id) || !Array.isArray(frame.samples)) break;
      return frame as unknown as AgentFrame;
  }
  throw frameError(`bad agent frame${isString(frame.type) ? ` of type ${frame.type}` : ''}`);
}

function isMessage(value: unknown): boolean {
  return isObject(value) && typeof value.level === 'number' && isString(value.data) && typeof value.epoch === 'number';
}

function checkControllerFrame(frame: Record<string, unknown>): ControllerFrame {
  switch (frame.type) {
    case 'welcome':
      if (!isString(frame.controller) || typeof frame.heartbeat_ms !== 'number') break;
      return frame as unknown as ControllerFrame;
    case 'job':
      if (!isObject(frame.job) || !isString(frame.job.id) || !isString(frame.job.cmd)) break;
      return frame as unknown as ControllerFrame;
    case 'ack':
      if (!Array.isArray(frame.seqs)) break;
      return frame as unknown as ControllerFrame;
    case 'kill':
      if (!isString(frame.id)) break;
      return frame as unknown as ControllerFrame;
  }
  throw frameError(`bad controller frame${isString(frame.type) ? ` of type ${frame.type}` : ''}`);
}
