/**
 * The processes started by guest-exec, by pid, shared by every client. A status that
 * reports the process as exited also forgets it (qemu-ga reaps it then), so the next
 * guest-exec-status for that pid fails.
 */
import type { RunningProcess } from '../../../core/process-runner.js';

export interface ExecEntry {
  readonly process: RunningProcess;
  /** Output is captured: the status waits for the pipes to close, not only the exit. */
  readonly hasOutput: boolean;
}

export class ExecTable {
  /** Oldest first for a pid, should the system hand out a pid again before a reap. */
  private readonly byPid = new Map<number, ExecEntry[]>();

  add(entry: ExecEntry): void {
    const list = this.byPid.get(entry.process.pid);
    if (list) list.push(entry);
    else this.byPid.set(entry.process.pid, [entry]);
  }

  find(pid: number | bigint): ExecEntry | undefined {
    const key = typeof pid === 'bigint' ? Number(pid) : pid;
    return Number.isSafeInteger(key) ? this.byPid.get(key)?.[0] : undefined;
  }

  remove(entry: ExecEntry): void {
    const list = this.byPid.get(entry.process.pid);
    if (!list) return;
    const remaining = list.filter((item) => item !== entry);
    if (remaining.length === 0) this.byPid.delete(entry.process.pid);
    else this.byPid.set(entry.process.pid, remaining);
  }

  /** Processes not yet reaped. */
  entries(): ExecEntry[] {
    return [...this.byPid.values()].flat();
  }
}
