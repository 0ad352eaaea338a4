/**
 * guest-set-user-password: "user:password\n" on chpasswd's stdin (with -e when the
 * password is already crypted), after qemu-ga's checks and in its order: the base64,
 * then a newline in the password, then ':' or newline in the user name. Under a root
 * folder other than "/" (hostlink agent --root) the hash goes into its /etc/shadow.
 */
import { genericError } from '../../../core/errors.js';
import { setShadowPassword } from '../../common/shadow-password.js';
import { isRunningSystem } from '../../common/user-password.js';
import { qbase64Decode } from '../qbase64.js';
import { childFailure } from './child-errors.js';
import type { SystemPrograms } from './system-programs.js';

export async function setUserPassword(programs: SystemPrograms, username: string, password: string, crypted: boolean, rootDir = '/'): Promise<void> {
  const raw = qbase64Decode(password);
  // The password is a C string to qemu-ga: it ends at the first NUL byte.
  const nul = raw.indexOf(0);
  const secret = nul >= 0 ? raw.subarray(0, nul) : raw;
  if (secret.includes(0x0a)) throw genericError('forbidden characters in raw password');
  if (username.includes('\n') || username.includes(':')) throw genericError('forbidden characters in username');
  if (!isRunningSystem(rootDir)) return setShadowPassword(rootDir, username, secret, crypted);
  if ((await programs.find('chpasswd')) === undefined) throw genericError("cannot find 'passwd' program in PATH");
  const input = Buffer.concat([Buffer.from(`${username}:`, 'utf8'), secret, Buffer.from('\n')]);
  const outcome = await programs.run('chpasswd', crypted ? ['-e'] : [], { input });
  const failure = childFailure(outcome, 'child process has failed to set user password');
  if (failure) throw failure;
}
