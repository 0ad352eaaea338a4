/**
 * Starts the real qemu-ga, or hostlink's file commands, on a state folder the test
 * chooses, so the same folder can be used again after a restart.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createFileCommandSet, type FileCommandSet } from '../../src/commands/qga/file-commands.js';
import { Dispatcher } from '../../src/core/dispatcher.js';
import { qgaErrorShape } from '../../src/protocols/error-shapes.js';
import { silentLogger } from '../../src/core/logger.js';
import { CommandPolicy } from '../../src/core/policy.js';
import { CommandRegistry, type CallContext, type CommandDefinition } from '../../src/core/registry.js';
import { QgaRawClient } from '../helpers/qga-raw-client.js';

/** A reply as qemu-ga words it: {return} or {error: {class, desc}}. */
export type Reply = Record<string, unknown>;

export interface Agent {
  request(execute: string, args?: Record<string, unknown>): Promise<Reply>;
  stop(): Promise<void>;
}

/** The real qemu-ga on a socket inside `dir`, with `stateDir` as its state folder. */
export async function startQemuGaIn(qemuGa: string, dir: string, stateDir: string): Promise<Agent> {
  const socketPath = join(dir, `qga-${process.pid}-${Math.random().toString(36).slice(2)}.sock`);
  const child = spawn(qemuGa, ['-m', 'unix-listen', '-p', socketPath, '-t', stateDir, '-l', join(dir, 'qemu-ga.log')], { stdio: 'ignore' });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  for (let i = 0; i < 300 && !existsSync(socketPath); i++) {
    if (exited) throw new Error('qemu-ga exited at start');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const client = await QgaRawClient.connect(socketPath);
  return {
    request: (execute, args) => client.request(execute, args, 15_000),
    async stop() {
      client.close();
      if (!exited) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await gone;
      }
    },
  };
}

const context: CallContext = { protocol: 'test', clientId: 'test', log: silentLogger(), signal: new AbortController().signal };

/** Calls commands through a dispatcher and shapes results and errors as qemu-ga replies. */
export function dispatcherAgent(definitions: CommandDefinition[], onStop?: () => Promise<void>): Agent {
  const dispatcher = new Dispatcher(new CommandRegistry().registerAll(definitions), CommandPolicy.allowAll());
  return {
    async request(execute, args) {
      try {
        const value = await dispatcher.call(execute, args, context);
        return { return: value === undefined ? {} : value };
      } catch (error) {
        const shape = qgaErrorShape(error);
        return { error: { class: shape.class, desc: shape.desc } };
      }
    },
    stop: async () => onStop?.(),
  };
}

/** hostlink's file commands on `stateDir`, called in-process. */
export function startHostlinkFilesIn(stateDir: string): Agent & { set: FileCommandSet } {
  const set = createFileCommandSet({ stateDir });
  return { ...dispatcherAgent(set.definitions, () => set.closeAll()), set };
}
