/**
 * Runs a program from an argument vector (never through a shell string), feeds it
 * optional stdin data, captures stdout and stderr (each capped, with truncation flags, or
 * merged into one stream), and reports pid, exit code and signal.
 *
 * Streams that are not captured go to /dev/null, and stdin is /dev/null unless input is
 * given, as with g_spawn's defaults.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import type { Readable } from 'node:stream';

export interface ProcessOptions {
  readonly args?: readonly string[];
  /** argv[0] as the program sees it; the file path by default. */
  readonly argv0?: string;
  /** The whole environment of the child; the agent's own when unset. */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Written to stdin, which is then closed. Without it stdin is /dev/null. */
  readonly input?: Buffer | string;
  readonly stdout?: 'ignore' | 'capture';
  /** 'merge': stderr goes to the same pipe as stdout (needs stdout: 'capture'). */
  readonly stderr?: 'ignore' | 'capture' | 'merge';
  /** Bytes kept per captured stream; the rest is read and dropped. Unlimited by default. */
  readonly maxOutputBytes?: number;
  /** Start the child in a new session (setsid), as qemu-ga does for system programs. */
  readonly newSession?: boolean;
  /** Sees every chunk of a captured stream as it arrives (live output), kept or not. */
  readonly onData?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

export interface ProcessResult {
  readonly pid: number;
  /** Exit code, or null when a signal ended the process. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly signalNumber: number | null;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly stdoutTruncated: boolean;
  readonly stderrTruncated: boolean;
}

/** The program could not be started; `code` is the errno name (ENOENT, EACCES, ...). */
export class SpawnError extends Error {
  override readonly name = 'SpawnError';
  constructor(
    readonly code: string,
    readonly file: string,
    options?: ErrorOptions,
  ) {
    super(`${code}: cannot run ${file}`, options);
  }
}

/** Collects one output stream up to a byte limit. */
class CappedCollector {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    if (this.truncated) return;
    const room = this.limit - this.kept;
    if (chunk.length <= room) {
      this.chunks.push(chunk);
      this.kept += chunk.length;
    } else {
      if (room > 0) this.chunks.push(chunk.subarray(0, room));
      this.kept = this.limit;
      this.truncated = true;
    }
  }

  get data(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.kept);
  }
}

/** A started process: its pid at once, its result when it has exited and its output pipes closed. */
export class RunningProcess {
  private exitStatus: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private finishedResult: ProcessResult | undefined;
  private readonly finishedPromise: Promise<ProcessResult>;
  private readonly exitPromise: Promise<void>;

  constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
    private readonly stdout: CappedCollector | undefined,
    private readonly stderr: CappedCollector | undefined,
  ) {
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitStatus = { code, signal };
        resolve();
      });
    });
    this.finishedPromise = new Promise((resolve) => {
      // 'close' comes after 'exit' and after every captured stream has ended.
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        this.exitStatus ??= { code, signal };
        this.finishedResult = this.buildResult();
        resolve(this.finishedResult);
      });
    });
  }

  /** The process has ended (its output may still be arriving from other holders of the pipes). */
  get exited(): boolean {
    return this.exitStatus !== undefined;
  }

  /** Ended, and every captured stream is closed: the result is complete. */
  get finished(): boolean {
    return this.finishedResult !== undefined;
  }

  /** The complete result once finished, else undefined. */
  get result(): ProcessResult | undefined {
    return this.finishedResult;
  }

  /**
   * What is known now: the exit status and the output collected so far once the process
   * has ended (output may still arrive if another process holds the pipes), else undefined.
   */
  snapshot(): ProcessResult | undefined {
    return this.finishedResult ?? (this.exitStatus ? this.buildResult() : undefined);
  }

  wait(): Promise<ProcessResult> {
    return this.finishedPromise;
  }

  /** Resolves when the process has ended, even while others still hold its output pipes. */
  waitExit(): Promise<void> {
    return this.exited ? Promise.resolve() : this.exitPromise;
  }

  /** Sends a signal; false when the process is already gone. */
  kill(signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
    if (this.exited) return false;
    return this.child.kill(signal);
  }

  private buildResult(): ProcessResult {
    const status = this.exitStatus ?? { code: null, signal: null };
    return {
      pid: this.pid,
      exitCode: status.code,
      signal: status.signal,
      signalNumber: status.signal ? (osConstants.signals[status.signal] ?? null) : null,
      stdout: this.stdout?.data ?? Buffer.alloc(0),
      stderr: this.stderr?.data ?? Buffer.alloc(0),
      stdoutTruncated: this.stdout?.truncated ?? false,
      stderrTruncated: this.stderr?.truncated ?? false,
    };
  }
}

/**
 * Merging stderr into stdout needs one pipe on two descriptors, which Node cannot hand a
 * child; a fixed /bin/sh script does the dup2 and execs the program, its path and
 * arguments passed as positional parameters (never parsed by the shell).
 */
const MERGE_SCRIPT = 'exec "$0" "$@" 2>&1';

/** execve's own checks, made up front for the merged case where the shell would hide them. */
async function checkExecutable(file: string): Promise<void> {
  try {
    await access(file, fsConstants.X_OK);
    if ((await stat(file)).isDirectory()) throw Object.assign(new Error('directory'), { code: 'EACCES' });
  } catch (error) {
    throw new SpawnError((error as NodeJS.ErrnoException).code ?? 'ENOENT', file, { cause: error });
  }
}

function collect(stream: Readable | null, collector: CappedCollector | undefined, onData?: (chunk: Buffer) => void): void {
  if (!stream || !collector) return;
  stream.on('data', (chunk: Buffer) => {
    collector.push(chunk);
    onData?.(chunk);
  });
  stream.on('error', () => undefined);
}

/** Starts `file`; resolves once it runs, rejects with SpawnError when it cannot start. */
export async function startProcess(file: string, options: ProcessOptions = {}): Promise<RunningProcess> {
  const limit = options.maxOutputBytes ?? Number.MAX_SAFE_INTEGER;
  const captureOut = options.stdout === 'capture';
  const merge = options.stderr === 'merge' && captureOut;
  const captureErr = options.stderr === 'capture';
  let command = file;
  let args = [...(options.args ?? [])];
  if (merge) {
    await checkExecutable(file);
    command = '/bin/sh';
    args = ['-c', MERGE_SCRIPT, file, ...args];
  }
  const child = spawn(command, args, {
    argv0: merge ? 'sh' : (options.argv0 ?? file),
    env: options.env ?? process.env,
    cwd: options.cwd,
    detached: options.newSession ?? false,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', captureOut ? 'pipe' : 'ignore', captureErr ? 'pipe' : 'ignore'],
    windowsHide: true,
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      child.off('spawn', onSpawn);
      reject(new SpawnError(error.code ?? 'EIO', file, { cause: error }));
    };
    const onSpawn = (): void => {
      child.off('error', onError);
      resolve();
    };
    child.once('error', onError);
    child.once('spawn', onSpawn);
  });
  // Later errors (a failed kill) must not crash the agent.
  child.on('error', () => undefined);
  const stdout = captureOut ? new CappedCollector(limit) : undefined;
  const stderr = captureErr ? new CappedCollector(limit) : undefined;
  const { onData } = options;
  collect(child.stdout, stdout, onData && ((chunk) => onData('stdout', chunk)));
  collect(child.stderr, stderr, onData && ((chunk) => onData('stderr', chunk)));
  if (options.input !== undefined && child.stdin) {
    // A child that exits without reading its input is not an error (EPIPE is ignored).
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input);
  }
  return new RunningProcess(child, child.pid!, stdout, stderr);
}

/** startProcess + wait. */
export async function runProcess(file: string, options: ProcessOptions = {}): Promise<ProcessResult> {
  return (await startProcess(file, options)).wait();
}
