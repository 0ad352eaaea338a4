/**
 * guest-get-load (QEMU 10.0; not in qemu-ga 7.2): getloadavg(3), which glibc reads from
 * /proc/loadavg. Members as in QEMU's schema: load1m, load5m, load15m.
 */
import { errnoError } from './errno-text.js';
import type { SystemRoot } from './system-root.js';

export interface GuestLoadAverage {
  load1m: number;
  load5m: number;
  load15m: number;
}

export async function getLoad(root: SystemRoot): Promise<GuestLoadAverage> {
  let text: string;
  try {
    text = await root.readText('/proc/loadavg');
  } catch (error) {
    throw errnoError('cannot query load average', error);
  }
  const [one, five, fifteen] = text.trim().split(/\s+/).map(Number);
  if (![one, five, fifteen].every((value) => value !== undefined && Number.isFinite(value))) {
    throw errnoError('cannot query load average', { code: 'EINVAL' });
  }
  return { load1m: one ?? 0, load5m: five ?? 0, load15m: fifteen ?? 0 };
}
