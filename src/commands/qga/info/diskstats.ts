/**
 * guest-get-diskstats: /proc/diskstats. The members reported depend on the number of
 * columns (4 for old partition lines, 11, 15 with discards, 17 with flushes), as in qemu-ga.
 */
import { errnoError } from './errno-text.js';
import { fieldsOf, leadingUnsigned, unsignedPrefix } from './scanf-fields.js';
import type { SystemRoot } from './system-root.js';

export interface GuestDiskStatsInfo {
  name: string;
  major: number;
  minor: number;
  stats: Record<string, number>;
}

export function parseDiskStats(text: string): GuestDiskStatsInfo[] {
  const result: GuestDiskStatsInfo[] = [];
  for (const line of text.split('\n')) {
    const fields = fieldsOf(line);
    const major = unsignedPrefix(fields[0]);
    const minor = unsignedPrefix(fields[1]);
    const name = fields[2];
    if (major === undefined || minor === undefined || name === undefined) continue;
    const values = leadingUnsigned(fields, 3, 17);
    const converted = 3 + values.length;
    if (converted < 7) continue;
    const v = (index: number) => values[index] ?? 0;
    const stats: Record<string, number> = {};
    if (converted === 7) {
      // Kernels before 2.6.25 list partitions with four counters.
      stats['read-ios'] = v(0);
      stats['read-sectors'] = v(1);
      stats['write-ios'] = v(2);
      stats['write-sectors'] = v(3);
    }
    if (converted >= 14) {
      stats['read-ios'] = v(0);
      stats['read-merges'] = v(1);
      stats['read-sectors'] = v(2);
      stats['read-ticks'] = v(3);
      stats['write-ios'] = v(4);
      stats['write-merges'] = v(5);
      stats['write-sectors'] = v(6);
      stats['write-ticks'] = v(7) >>> 0;
      stats['ios-pgr'] = v(8) >>> 0;
      stats['total-ticks'] = v(9) >>> 0;
      stats['weight-ticks'] = v(10) >>> 0;
    }
    if (converted >= 18) {
      stats['discard-ios'] = v(11);
      stats['discard-merges'] = v(12);
      stats['discard-sectors'] = v(13);
      stats['discard-ticks'] = v(14) >>> 0;
    }
    if (converted >= 20) {
      stats['flush-ios'] = v(15);
      stats['flush-ticks'] = v(16) >>> 0;
    }
    result.push({ name, major: major >>> 0, minor: minor >>> 0, stats });
  }
  return result;
}

export async function getDiskStats(root: SystemRoot): Promise<GuestDiskStatsInfo[]> {
  let text: string;
  try {
    text = await root.readText('/proc/diskstats');
  } catch (error) {
    throw errnoError('open("/proc/diskstats")', error);
  }
  return parseDiskStats(text);
}
