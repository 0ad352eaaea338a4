/**
 * The pid file: written once the agent listens, removed when it stops. A file naming
 * a live process means another agent runs with the same pid file: refuse to start.
 * One naming a dead process is left over from a crash and is replaced.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { HostlinkError } from '../core/errors.js';

function readPid(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Throws if `path` names another live process. */
export function checkPidFileFree(path: string): void {
  const pid = readPid(path);
  if (pid !== undefined && pid !== process.pid && isAlive(pid)) {
    throw new HostlinkError('GenericError', `another agent (pid ${pid}) is running with the pid file ${path}`);
  }
}

export class PidFile {
  private written = false;

  constructor(readonly path: string) {}

  /** Writes this process's pid (atomically: a reader never sees a half-written file). */
  write(): void {
    checkPidFileFree(this.path);
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${process.pid}\n`, { mode: 0o644 });
    renameSync(temporary, this.path);
    this.written = true;
  }

  /** Removes the file if it still holds this process's pid. */
  remove(): void {
    if (!this.written) return;
    this.written = false;
    if (readPid(this.path) === process.pid) rmSync(this.path, { force: true });
  }
}
