/**
 * Runs the Python service modules of a folder in one python3 child process (so module
 * state lives as long as the agent, as in vt_agent) and calls them over a pipe. Calls
 * run concurrently, each in its own Python thread, as vt_agent's threading server runs
 * them. If the child dies, calls in progress fail and the next call starts a new one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { HostlinkError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ServiceLogRecord } from './log-record.js';
import { fromPipe, toPipe } from './pipe-values.js';
import type { ServiceLogHub } from './service-log-hub.js';

export interface PythonFunction {
  readonly name: string;
  readonly doc: string;
  readonly signature: string;
}

export interface PythonServiceHostOptions {
  readonly python: string;
  readonly servicesDir: string;
  readonly dataDir: string;
  readonly logHub: ServiceLogHub;
  readonly log: Logger;
  /** How long importing the modules may take (ms). */
  readonly readyTimeoutMs?: number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: HostlinkError): void;
}

interface ReadyMessage {
  op: 'ready';
  functions: PythonFunction[];
  failures: { module: string; error: string }[];
}

type RunnerMessage =
  | ReadyMessage
  | { op: 'result'; id: number; value: unknown }
  | { op: 'fault'; id: number; code: number; string: string }
  | { op: 'error'; id: number; exc_type: string; exc_value: string; traceback: string }
  | { op: 'log'; record: ServiceLogRecord };

/** The runner script: beside this module in the sources, or in the package's src/ when running from dist/. */
export function runnerPath(): string {
  const candidates = [
    new URL('./python/hostlink_service_runner.py', import.meta.url),
    new URL('../../src/services/python/hostlink_service_runner.py', import.meta.url),
  ].map((url) => fileURLToPath(url));
  return candidates.find((path) => existsSync(path)) ?? candidates[0]!;
}

class RunnerProcess {
  readonly pending = new Map<number, Pending>();
  readonly ready: Promise<ReadyMessage>;
  private readonly child: ChildProcess;
  alive = true;

  constructor(
    private readonly options: PythonServiceHostOptions,
    onExit: () => void,
  ) {
    const { python, servicesDir, dataDir, log } = options;
    this.child = spawn(python, ['-u', runnerPath(), servicesDir, dataDir], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' },
    });
    let markReady: (message: ReadyMessage) => void = () => undefined;
    let failReady: (error: Error) => void = () => undefined;
    this.ready = new Promise<ReadyMessage>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    const timer = setTimeout(() => failReady(new Error('the Python services did not start in time')), options.readyTimeoutMs ?? 60_000);
    this.ready.then(
      () => clearTimeout(timer),
      () => clearTimeout(timer),
    );
    createInterface({ input: this.child.stdout!, crlfDelay: Infinity }).on('line', (line) => {
      let message: RunnerMessage;
      try {
        message = JSON.parse(line) as RunnerMessage;
      } catch {
        log.warn({ line: line.slice(0, 200) }, 'unreadable line from the Python services');
        return;
      }
      if (message.op === 'ready') markReady(message);
      else this.receive(message);
    });
    createInterface({ input: this.child.stderr!, crlfDelay: Infinity }).on('line', (line) => log.warn({ python: true }, line));
    this.child.stdin!.on('error', () => undefined); // a dead child: reported by 'exit'
    this.child.once('error', (error) => failReady(error));
    this.child.once('exit', (code, signal) => {
      this.alive = false;
      failReady(new Error(`the Python services exited during start (${signal ?? `code ${code}`})`));
      const failure = new HostlinkError('GenericError', `the Python service process exited (${signal ?? `code ${code}`})`, { data: { excType: 'ConnectionError' } });
      for (const call of this.pending.values()) call.reject(failure);
      this.pending.clear();
      onExit();
    });
  }

  private receive(message: Exclude<RunnerMessage, ReadyMessage>): void {
    if (message.op === 'log') {
      this.options.logHub.emit(message.record);
      return;
    }
    const call = this.pending.get(message.id);
    if (!call) return;
    this.pending.delete(message.id);
    if (message.op === 'result') call.resolve(fromPipe(message.value));
    else if (message.op === 'fault') call.reject(new HostlinkError('ServiceFault', message.string, { data: { faultCode: message.code } }));
    else call.reject(new HostlinkError('GenericError', message.exc_value, { data: { excType: message.exc_type, traceback: message.traceback } }));
  }

  send(message: object): void {
    this.child.stdin!.write(`${JSON.stringify(message)}\n`);
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin!.end(); // EOF: the runner leaves its loop and exits
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}

export class PythonServiceHost {
  private runner: RunnerProcess | undefined;
  private starting: Promise<RunnerProcess> | undefined;
  private nextId = 1;
  private closed = false;

  private constructor(private readonly options: PythonServiceHostOptions) {}

  /** Starts the runner and waits until it has imported the modules. */
  static async start(options: PythonServiceHostOptions): Promise<{ host: PythonServiceHost; ready: ReadyMessage }> {
    const host = new PythonServiceHost(options);
    const runner = await host.ensureRunning();
    return { host, ready: await runner.ready };
  }

  private ensureRunning(): Promise<RunnerProcess> {
    if (this.runner?.alive) return Promise.resolve(this.runner);
    this.starting ??= (async () => {
      const runner = new RunnerProcess(this.options, () => {
        if (this.runner === runner) this.runner = undefined;
      });
      try {
        await runner.ready;
        this.runner = runner;
        return runner;
      } finally {
        this.starting = undefined;
      }
    })();
    return this.starting;
  }

  async call(name: string, args: unknown): Promise<unknown> {
    if (this.closed) throw new HostlinkError('GenericError', 'the agent is stopping');
    const runner = await this.ensureRunning();
    const id = this.nextId++;
    const positional = Array.isArray(args) ? args : [];
    const named = args !== undefined && !Array.isArray(args) ? (args as Record<string, unknown>) : {};
    let message: object;
    try {
      message = { op: 'call', id, name, args: positional.map((value) => toPipe(value)), kwargs: toPipe(named) };
    } catch (error) {
      throw new HostlinkError('InvalidParameter', error instanceof Error ? error.message : String(error), { data: { excType: 'TypeError' } });
    }
    return new Promise((resolve, reject) => {
      runner.pending.set(id, { resolve, reject });
      runner.send(message);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const runner = this.runner ?? (await this.starting?.catch(() => undefined));
    this.runner = undefined;
    await runner?.stop();
  }
}
