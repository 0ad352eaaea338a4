/**
 * Sets a user's password by writing its SHA-512 crypt hash into <root>/etc/shadow (the
 * way to change a system that is not the running one, e.g. `hostlink agent --root`).
 * The line keeps every other field; the date of the last change is set to today.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { genericError } from '../../core/errors.js';
import { replaceFile } from './replace-file.js';
import { sha512Crypt } from './sha512-crypt.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A crypt(3) string that can stand in a shadow field ("$6$...", "!", "*", "" ...). */
function checkHashField(hash: string): void {
  if (/[:\n\r]/.test(hash)) throw genericError('the crypted password contains a forbidden character');
}

export async function setShadowPassword(rootDir: string, username: string, secret: Buffer, crypted: boolean): Promise<void> {
  if (username === '' || /[:\n]/.test(username)) throw genericError('forbidden characters in username');
  if (secret.includes(0x0a)) throw genericError('forbidden characters in raw password');
  const hash = crypted ? secret.toString('utf8') : sha512Crypt(secret);
  checkHashField(hash);
  const path = join(rootDir, 'etc/shadow');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw genericError(`cannot read /etc/shadow: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const lines = text.split('\n');
  const index = lines.findIndex((line) => line.split(':', 1)[0] === username);
  if (index < 0) throw genericError(`user '${username}' is not in /etc/shadow`);
  const fields = lines[index]!.split(':');
  while (fields.length < 9) fields.push('');
  fields[1] = hash;
  fields[2] = String(Math.floor(Date.now() / DAY_MS));
  lines[index] = fields.join(':');
  await replaceFile(path, lines.join('\n'), { newFileMode: 0o640 });
}
