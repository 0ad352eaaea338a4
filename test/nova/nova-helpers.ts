/** A nova listener on a Unix socket over a fresh registry, and a line client for it. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { novaCommands, type NovaCommandOptions } from '../../src/commands/nova/index.js';
import { Dispatcher } from '../../src/core/dispatcher.js';
import { Listener } from '../../src/core/listener.js';
import { silentLogger } from '../../src/core/logger.js';
import { CommandPolicy, type PolicyOptions } from '../../src/core/policy.js';
import { CommandRegistry, type CommandDefinition } from '../../src/core/registry.js';
import { novaProtocol } from '../../src/protocols/nova/index.js';
import { UnixTransport } from '../../src/transports/unix.js';
import { makeTempDir } from '../helpers/temp.js';

export const ROOT_SHADOW = 'root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n';

/** A fake system root with /etc/passwd and /etc/shadow. */
export function makeFakeRoot(base: string): string {
  const root = join(base, 'root');
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n');
  writeFileSync(join(root, 'etc/shadow'), ROOT_SHADOW, { mode: 0o640 });
  return root;
}

export interface NovaTestAgent {
  readonly socket: string;
  readonly rootDir: string;
  readonly temp: string;
  close(): Promise<void>;
}

export interface NovaTestOptions extends Partial<NovaCommandOptions> {
  readonly policy?: PolicyOptions;
  readonly extraCommands?: readonly CommandDefinition[];
}

export async function startNovaAgent(options: NovaTestOptions = {}): Promise<NovaTestAgent> {
  const temp = makeTempDir('hostlink-nova-');
  const rootDir = options.rootDir ?? makeFakeRoot(temp.path);
  const registry = new CommandRegistry().registerAll(novaCommands({ log: silentLogger(), ...options, rootDir }));
  if (options.extraCommands) registry.registerAll(options.extraCommands);
  const socket = join(temp.path, 'nova.sock');
  const listener = new Listener(new UnixTransport({ path: socket }), novaProtocol, new Dispatcher(registry, new CommandPolicy(options.policy)), silentLogger());
  await listener.start();
  return {
    socket,
    rootDir,
    temp: temp.path,
    async close() {
      await listener.close();
      temp.remove();
    },
  };
}

export interface NovaReply {
  readonly returncode: string;
  readonly message: string;
}

/** Sends raw lines on one connection and collects `expect` reply lines. */
export function exchangeLines(socketPath: string, lines: readonly string[], expect = lines.length): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const replies = text.split('\n').slice(0, -1);
      if (replies.length >= expect) {
        socket.destroy();
        resolve(replies);
      }
    });
    socket.on('error', reject);
    socket.on('end', () => resolve(text.split('\n').filter((line) => line.length > 0)));
    socket.write(lines.map((line) => `${line}\n`).join(''));
  });
}

/** One connection, the requests in order, their parsed replies. */
export async function novaExchange(socketPath: string, requests: readonly object[]): Promise<NovaReply[]> {
  const lines = await exchangeLines(socketPath, requests.map((request) => JSON.stringify(request, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))));
  return lines.map((line) => JSON.parse(line) as NovaReply);
}

/**
 * One connection where each request may depend on the reply before it (keyinit, then
 * a password encrypted with the agreed key). Resolves to every reply.
 */
export function novaConversation(socketPath: string, steps: readonly ((previous: NovaReply | undefined) => object)[]): Promise<NovaReply[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const replies: NovaReply[] = [];
    let text = '';
    const send = (previous: NovaReply | undefined): void => {
      socket.write(`${JSON.stringify(steps[replies.length]!(previous))}\n`);
    };
    socket.setEncoding('utf8');
    socket.on('error', reject);
    socket.on('data', (chunk: string) => {
      text += chunk;
      for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n')) {
        const reply = JSON.parse(text.slice(0, newline)) as NovaReply;
        text = text.slice(newline + 1);
        replies.push(reply);
        if (replies.length === steps.length) {
          socket.destroy();
          resolve(replies);
          return;
        }
        try {
          send(reply);
        } catch (error) {
          socket.destroy();
          reject(error as Error);
          return;
        }
      }
    });
    send(undefined);
  });
}
