/**
 * CPU and memory of a job: its process and everything in the process group the job
 * started (a job's program runs as the leader of its own group), read from /proc.
 * CPU is reported as seconds used and as a percentage since the previous sample.
 */
import { readdir, readFile } from 'node:fs/promises';

export interface ProcessStats {
  /** User + system CPU seconds of the group's live processes. */
  readonly cpu_seconds: number;
  /** CPU percentage since the previous sample of this group (0 for the first). */
  cpu: number;
  readonly rss: number;
  readonly vms: number;
  readonly swap: number;
  readonly processes: number;
}

const TICKS_PER_SECOND = 100;

interface StatLine {
  readonly pgrp: number;
  readonly ticks: number;
}

/** Fields of /proc/PID/stat after the command name (which may hold spaces and parentheses). */
function parseStat(text: string): StatLine | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is state (field 3); pgrp is field 5, utime 14, stime 15.
  const pgrp = Number(fields[2]);
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(pgrp) && Number.isFinite(ticks) ? { pgrp, ticks } : undefined;
}

function statusValue(status: string, key: string): number {
  const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

async function readProcess(pid: string): Promise<{ stat: StatLine; status: string } | undefined> {
  try {
    const stat = parseStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
    if (!stat) return undefined;
    return { stat, status: await readFile(`/proc/${pid}/status`, 'utf8') };
  } catch {
    return undefined;
  }
}

async function groupMembers(pgrp: number): Promise<string[]> {
  const pids = (await readdir('/proc').catch(() => [])).filter((name) => /^\d+$/.test(name));
  const members: string[] = [];
  for (const pid of pids) {
    if (Number(pid) === pgrp) {
      members.push(pid);
      continue;
    }
    try {
      const stat = parseStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
      if (stat?.pgrp === pgrp) members.push(pid);
    } catch {
      // ended meanwhile
    }
  }
  return members;
}

/** Remembers the previous sample per group to turn CPU seconds into a percentage. */
export class ProcessSampler {
  private readonly previous = new Map<number, { seconds: number; at: number }>();

  /** Stats of the group led by `pid` (undefined when it is gone). `single`: the process alone. */
  async sample(pid: number, single = false): Promise<ProcessStats | undefined> {
    const pids = single ? [String(pid)] : await groupMembers(pid);
    let ticks = 0;
    let rss = 0;
    let vms = 0;
    let swap = 0;
    let processes = 0;
    for (const member of pids) {
      const info = await readProcess(member);
      if (!info) continue;
      processes++;
      ticks += info.stat.ticks;
      rss += statusValue(info.status, 'VmRSS');
      vms += statusValue(info.status, 'VmSize');
      swap += statusValue(info.status, 'VmSwap');
    }
    if (processes === 0) {
      this.previous.delete(pid);
      return undefined;
    }
    const seconds = ticks / TICKS_PER_SECOND;
    const now = Date.now();
    const before = this.previous.get(pid);
    this.previous.set(pid, { seconds, at: now });
    const elapsed = before ? (now - before.at) / 1000 : 0;
    const cpu = before && elapsed > 0 ? Math.max(0, Math.round(((seconds - before.seconds) / elapsed) * 10000) / 100) : 0;
    return { cpu_seconds: seconds, cpu, rss, vms, swap, processes };
  }

  forget(pid: number): void {
    this.previous.delete(pid);
  }
}
