/**
 * Starts the real qemu-ga (Debian package qemu-guest-agent) on a Unix socket in a temp
 * folder, for conformance tests and benchmarks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { makeTempDir } from './temp.js';

export interface RunningQgaPeer {
  readonly socketPath: string;
  readonly stateDir: string;
  readonly dir: string;
  stop(): Promise<void>;
}

export interface QemuGaOptions {
  /** Extra qemu-ga arguments, e.g. ['-b', 'guest-exec']. */
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

function accepts(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

export async function startQemuGa(qemuGaPath: string, options: QemuGaOptions = {}): Promise<RunningQgaPeer> {
  const temp = makeTempDir('hostlink-qemu-ga-');
  const socketPath = join(temp.path, 'qga.sock');
  const stateDir = join(temp.path, 'state');
  mkdirSync(stateDir);
  const child: ChildProcess = spawn(
    qemuGaPath,
    ['-m', 'unix-listen', '-p', socketPath, '-t', stateDir, '-l', join(temp.path, 'qemu-ga.log'), ...(options.args ?? [])],
    { stdio: 'ignore', env: options.env ?? process.env },
  );
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  // The socket file appears at bind(), a moment before listen(): wait until a connection
  // is accepted, so no test meets ECONNREFUSED.
  let ready = false;
  for (let i = 0; i < 500 && !ready && !exited; i++) {
    ready = existsSync(socketPath) && (await accepts(socketPath));
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  if (!ready) {
    child.kill('SIGKILL');
    temp.remove();
    throw new Error(exited ? 'qemu-ga exited at start' : 'qemu-ga did not start listening on its socket');
  }
  return {
    socketPath,
    stateDir,
    dir: temp.path,
    async stop() {
      if (!exited) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        // qemu-ga 7.2 now and then deadlocks in its SIGTERM handler (stuck in a futex
        // with SIGTERM blocked); do not let that hang the test run.
        const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
        await gone;
        clearTimeout(timer);
      }
      temp.remove();
    },
  };
}
