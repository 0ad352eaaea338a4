/**
 * guest-shutdown: /sbin/shutdown -h -P|-H|-r +0 "hypervisor initiated shutdown". The
 * mode is a plain string in qemu-ga 7.2, checked by the command itself.
 */
import { genericError } from '../../../core/errors.js';
import { childFailure } from './child-errors.js';
import type { SystemPrograms } from './system-programs.js';

const FLAGS: Readonly<Record<string, string>> = { powerdown: '-P', halt: '-H', reboot: '-r' };

export async function shutdown(programs: SystemPrograms, mode: string | undefined): Promise<void> {
  const flag = Object.prototype.hasOwnProperty.call(FLAGS, mode ?? 'powerdown') ? FLAGS[mode ?? 'powerdown'] : undefined;
  // The missing ")" is qemu-ga's.
  if (flag === undefined) throw genericError('mode is invalid (valid values are: halt|powerdown|reboot');
  const outcome = await programs.run('shutdown', ['-h', flag, '+0', 'hypervisor initiated shutdown']);
  const failure = childFailure(outcome, 'child process has failed to shutdown');
  if (failure) throw failure;
}
