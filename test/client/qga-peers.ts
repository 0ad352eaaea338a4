/**
 * Runs one test body against each QGA peer: the real qemu-ga and hostlink's own agent
 * (test/helpers/hostlink-qga.ts). Each test gets a fresh agent in a fresh temp folder,
 * stopped afterwards. Destructive commands are tested with `hostlinkOnly` and fake
 * system programs; never against the real qemu-ga, which would run the real ones.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { requireProgram } from '../helpers/peers.js';
import type { RunningQgaPeer } from '../helpers/qga-peer.js';
import { makeTempDir } from '../helpers/temp.js';

export type PeerName = 'qemu-ga' | 'hostlink';

export interface PeerUnderTest extends RunningQgaPeer {
  readonly name: PeerName;
}

export interface PeerTestOptions {
  /** Run against hostlink's agent only (destructive commands with fake programs). */
  readonly hostlinkOnly?: boolean;
  /** Paths of fake system programs for hostlink's agent (name -> path). */
  readonly programs?: (dir: string) => Record<string, string>;
  /**
   * hostlink only: read system files (/etc/passwd, home folders) under this folder,
   * made by the function in the scratch folder. For ssh-keys, which write into a home.
   */
  readonly rootDir?: (scratch: string) => string;
  /** Commands the agent must have disabled (qemu-ga's -b, hostlink's policy block list). */
  readonly block?: readonly string[];
}

type HostlinkStarter = (options?: Record<string, unknown>) => Promise<RunningQgaPeer>;

const HOSTLINK_HELPER = new URL('../helpers/hostlink-qga.ts', import.meta.url);

async function loadHostlinkStarter(): Promise<HostlinkStarter | undefined> {
  if (!existsSync(HOSTLINK_HELPER)) return undefined;
  const module = (await import(HOSTLINK_HELPER.href)) as { startHostlinkQga?: HostlinkStarter };
  return module.startHostlinkQga;
}

async function startPeer(t: TestContext, name: PeerName, options: PeerTestOptions, programsDir: string): Promise<PeerUnderTest | undefined> {
  if (name === 'qemu-ga') {
    const path = requireProgram(t, 'qemu-ga', 'qemu-guest-agent');
    if (!path) return undefined;
    return { name, ...(await startQemuGaKillable(path, options.block ? ['-b', options.block.join(',')] : [])) };
  }
  const start = await loadHostlinkStarter();
  if (!start) {
    const message = "hostlink's agent test helper (test/helpers/hostlink-qga.ts) is not there yet";
    if (process.env.CI === 'true') throw new Error(message);
    t.skip(message);
    return undefined;
  }
  const programs = options.programs?.(programsDir);
  if (options.rootDir) return { name, ...(await startHostlinkWithRoot(options.rootDir(programsDir), programs)) };
  return {
    name,
    ...(await start({ ...(programs ? { programs } : {}), ...(options.block ? { policy: { block: options.block } } : {}) })),
  };
}

/**
 * Declares `title [qemu-ga]` and `title [hostlink]`, each running `body` with a fresh
 * peer. `scratch` is a temp folder the body may use (fake programs live there too).
 */
export function peerTest(
  title: string,
  body: (t: TestContext, peer: PeerUnderTest, scratch: string) => Promise<void>,
  options: PeerTestOptions = {},
): void {
  const names: PeerName[] = options.hostlinkOnly ? ['hostlink'] : ['qemu-ga', 'hostlink'];
  for (const name of names) {
    test(`${title} [${name}]`, async (t) => {
      const scratch = makeTempDir('hostlink-qga-client-');
      let peer: PeerUnderTest | undefined;
      try {
        peer = await startPeer(t, name, options, scratch.path);
        if (!peer) return;
        await body(t, peer, scratch.path);
      } finally {
        await peer?.stop();
        scratch.remove();
      }
    });
  }
}

/**
 * Like test/helpers/qga-peer.ts's startQemuGa, but stop() falls back to SIGKILL: qemu-ga
 * 7.2 quits its main loop from inside its SIGTERM handler, and now and then deadlocks
 * there (seen here: stuck in a futex with SIGTERM blocked), which would hang the test.
 */
async function startQemuGaKillable(qemuGaPath: string, args: readonly string[]): Promise<RunningQgaPeer> {
  const temp = makeTempDir('hostlink-qemu-ga-');
  const socketPath = join(temp.path, 'qga.sock');
  const stateDir = join(temp.path, 'state');
  mkdirSync(stateDir);
  const child = spawn(qemuGaPath, ['-m', 'unix-listen', '-p', socketPath, '-t', stateDir, '-l', join(temp.path, 'qemu-ga.log'), ...args], { stdio: 'ignore' });
  let exited = false;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void gone.then(() => (exited = true));
  for (let i = 0; i < 300 && !existsSync(socketPath) && !exited; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!existsSync(socketPath)) {
    child.kill('SIGKILL');
    temp.remove();
    throw new Error('qemu-ga did not create its socket');
  }
  return {
    socketPath,
    stateDir,
    dir: temp.path,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
        await gone;
        clearTimeout(timer);
      }
      temp.remove();
    },
  };
}

/** A fake system program that records its arguments and standard input in DIR/NAME.log. */
export function fakeProgram(dir: string, name: string, exitCode = 0): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n{ echo "args: $*"; printf 'stdin: '; cat; echo; } >> '${join(dir, name)}.log'\nexit ${exitCode}\n`, { mode: 0o755 });
  return path;
}

/**
 * hostlink's agent in this process, as test/helpers/hostlink-qga.ts starts it, but with
 * the command set's rootDir pointing at a fake system tree.
 */
async function startHostlinkWithRoot(rootDir: string, programs: Record<string, string> | undefined): Promise<RunningQgaPeer> {
  const [{ qgaCommands }, { Dispatcher }, { Listener }, { silentLogger }, { CommandPolicy }, { CommandRegistry }, { qgaProtocol }, { UnixTransport }] = await Promise.all([
    import('../../src/commands/qga/index.js'),
    import('../../src/core/dispatcher.js'),
    import('../../src/core/listener.js'),
    import('../../src/core/logger.js'),
    import('../../src/core/policy.js'),
    import('../../src/core/registry.js'),
    import('../../src/protocols/qga/index.js'),
    import('../../src/transports/unix.js'),
  ]);
  const temp = makeTempDir('hostlink-qga-root-');
  const socketPath = join(temp.path, 'qga.sock');
  const stateDir = join(temp.path, 'state');
  mkdirSync(stateDir);
  const log = silentLogger();
  const registry = new CommandRegistry().registerAll(qgaCommands({ stateDir, log, rootDir, ...(programs ? { programs } : {}) }));
  const listener = new Listener(new UnixTransport({ path: socketPath }), qgaProtocol, new Dispatcher(registry, new CommandPolicy()), log);
  await listener.start();
  return {
    socketPath,
    stateDir,
    dir: temp.path,
    async stop() {
      await listener.close();
      temp.remove();
    },
  };
}
