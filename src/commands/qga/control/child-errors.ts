/**
 * The errors qemu-ga gives when a program it ran (after fork + exec) did not succeed.
 */
import { genericError, type HostlinkError } from '../../../core/errors.js';
import type { ProgramOutcome } from './system-programs.js';

/** QERR_UNSUPPORTED */
export const UNSUPPORTED = 'this feature or command is not currently supported';

/**
 * qemu-ga's ga_wait_child() checks: a signal is "terminated abnormally", a non-zero exit
 * (exec failing included: the child then exits with EXIT_FAILURE) is `failure`.
 */
export function childFailure(outcome: ProgramOutcome, failure: string): HostlinkError | undefined {
  if (outcome.kind !== 'ran') return genericError(failure);
  if (outcome.result.signal !== null) return genericError('child process has terminated abnormally');
  if (outcome.result.exitCode !== 0) return genericError(failure);
  return undefined;
}
