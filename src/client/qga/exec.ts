/**
 * Running a process in the guest: guest-exec starts it and returns a pid, then
 * guest-exec-status is polled until it reports `exited`. Polling starts 1 ms after the
 * start and backs off geometrically to a cap (never resetting), so a short command
 * returns in a few milliseconds while a long one costs at most a few calls a second.
 */
import { QgaTimeoutError } from './errors.js';
import type { GuestExec, GuestExecArguments, GuestExecCaptureOutput, GuestExecStatus } from './types.js';

/** What runExec needs from a client (QgaClient has it). */
export interface ExecCapable {
  execStart(args: GuestExecArguments): Promise<GuestExec>;
  execStatus(pid: number): Promise<GuestExecStatus>;
}

export interface ExecOptions {
  /** Bytes (or UTF-8 text) given to the process on its standard input. */
  readonly input?: Uint8Array | string;
  /** Environment of the process: {NAME: value} or ["NAME=value", ...]. */
  readonly env?: Readonly<Record<string, string>> | readonly string[];
  /**
   * Give up waiting after this many milliseconds (default: wait as long as it runs).
   * The process keeps running in the guest; the error names its pid.
   */
  readonly timeout?: number;
  /** Capture stdout and stderr (default true); a mode string needs QEMU 8.0 or later. */
  readonly captureOutput?: GuestExecCaptureOutput;
  /** First wait before polling, ms (default 1). */
  readonly pollInitialMs?: number;
  /** Longest wait between two polls, ms (default 100). */
  readonly pollMaxMs?: number;
  /** Growth of the wait between polls (default 2). */
  readonly pollFactor?: number;
}

export interface ExecResult {
  readonly pid: number;
  /** Exit code when the process exited normally, else null. */
  readonly exitCode: number | null;
  /** Signal number when the process was killed by one, else null. */
  readonly signal: number | null;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  /** The agent kept only the first part of the output (qemu-ga keeps 16 MiB per stream). */
  readonly stdoutTruncated: boolean;
  readonly stderrTruncated: boolean;
}

export async function runExec(client: ExecCapable, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const [path, ...arg] = argv;
  if (path === undefined || path === '') throw new TypeError('exec needs a command: argv[0] is the program to run');
  const args: GuestExecArguments = { path, arg, 'capture-output': options.captureOutput ?? true };
  if (options.env !== undefined) args.env = envList(options.env);
  if (options.input !== undefined) args['input-data'] = Buffer.from(options.input).toString('base64');
  const startedAt = Date.now();
  const { pid } = await client.execStart(args);

  let delay = options.pollInitialMs ?? 1;
  const maxDelay = options.pollMaxMs ?? 100;
  const factor = options.pollFactor ?? 2;
  for (;;) {
    if (options.timeout !== undefined && Date.now() + delay - startedAt > options.timeout) {
      throw new QgaTimeoutError(
        'guest-exec',
        options.timeout,
        `${path} (pid ${pid}) still runs in the guest after ${options.timeout} ms; it was left running (stop it with: exec -- kill ${pid})`,
      );
    }
    await sleep(delay);
    delay = Math.min(delay * factor, maxDelay);
    const status = await client.execStatus(pid);
    if (status.exited) return toResult(pid, status);
  }
}

function toResult(pid: number, status: GuestExecStatus): ExecResult {
  return {
    pid,
    exitCode: status.exitcode ?? null,
    signal: status.signal ?? null,
    stdout: Buffer.from(status['out-data'] ?? '', 'base64'),
    stderr: Buffer.from(status['err-data'] ?? '', 'base64'),
    stdoutTruncated: status['out-truncated'] ?? false,
    stderrTruncated: status['err-truncated'] ?? false,
  };
}

function envList(env: Readonly<Record<string, string>> | readonly string[]): string[] {
  if (Array.isArray(env)) return [...(env as readonly string[])];
  return Object.entries(env).map(([name, value]) => `${name}=${value}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
