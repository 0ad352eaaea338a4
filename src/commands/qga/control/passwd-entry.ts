/**
 * getpwnam() over <rootDir>/etc/passwd: a user's uid, gid and home folder. Users from
 * other NSS sources (LDAP, ...) are not seen.
 */
import { genericError } from '../../../core/errors.js';
import type { SystemRoot } from '../info/system-root.js';

export interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** The home folder as the system names it (not under rootDir). */
  readonly home: string;
}

export function findPasswdEntry(text: string, username: string): PasswdEntry | undefined {
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 7 || fields[0] !== username || username === '') continue;
    const uid = Number(fields[2]);
    const gid = Number(fields[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    return { name: username, uid, gid, home: fields[5] ?? '' };
  }
  return undefined;
}

/** The entry, or qemu-ga's error ("failed to lookup user 'x': Success" for an unknown user). */
export async function lookupUser(root: SystemRoot, username: string): Promise<PasswdEntry> {
  const text = (await root.tryReadText('/etc/passwd')) ?? '';
  const entry = findPasswdEntry(text, username);
  if (!entry) throw genericError(`failed to lookup user '${username}': Success`);
  return entry;
}
