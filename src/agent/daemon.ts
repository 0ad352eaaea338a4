/**
 * `--daemonize`, as qemu-ga does it: the command re-runs itself detached (a new session,
 * no terminal, stdio on /dev/null) and the first process exits only once the second
 * listens, with its exit status telling whether the start worked. The two talk over a
 * pipe on the child's fd 3: one line, "ready" or "error: MESSAGE".
 */
import { spawn } from 'node:child_process';
import { closeSync, writeSync } from 'node:fs';

const CHILD_MARKER = 'HOSTLINK_AGENT_DAEMON_CHILD';
const READY_FD = 3;

// Read once and forgotten, so programs the agent runs (guest-exec) do not inherit it.
const daemonChild = process.env[CHILD_MARKER] === '1';
delete process.env[CHILD_MARKER];

/** True in the detached process started by startDaemon(). */
export function isDaemonChild(): boolean {
  return daemonChild;
}

/**
 * Starts this same command (`args`: its arguments after the script) detached, waits for
 * it to report, and returns the exit status the calling process should end with.
 */
export function startDaemon(args: readonly string[], onError: (message: string) => void): Promise<number> {
  const script = process.argv[1];
  if (!script) throw new Error('cannot daemonize: the path of the running script is unknown');
  const child = spawn(process.execPath, [...process.execArgv, script, ...args], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    env: { ...process.env, [CHILD_MARKER]: '1' },
  });
  const channel = child.stdio[READY_FD]!;
  return new Promise((resolve) => {
    let report = '';
    let settled = false;
    const finish = (code: number, message?: string): void => {
      if (settled) return;
      settled = true;
      if (message) onError(message);
      channel.destroy();
      child.unref();
      resolve(code);
    };
    channel.on('data', (chunk: Buffer) => {
      report += chunk.toString('utf8');
      const newline = report.indexOf('\n');
      if (newline < 0) return;
      const line = report.slice(0, newline);
      if (line === 'ready') finish(0);
      else finish(1, line.replace(/^error: /, ''));
    });
    channel.on('error', () => undefined);
    child.once('error', (error) => finish(1, `cannot start the daemon: ${error.message}`));
    child.once('exit', (code, signal) =>
      finish(1, `the daemon exited before it was ready (${signal ?? `exit status ${code ?? '?'}`})`),
    );
  });
}

function sendToParent(line: string): void {
  try {
    writeSync(READY_FD, `${line}\n`);
    closeSync(READY_FD);
  } catch {
    // The parent is gone; nobody to tell.
  }
}

/** In the daemon: the agent listens; let the first process exit with success. */
export function reportDaemonReady(): void {
  if (isDaemonChild()) sendToParent('ready');
}

/** In the daemon: the start failed; the first process prints `message` and fails. */
export function reportDaemonFailure(message: string): void {
  if (isDaemonChild()) sendToParent(`error: ${message.replace(/\n/g, ' ')}`);
}
