/**
 * guest-get-cpustats: the per-CPU lines of /proc/stat in milliseconds. Members present
 * follow how many columns the kernel provides, as qemu-ga decides them.
 */
import { errnoError } from './errno-text.js';
import { fieldsOf, leadingUnsigned } from './scanf-fields.js';
import type { SystemRoot } from './system-root.js';

/** sysconf(_SC_CLK_TCK): USER_HZ, 100 on every architecture Linux guests run on. */
const CLOCK_TICKS_PER_SECOND = 100;

const toMs = (ticks: number) => Math.floor((ticks * 1000) / CLOCK_TICKS_PER_SECOND);

export function parseCpuStats(text: string): Array<Record<string, unknown>> {
  const stats: Array<Record<string, unknown>> = [];
  for (const line of text.split('\n')) {
    const fields = fieldsOf(line);
    const name = fields[0];
    // Only "cpuN" lines; the "cpu" total line is skipped.
    if (name === undefined || !name.startsWith('cpu') || name.length === 3) continue;
    const values = leadingUnsigned(fields, 1, 10);
    const converted = 1 + values.length;
    if (converted < 5) break;
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0, guest = 0, guestnice = 0] = values;
    const stat: Record<string, unknown> = {
      type: 'linux',
      cpu: atoi(name.slice(3)),
      user: toMs(user),
      nice: toMs(nice),
      system: toMs(system),
      idle: toMs(idle),
    };
    if (converted > 5) stat.iowait = toMs(iowait);
    if (converted > 6) {
      stat.irq = toMs(irq);
      stat.softirq = toMs(softirq);
    }
    if (converted > 8) stat.steal = toMs(steal);
    if (converted > 9) stat.guest = toMs(guest);
    if (converted > 10) stat.guestnice = toMs(guestnice);
    stats.push(stat);
  }
  return stats;
}

function atoi(text: string): number {
  const match = /^[ \t\n\r\f\v]*([+-]?\d+)/.exec(text);
  return match ? Number(match[1]) | 0 : 0;
}

export async function getCpuStats(root: SystemRoot): Promise<Array<Record<string, unknown>>> {
  let text: string;
  try {
    text = await root.readText('/proc/stat');
  } catch (error) {
    throw errnoError('open("/proc/stat")', error);
  }
  return parseCpuStats(text);
}
