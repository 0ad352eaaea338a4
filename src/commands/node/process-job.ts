/**
 * Runs one program for `execute` and for extensions: argv (never a shell string), data
 * on stdin, the agent's environment with the job's `env` on top (the original replaced
 * it and the child lost PATH), its own process group so a kill reaches its children too,
 * and stdout/stderr read line by line through the output protocol as they arrive.
 */
import { SpawnError, startProcess, type RunningProcess } from '../../core/process-runner.js';
import { genericError } from '../../core/errors.js';
import { isResultLevel, LEVEL } from '../../protocols/fleet/job-model.js';
import type { JobHooks } from './job-context.js';
import { LineTail, OutputParser } from './output-protocol.js';

export interface ProcessJobSpec {
  readonly file: string;
  readonly args: readonly string[];
  readonly input?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Seconds; 0 or less: no limit (when run as a job, the job runner keeps the time instead). */
  readonly maxTime?: number;
}

export interface CollectedMessage {
  readonly level: number;
  readonly data: string;
  readonly epoch: number;
}

/** What a finished program left: exit status, result data, last lines, messages. */
export class ProcessOutcome {
  constructor(
    readonly pid: number,
    readonly exitCode: number | null,
    readonly signal: string | null,
    /** The last message at levels 20-23 or 30, and its level (0 when none). */
    readonly data: string,
    readonly level: number,
    readonly critical: string,
    readonly streams: [string, string],
    /** True when max_time ended it (only when run outside a job). */
    readonly timedOut: boolean,
    /** Messages, when no job hook took them. */
    readonly messages: readonly CollectedMessage[] | undefined,
  ) {}

  get succeeded(): boolean {
    return this.exitCode === 0;
  }
}

/** How long a killed process group gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2000;
/** After the program exits, how long to wait for output still held by its children. */
const DRAIN_MS = 300;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

async function start(spec: ProcessJobSpec, onData: (stream: 'stdout' | 'stderr', chunk: Buffer) => void): Promise<RunningProcess> {
  try {
    return await startProcess(spec.file, {
      args: spec.args,
      env: spec.env ? { ...process.env, ...spec.env } : process.env,
      ...(spec.cwd !== undefined ? { cwd: spec.cwd } : {}),
      ...(spec.input !== undefined ? { input: spec.input } : {}),
      stdout: 'capture',
      stderr: 'capture',
      // The output is read through onData; nothing needs to be kept twice.
      maxOutputBytes: 0,
      newSession: true,
      onData,
    });
  } catch (error) {
    if (error instanceof SpawnError) {
      const where = spec.cwd !== undefined && error.code === 'ENOENT' ? ` (or working_dir ${spec.cwd} is missing)` : '';
      throw genericError(`cannot run ${spec.file}: ${error.code}${where}`, { cause: error });
    }
    throw error;
  }
}

export async function runProcessJob(spec: ProcessJobSpec, signal: AbortSignal, hooks: JobHooks | undefined): Promise<ProcessOutcome> {
  let data = '';
  let level = 0;
  let critical = '';
  const collected: CollectedMessage[] | undefined = hooks ? undefined : [];
  let ended = false;
  const emit = (messageLevel: number, text: string): void => {
    if (isResultLevel(messageLevel)) {
      data = text;
      level = messageLevel;
    } else if (messageLevel === LEVEL.critical) {
      critical = text;
    }
    if (hooks) hooks.message(messageLevel, text);
    else collected!.push({ level: messageLevel, data: text, epoch: Date.now() });
  };
  const tails: [LineTail, LineTail] = [new LineTail(), new LineTail()];
  const parsers = {
    stdout: new OutputParser(LEVEL.stdout, emit, (line) => tails[0].push(line)),
    stderr: new OutputParser(LEVEL.stderr, emit, (line) => tails[1].push(line)),
  };
  if (signal.aborted) throw genericError('the job was stopped before it started');
  const child = await start(spec, (stream, chunk) => {
    if (!ended) parsers[stream].push(chunk);
  });
  hooks?.process(child.pid);

  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    killGroup(child.pid, 'SIGTERM');
    killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
    killTimer.unref();
  };
  signal.addEventListener('abort', stop, { once: true });
  const maxTimer =
    !hooks && spec.maxTime !== undefined && spec.maxTime > 0
      ? setTimeout(() => {
          timedOut = true;
          stop();
        }, spec.maxTime * 1000)
      : undefined;
  try {
    await child.waitExit();
    // Children that kept the pipes open must not hold the result forever.
    await Promise.race([child.wait(), new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())]);
  } finally {
    signal.removeEventListener('abort', stop);
    if (maxTimer) clearTimeout(maxTimer);
    if (killTimer && child.finished) clearTimeout(killTimer);
  }
  parsers.stdout.end();
  parsers.stderr.end();
  ended = true;
  hooks?.process(undefined);
  const status = child.snapshot();
  return new ProcessOutcome(
    child.pid,
    status?.exitCode ?? null,
    status?.signal ?? null,
    data,
    level,
    critical,
    [tails[0].text(), tails[1].text()],
    timedOut,
    collected,
  );
}
