/**
 * Runs the real `hostlink agent` command line as a child process (through tsx, from the
 * repository root) and waits until it listens, reading its JSON log lines on stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { hostlinkNodeArgs, runHostlink, type CliResult } from '../helpers/cli.js';

export type { CliResult };

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface AgentRun {
  readonly child: ChildProcess;
  /** Listener descriptions from the "listening" log lines, e.g. "qga:tcp:127.0.0.1:40111". */
  readonly listeners: string[];
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Sends SIGTERM and resolves with the exit code (or signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
  /** Resolves when the process ends. */
  readonly exited: Promise<number | string>;
}


function spawnCli(args: readonly string[], env?: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [...hostlinkNodeArgs(), ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
}

/** Runs the CLI to completion (for commands that end by themselves: errors, --dump-conf). */
export function runCli(args: readonly string[], timeoutMs = 60_000): Promise<CliResult> {
  return runHostlink(args, { timeoutMs });
}

/** Starts `hostlink agent ARGS` and waits for its "agent started" log line. */
export async function startAgentCli(args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<AgentRun> {
  const child = spawnCli(['agent', ...args], options.env);
  let stderr = '';
  const listeners: string[] = [];
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const started = new Promise<void>((resolve, reject) => {
    let pending = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      pending += chunk.toString();
      let newline;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        let entry: { msg?: string; listener?: string } = {};
        try {
          entry = JSON.parse(line) as typeof entry;
        } catch {
          continue; // a plain message (e.g. where the default socket is)
        }
        if (entry.msg === 'listening' && entry.listener) listeners.push(entry.listener);
        if (entry.msg === 'agent started') resolve();
      }
    });
    void exited.then((status) => reject(new Error(`hostlink agent exited (${status}) before listening: ${stderr}`)));
  });
  const timeoutMs = options.timeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      started,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`hostlink agent did not start within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return {
    child,
    listeners,
    exited,
    stderr: () => stderr,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
