/**
 * guest-suspend-disk, -ram and -hybrid as qemu-ga 7.2.4+ does them: systemd first
 * ("systemctl status systemd-<mode>" answering 1..3 means the unit exists, then
 * "systemctl <mode>"), else pm-utils ("pm-is-supported --<mode>", then "pm-<mode>"),
 * else writing "disk" or "mem" to /sys/power/state. A method that is present but fails
 * passes the turn to the next one; the last failure is the one reported.
 */
import { writeFile } from 'node:fs/promises';
import { genericError, type HostlinkError } from '../../../core/errors.js';
import type { SystemRoot } from '../info/system-root.js';
import { strerror } from '../info/errno-text.js';
import { waitExitStatus, type ProgramOutcome, type SystemPrograms } from './system-programs.js';

export type SuspendMode = 'disk' | 'ram' | 'hybrid';

const SYSTEMD_UNIT: Record<SuspendMode, string> = { disk: 'systemd-hibernate', ram: 'systemd-suspend', hybrid: 'systemd-hybrid-sleep' };
const SYSTEMCTL_VERB: Record<SuspendMode, string> = { disk: 'hibernate', ram: 'suspend', hybrid: 'hybrid-sleep' };
const PM_SUPPORT_FLAG: Record<SuspendMode, string> = { disk: '--hibernate', ram: '--suspend', hybrid: '--suspend-hybrid' };
const PM_PROGRAM: Record<SuspendMode, string> = { disk: 'pm-hibernate', ram: 'pm-suspend', hybrid: 'pm-suspend-hybrid' };
const SYS_STATE: Record<SuspendMode, string | undefined> = { disk: 'disk', ram: 'mem', hybrid: undefined };
const SYS_STATE_FILE = '/sys/power/state';

/** run_process_child(): the exit status, -1 when the program is not there, or an error. */
function childStatus(outcome: ProgramOutcome, name: string): number | HostlinkError {
  if (outcome.kind === 'missing') return -1;
  if (outcome.kind === 'failed-to-start') {
    const detail = `Failed to execute child process \u201c${name}\u201d (${strerror({ code: outcome.errno })})`;
    return genericError(`failed to create child process, error '${detail}'`);
  }
  return waitExitStatus(outcome.result);
}

/** One method's answer: not available, or tried (with the error if it failed). */
type Attempt = { readonly supported: false } | { readonly supported: true; readonly error?: HostlinkError };

async function trySystemd(programs: SystemPrograms, mode: SuspendMode): Promise<Attempt> {
  const probe = childStatus(await programs.run('systemctl', ['status', SYSTEMD_UNIT[mode]]), 'systemctl');
  // LSB status codes: 1..3 (3 is "not running") mean the unit exists; 4 is "unknown".
  if (typeof probe !== 'number' || probe <= 0 || probe >= 4) return { supported: false };
  const status = childStatus(await programs.run('systemctl', [SYSTEMCTL_VERB[mode]]), 'systemctl');
  if (status === 0) return { supported: true };
  if (typeof status !== 'number') return { supported: true, error: status };
  if (status === -1) return { supported: true, error: genericError(`the helper program 'systemctl ${SYSTEMCTL_VERB[mode]}' was not found`) };
  return {
    supported: true,
    error: genericError(`the helper program 'systemctl ${SYSTEMCTL_VERB[mode]}' returned an unexpected exit status code (${status})`),
  };
}

async function tryPmUtils(programs: SystemPrograms, mode: SuspendMode): Promise<Attempt> {
  const probe = childStatus(await programs.run('pm-is-supported', [PM_SUPPORT_FLAG[mode]]), 'pm-is-supported');
  if (probe !== 0) return { supported: false };
  const program = PM_PROGRAM[mode];
  const status = childStatus(await programs.run(program, []), program);
  if (status === 0) return { supported: true };
  if (typeof status !== 'number') return { supported: true, error: status };
  if (status === -1) return { supported: true, error: genericError(`the helper program '${program}' was not found`) };
  return { supported: true, error: genericError(`the helper program '${program}' returned an unexpected exit status code (${status})`) };
}

async function trySysState(root: SystemRoot, mode: SuspendMode): Promise<Attempt & { readonly unknownMode?: HostlinkError }> {
  const state = SYS_STATE[mode];
  if (state === undefined) return { supported: false, unknownMode: genericError('unknown guest suspend mode') };
  let available: Buffer;
  try {
    available = await root.readBytes(SYS_STATE_FILE);
  } catch {
    return { supported: false };
  }
  if (!available.subarray(0, 31).toString('latin1').includes(state)) return { supported: false };
  try {
    await writeFile(root.resolve(SYS_STATE_FILE), state, { flag: 'w' });
    return { supported: true };
  } catch {
    return { supported: true, error: genericError('child process has failed to suspend') };
  }
}

export async function suspend(programs: SystemPrograms, root: SystemRoot, mode: SuspendMode): Promise<void> {
  let supported = false;
  const systemd = await trySystemd(programs, mode);
  if (systemd.supported) {
    supported = true;
    if (!systemd.error) return;
  }
  const pmUtils = await tryPmUtils(programs, mode);
  if (pmUtils.supported) {
    supported = true;
    if (!pmUtils.error) return;
  }
  const sysState = await trySysState(root, mode);
  if (sysState.supported) {
    supported = true;
    if (!sysState.error) return;
  }
  if (!supported) throw genericError('the requested suspend mode is not supported by the guest');
  // As qemu-ga: the sysfs step's own error (or, for hybrid, "unknown guest suspend mode")
  // is reported; an earlier method's failure is not, so that case ends without an error.
  const last = sysState.supported ? sysState.error : sysState.unknownMode;
  if (last) throw last;
}
