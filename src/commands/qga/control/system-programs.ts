/**
 * The system programs qemu-ga runs (shutdown, hwclock, chpasswd, systemctl, pm-*,
 * fsfreeze, fstrim, date): found through `programs`, then PATH, then /sbin and
 * /usr/sbin; run from an argument vector in a new session, output dropped unless asked
 * for, as qemu-ga runs them after fork() + setsid().
 */
import { SpawnError, runProcess, type ProcessResult } from '../../../core/process-runner.js';
import { findSystemProgram, type ProgramLookup } from '../../../core/program-lookup.js';

export type ProgramOutcome =
  | { readonly kind: 'missing' }
  | { readonly kind: 'failed-to-start'; readonly errno: string }
  | { readonly kind: 'ran'; readonly result: ProcessResult };

export interface RunOptions {
  readonly input?: Buffer | string;
  /** Keep stdout and stderr (to read what a program reports); dropped otherwise. */
  readonly capture?: boolean;
}

export class SystemPrograms {
  constructor(private readonly lookup: ProgramLookup = {}) {}

  find(name: string): Promise<string | undefined> {
    return findSystemProgram(name, this.lookup);
  }

  /** Runs `name` with `args`; argv[0] is the bare name, as qemu-ga's execl() calls give it. */
  async run(name: string, args: readonly string[], options: RunOptions = {}): Promise<ProgramOutcome> {
    const path = await this.find(name);
    if (path === undefined) return { kind: 'missing' };
    try {
      const result = await runProcess(path, {
        args,
        argv0: name,
        input: options.input,
        stdout: options.capture ? 'capture' : 'ignore',
        stderr: options.capture ? 'capture' : 'ignore',
        maxOutputBytes: 1024 * 1024,
        newSession: true,
      });
      return { kind: 'ran', result };
    } catch (error) {
      if (error instanceof SpawnError) {
        return error.code === 'ENOENT' ? { kind: 'missing' } : { kind: 'failed-to-start', errno: error.code };
      }
      throw error;
    }
  }
}

/** WEXITSTATUS() of a wait status: 0 for a process ended by a signal, as g_spawn_sync callers see it. */
export function waitExitStatus(result: ProcessResult): number {
  return result.exitCode ?? 0;
}

/** The errno text a util-linux tool ends its message with ("fsfreeze: /: freeze failed: Invalid argument"). */
export function reasonFromMessage(stderr: Buffer): string {
  const text = stderr.toString('utf8').trim().split('\n').pop() ?? '';
  const colon = text.lastIndexOf(': ');
  return colon >= 0 ? text.slice(colon + 2) : text;
}
