/**
 * Starts hostlink's QGA agent in this process on a Unix socket in a temp folder: the
 * same shape as startQemuGa(), so a test can run the same bytes against both.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { qgaCommands } from '../../src/commands/qga/index.js';
import { Dispatcher } from '../../src/core/dispatcher.js';
import { Listener } from '../../src/core/listener.js';
import { silentLogger } from '../../src/core/logger.js';
import { CommandPolicy, type PolicyOptions } from '../../src/core/policy.js';
import { CommandRegistry } from '../../src/core/registry.js';
import { qgaProtocol } from '../../src/protocols/qga/index.js';
import { UnixTransport } from '../../src/transports/unix.js';
import type { RunningQgaPeer } from './qga-peer.js';
import { makeTempDir } from './temp.js';

export interface HostlinkQgaOptions {
  /** Which commands are allowed/blocked, like qemu-ga's -a/-b. */
  readonly policy?: PolicyOptions;
  /** Paths of the system programs commands run (fakes in tests). */
  readonly programs?: Record<string, string>;
  /** Where the commands read and change system files (/etc/passwd, homes, /sys); "/" by default. */
  readonly rootDir?: string;
}

export interface RunningHostlinkQga extends RunningQgaPeer {
  readonly dispatcher: Dispatcher;
}

export async function startHostlinkQga(options: HostlinkQgaOptions = {}): Promise<RunningHostlinkQga> {
  const temp = makeTempDir('hostlink-qga-');
  const socketPath = join(temp.path, 'qga.sock');
  const stateDir = join(temp.path, 'state');
  mkdirSync(stateDir);
  const log = silentLogger();
  const registry = new CommandRegistry().registerAll(
    qgaCommands({
      stateDir,
      log,
      ...(options.programs ? { programs: options.programs } : {}),
      ...(options.rootDir ? { rootDir: options.rootDir } : {}),
    }),
  );
  const dispatcher = new Dispatcher(registry, new CommandPolicy(options.policy));
  const listener = new Listener(new UnixTransport({ path: socketPath }), qgaProtocol, dispatcher, log);
  try {
    await listener.start();
  } catch (error) {
    temp.remove();
    throw error;
  }
  return {
    socketPath,
    stateDir,
    dir: temp.path,
    dispatcher,
    async stop() {
      await listener.close();
      temp.remove();
    },
  };
}
