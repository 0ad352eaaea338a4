/**
 * Real processes for the fleet tests: `hostlink controller` and `hostlink agent
 * --controller` started through tsx from the repository root, a redis-server on a free
 * port, and the CLI run to completion. Everything started is stopped by stopAll().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ControllerClient } from '../../src/client/controller/index.js';
import { MemoryStore } from '../../src/controller/stores/memory-store.js';
import { RedisStore } from '../../src/controller/stores/redis-store.js';
import type { ControllerStore } from '../../src/controller/stores/store.js';
import { silentLogger } from '../../src/core/logger.js';
import { requireProgram } from '../helpers/peers.js';
import { makeTempDir } from '../helpers/temp.js';
import { hostlinkNodeArgs, runHostlink, type CliResult } from '../helpers/cli.js';

export type { CliResult };

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Proc {
  readonly child: ChildProcess;
  output(): string;
  /** Sends the signal (SIGTERM by default) and waits for the end. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
  readonly exited: Promise<number | string>;
}

export interface AgentProc extends Proc {
  /** The agent's folder: qga.sock, state/, agent.log. */
  readonly dir: string;
  log(): string;
}

export interface ControllerProc extends Proc {
  readonly url: string;
  readonly client: ControllerClient;
}

/** The tests name their controller and token themselves, never from the environment. */
const CLIENT_ENV: NodeJS.ProcessEnv = { HOSTLINK_CONTROLLER: '', HOSTLINK_TOKEN: '' };

function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [...hostlinkNodeArgs(), ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...CLIENT_ENV, ...env },
  });
}

function track(child: ChildProcess): Proc {
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return {
    child,
    output: () => output,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export class Fleet {
  private readonly procs: Proc[] = [];
  readonly temp = makeTempDir('hostlink-fleet-');

  /** Starts `hostlink controller --listen 127.0.0.1:PORT ARGS` and waits until it listens. */
  async controller(args: readonly string[] = [], env: NodeJS.ProcessEnv = {}, port = 0): Promise<ControllerProc> {
    const proc = track(spawnCli(['controller', '--listen', `127.0.0.1:${port}`, '--log-file', join(this.temp.path, `controller-${this.procs.length}.log`), ...args], env));
    this.procs.push(proc);
    const url = await waitFor('the controller to listen', async () => {
      if (proc.child.exitCode !== null) throw new Error(`controller exited: ${proc.output()}`);
      return /listening on (\S+)/.exec(proc.output())?.[1];
    });
    const token = args.includes('--token') ? args[args.indexOf('--token') + 1] : undefined;
    return { ...proc, url, client: new ControllerClient({ url, ...(token ? { token } : {}) }) };
  }

  /** Starts `hostlink agent --controller URL --gid G --nid N` with a private socket and state folder. */
  agent(url: string, gid: number, nid: number, extra: readonly string[] = [], env: NodeJS.ProcessEnv = {}): AgentProc {
    const dir = join(this.temp.path, `agent-${gid}-${nid}-${this.procs.length}`);
    mkdirSync(dir, { recursive: true });
    const proc = track(
      spawnCli(
        ['agent', '--listen', `qga:unix:${join(dir, 'qga.sock')}`, '--state-dir', join(dir, 'state'), '--log-file', join(dir, 'agent.log'), '--controller', url, '--gid', String(gid), '--nid', String(nid), ...extra],
        env,
      ),
    );
    this.procs.push(proc);
    const log = (): string => {
      try {
        return readFileSync(join(dir, 'agent.log'), 'utf8');
      } catch {
        return '';
      }
    };
    return { ...proc, dir, log };
  }

  /** Starts an agent and waits until the controller has it online. */
  async onlineAgent(controller: ControllerProc, gid: number, nid: number, extra: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<AgentProc> {
    const proc = this.agent(controller.url, gid, nid, extra, env);
    await this.waitOnline(controller.client, gid, nid, proc);
    return proc;
  }

  async waitOnline(client: ControllerClient, gid: number, nid: number, proc?: Proc): Promise<void> {
    await waitFor(`agent ${gid}:${nid} online`, async () => {
      if (proc && proc.child.exitCode !== null) throw new Error(`agent exited: ${proc.output()}`);
      return (await client.getAgents()).some((agent) => agent.gid === gid && agent.nid === nid && agent.online) || undefined;
    });
  }

  /** Starts `hostlink ARGS` as a tracked process (stopped by stopAll). */
  spawnCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Proc {
    const proc = track(spawnCli(args, env));
    this.procs.push(proc);
    return proc;
  }

  /** Starts `hostlink start ARGS` (controller and local agent in one process). */
  start(args: readonly string[]): Proc {
    const proc = track(spawnCli(['start', ...args]));
    this.procs.push(proc);
    return proc;
  }

  /** Starts redis-server on a free port in the temp folder. */
  async redis(path: string): Promise<{ url: string; port: number; proc: Proc }> {
    const port = await freePort();
    const dir = join(this.temp.path, `redis-${port}`);
    mkdirSync(dir, { recursive: true });
    const child = spawn(path, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const proc = track(child);
    this.procs.push(proc);
    await waitFor('redis-server to listen', () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited: ${proc.output()}`);
      return /Ready to accept connections/.test(proc.output()) || undefined;
    });
    return { url: `redis://127.0.0.1:${port}`, port, proc };
  }

  /**
   * A store of that kind for a store-level test: a MemoryStore, or a RedisStore on a
   * redis-server of its own (undefined, the test skipped, when redis-server is missing).
   */
  async store(t: TestContext, kind: 'memory' | 'redis', prefix: string): Promise<ControllerStore | undefined> {
    if (kind === 'memory') return new MemoryStore();
    const redisServer = requireProgram(t, 'redis-server', 'redis-server');
    if (!redisServer) return undefined;
    const redis = await this.redis(redisServer);
    return RedisStore.connect({ url: redis.url, log: silentLogger(), prefix });
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.procs.map((proc) => proc.stop('SIGKILL')));
    this.temp.remove();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}


/** Runs `hostlink ARGS` to completion. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): Promise<CliResult> {
  return runHostlink(args, { env: { ...CLIENT_ENV, ...env }, timeoutMs });
}
