/**
 * Turning what a command did into a JumpScale result: a program's outcome (exit status,
 * result-level message, last lines), a registry command's value (JSON at level 20), or
 * an error that carries its message (the original sent `{}`).
 */
import { HostlinkError, toHostlinkError } from '../../core/errors.js';
import { JsonFloat } from '../../core/json-float.js';
import { ProcessOutcome } from '../../commands/node/process-job.js';
import { LEVEL, pendingResult, type JobCommand, type JobResult, type JobState } from '../../protocols/fleet/job-model.js';

/** JSON text of a command's value: bigints exactly (as numbers when safe), floats as numbers. */
export function valueToJson(value: unknown): string {
  const text = JSON.stringify(value === undefined ? null : value, (_key, item: unknown) => {
    if (typeof item === 'bigint') return Number.isSafeInteger(Number(item)) ? Number(item) : item.toString();
    if (item instanceof JsonFloat) return item.value;
    if (Buffer.isBuffer(item)) return item.toString('base64');
    return item;
  });
  return text ?? 'null';
}

export interface RunTiming {
  readonly gid: number;
  readonly nid: number;
  readonly starttime: number;
  readonly run?: number;
  readonly restarts?: number;
}

function base(command: JobCommand, timing: RunTiming, state: JobState): JobResult {
  const result = pendingResult(command, timing.gid, timing.nid, state);
  result.starttime = timing.starttime;
  result.time = Date.now() - timing.starttime;
  if (timing.run !== undefined) result.run = timing.run;
  if (timing.restarts) result.restarts = timing.restarts;
  return result;
}

/** `stopReason`: why the run was aborted (KILLED, TIMEOUT), if it was. */
export function resultOfValue(command: JobCommand, timing: RunTiming, value: unknown, stopReason: JobState | undefined): JobResult {
  if (value instanceof ProcessOutcome) {
    const state: JobState = stopReason ?? (value.succeeded ? 'SUCCESS' : 'ERROR');
    const result = base(command, timing, state);
    result.data = value.data;
    result.level = value.level;
    result.critical = value.critical;
    result.streams = value.streams;
    if (state === 'ERROR' && value.level === 0) {
      // No result message: say why it failed rather than leave data empty.
      result.data = value.signal ? `killed by ${value.signal}` : `exited with status ${value.exitCode}`;
    }
    return result;
  }
  const result = base(command, timing, stopReason ?? 'SUCCESS');
  if (stopReason === undefined) {
    result.data = valueToJson(value);
    result.level = LEVEL.resultJson;
  }
  return result;
}

export function resultOfError(command: JobCommand, timing: RunTiming, error: unknown, stopReason: JobState | undefined): JobResult {
  const failure = toHostlinkError(error);
  const state: JobState = stopReason ?? (failure.errorClass === 'CommandNotFound' ? 'UNKNOWN_CMD' : 'ERROR');
  const result = base(command, timing, state);
  result.data = stopReason ? stopMessage(stopReason, command) : failure.message;
  if (!stopReason) result.error_class = failure.errorClass;
  return result;
}

export function stopMessage(reason: JobState, command: JobCommand): string {
  if (reason === 'TIMEOUT') return `stopped after max_time ${command.args.max_time}s`;
  if (reason === 'KILLED') return 'killed';
  return reason;
}

/** The arguments a registry command gets from a job: its data, as a JSON object. */
export function argumentsFromData(command: JobCommand, raw: boolean): unknown {
  const data = command.data;
  if (data === undefined || data.trim() === '') return raw ? [] : {};
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    throw new HostlinkError('InvalidParameter', `the data of a ${command.cmd} job must be its arguments as JSON`);
  }
  if (!raw && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new HostlinkError('InvalidParameter', `the data of a ${command.cmd} job must be a JSON object of arguments`);
  }
  return value;
}

/** The arguments execute and extensions get from a job: the run arguments and the data as stdin. */
export function processArguments(command: JobCommand): Record<string, unknown> {
  const { args } = command;
  const values: Record<string, unknown> = {};
  for (const key of ['name', 'domain', 'args', 'env', 'working_dir'] as const) if (args[key] !== undefined) values[key] = args[key];
  if (command.data !== undefined) values.data = command.data;
  return values;
}
