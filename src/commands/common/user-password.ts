/**
 * Setting a user's password, shared by nova's `password` and QGA's
 * guest-set-user-password: on the running system (root "/") through the system's
 * `chpasswd` (PAM, locks, the distribution's hash); under another root directory by
 * writing a SHA-512 crypt hash into its /etc/shadow.
 */
import { genericError } from '../../core/errors.js';
import { runProcess } from '../../core/process-runner.js';
import { findSystemProgram, type ProgramLookup } from '../../core/program-lookup.js';
import { setShadowPassword } from './shadow-password.js';

export interface PasswordTarget {
  /** "/" for the running system. */
  readonly rootDir: string;
  /** Where chpasswd is found (fakes in tests). */
  readonly programs?: ProgramLookup;
}

export function isRunningSystem(rootDir: string): boolean {
  return rootDir === '/' || rootDir === '';
}

/** `secret` is the password (or a crypt hash when `crypted`); it is never logged. */
export async function setUserPassword(target: PasswordTarget, username: string, secret: Buffer, crypted: boolean): Promise<void> {
  if (!isRunningSystem(target.rootDir)) return setShadowPassword(target.rootDir, username, secret, crypted);
  if (username === '' || /[:\n]/.test(username)) throw genericError('forbidden characters in username');
  if (secret.includes(0x0a)) throw genericError('forbidden characters in raw password');
  const chpasswd = await findSystemProgram('chpasswd', target.programs);
  if (chpasswd === undefined) throw genericError('cannot find the chpasswd program');
  const input = Buffer.concat([Buffer.from(`${username}:`, 'utf8'), secret, Buffer.from('\n')]);
  try {
    const result = await runProcess(chpasswd, { args: crypted ? ['-e'] : [], argv0: 'chpasswd', input, stdout: 'ignore', stderr: 'capture', maxOutputBytes: 64 * 1024 });
    if (result.exitCode !== 0) {
      const reason = result.stderr.toString('utf8').trim().split('\n').pop() ?? '';
      throw genericError(`chpasswd failed${reason ? `: ${reason}` : ` (status ${result.exitCode ?? result.signal})`}`);
    }
  } finally {
    input.fill(0);
  }
}
