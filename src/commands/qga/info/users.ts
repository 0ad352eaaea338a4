/**
 * guest-get-users: every USER_PROCESS entry of utmp, one per user name in order of first
 * appearance, with the earliest login time (seconds, fractional).
 */
import type { SystemRoot } from './system-root.js';
import { parseUtmp, USER_PROCESS } from './utmp.js';

export interface GuestUser {
  user: string;
  'login-time': number;
}

/** glibc's _PATH_UTMP. */
export const UTMP_PATH = '/var/run/utmp';

export function usersFromUtmp(data: Buffer): GuestUser[] {
  const byName = new Map<string, GuestUser>();
  for (const record of parseUtmp(data)) {
    if (record.type !== USER_PROCESS) continue;
    const loginTime = record.tvSec + record.tvUsec / 1_000_000;
    const known = byName.get(record.user);
    if (known) {
      if (loginTime < known['login-time']) known['login-time'] = loginTime;
      continue;
    }
    byName.set(record.user, { user: record.user, 'login-time': loginTime });
  }
  return [...byName.values()];
}

export async function getUsers(root: SystemRoot): Promise<GuestUser[]> {
  let data: Buffer;
  try {
    data = await root.readBytes(UTMP_PATH);
  } catch {
    return []; // no utmp: getutxent() finds no entries
  }
  return usersFromUtmp(data);
}
