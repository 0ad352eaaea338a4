/**
 * guest-get-timezone: qemu-ga asks GLib for the local time zone and reports the
 * abbreviation and UTC offset in force now. GLib's lookup is followed: TZ (a constant
 * "UTC", a POSIX rule, or a zoneinfo name or path), else /etc/localtime, else UTC.
 */
import { isAbsolute, join } from 'node:path';
import { evaluatePosixTzRule, parsePosixTzRule, type ZoneState } from './posix-tz-rule.js';
import type { SystemRoot } from './system-root.js';
import { parseTzif, zoneStateAt } from './tzif.js';

export interface GuestTimezone {
  zone: string;
  offset: number;
}

const UTC: ZoneState = { offset: 0, abbreviation: 'UTC' };

async function stateFromZoneFile(root: SystemRoot, path: string, unixSeconds: number): Promise<ZoneState | undefined> {
  let bytes: Buffer;
  try {
    bytes = await root.readBytes(path);
  } catch {
    return undefined;
  }
  const data = parseTzif(bytes);
  return data ? zoneStateAt(data, unixSeconds) : undefined;
}

export async function localZoneState(root: SystemRoot, env: NodeJS.ProcessEnv, unixSeconds: number): Promise<ZoneState> {
  const tz = env.TZ;
  if (tz === undefined) return (await stateFromZoneFile(root, '/etc/localtime', unixSeconds)) ?? UTC;
  const identifier = tz.startsWith(':') ? tz.slice(1) : tz;
  if (identifier === 'UTC' || identifier === 'Z') return UTC;
  const rule = parsePosixTzRule(identifier);
  if (rule) return evaluatePosixTzRule(rule, unixSeconds);
  if (identifier.length > 0) {
    const path = isAbsolute(identifier) ? identifier : join(env.TZDIR ?? '/usr/share/zoneinfo', identifier);
    const state = await stateFromZoneFile(root, path, unixSeconds);
    if (state) return state;
  }
  return UTC;
}

export async function getTimezone(root: SystemRoot, env: NodeJS.ProcessEnv, now = Date.now()): Promise<GuestTimezone> {
  const state = await localZoneState(root, env, Math.floor(now / 1000));
  // GLib always has an abbreviation (possibly empty), so "zone" is always present.
  return { zone: state.abbreviation, offset: state.offset };
}
