/**
 * hostlink's QGA sessions and transports on their own: strict ordering with slow
 * commands, success-response=false, a client that never reads, clients that leave
 * mid-request, Unix socket file handling, TCP binding.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { protocolCommands } from '../../src/commands/qga/protocol-commands.js';
import { Dispatcher } from '../../src/core/dispatcher.js';
import { HostlinkError } from '../../src/core/errors.js';
import { Listener, type StreamTransport } from '../../src/core/listener.js';
import { silentLogger } from '../../src/core/logger.js';
import { CommandPolicy } from '../../src/core/policy.js';
import { CommandRegistry, defineCommand } from '../../src/core/registry.js';
import { t } from '../../src/core/schema.js';
import { qgaProtocol } from '../../src/protocols/qga/index.js';
import { TcpTransport } from '../../src/transports/tcp.js';
import { UnixTransport } from '../../src/transports/unix.js';
import { QgaRawClient } from '../helpers/qga-raw-client.js';
import { makeTempDir } from '../helpers/temp.js';

interface TestAgent {
  readonly socketPath: string;
  readonly aborted: string[];
  stop(): Promise<void>;
}

/** An agent with the protocol commands plus a few test commands. */
async function startTestAgent(): Promise<TestAgent> {
  const temp = makeTempDir('hostlink-session-');
  const log = silentLogger();
  const aborted: string[] = [];
  const registry = new CommandRegistry().registerAll(protocolCommands({ stateDir: temp.path, log }));
  registry.register(
    defineCommand({
      name: 'test-slow',
      args: t.struct({ ms: t.int(), tag: t.str() }),
      handler: ({ ms, tag }, context) =>
        new Promise((resolve) => {
          const onAbort = (): void => {
            clearTimeout(timer);
            aborted.push(tag);
            resolve(tag);
          };
          const timer = setTimeout(() => {
            context.signal.removeEventListener('abort', onAbort);
            resolve(tag);
          }, ms);
          context.signal.addEventListener('abort', onAbort, { once: true });
        }),
    }),
  );
  registry.register(defineCommand({ name: 'test-quiet', successResponse: false, args: t.struct({ fail: t.bool() }), handler: ({ fail }) => {
    if (fail) throw new HostlinkError('GenericError', 'quiet command failed');
  } }));
  registry.register(defineCommand({ name: 'test-throws', handler: () => {
    throw new Error('plain failure');
  } }));
  const socketPath = join(temp.path, 'agent.sock');
  const listener = new Listener(new UnixTransport({ path: socketPath }), qgaProtocol, new Dispatcher(registry, CommandPolicy.allowAll()), log);
  await listener.start();
  return {
    socketPath,
    aborted,
    async stop() {
      await listener.close();
      temp.remove();
    },
  };
}

test('replies come strictly in request order, slow commands included', async () => {
  const agent = await startTestAgent();
  try {
    const client = await QgaRawClient.connect(agent.socketPath);
    client.send(
      '{"execute":"test-slow","arguments":{"ms":60,"tag":"a"},"id":1}' +
        '{"execute":"guest-ping","id":2}' +
        '{"execute":"test-slow","arguments":{"ms":1,"tag":"b"},"id":3}' +
        '{"execute":"guest-sync","arguments":{"id":4}}',
    );
    const lines = [];
    for (let i = 0; i < 4; i++) lines.push((await client.readLineBytes()).toString());
    assert.deepEqual(lines, ['{"return": "a", "id": 1}', '{"return": {}, "id": 2}', '{"return": "b", "id": 3}', '{"return": 4}']);
    client.close();
  } finally {
    await agent.stop();
  }
});

test('success-response=false: no reply on success, error replies still sent', async () => {
  const agent = await startTestAgent();
  try {
    const client = await QgaRawClient.connect(agent.socketPath);
    client.send('{"execute":"test-quiet","arguments":{"fail":false},"id":1}{"execute":"guest-ping","id":2}');
    assert.equal((await client.readLineBytes()).toString(), '{"return": {}, "id": 2}');
    client.send('{"execute":"test-quiet","arguments":{"fail":true},"id":3}');
    assert.equal((await client.readLineBytes()).toString(), '{"id": 3, "error": {"class": "GenericError", "desc": "quiet command failed"}}');
    client.send('{"execute":"test-quiet","arguments":{},"id":4}');
    assert.equal((await client.readLineBytes()).toString(), '{"id": 4, "error": {"class": "GenericError", "desc": "Parameter \'fail\' is missing"}}');
    client.send('{"execute":"test-throws"}');
    assert.equal((await client.readLineBytes()).toString(), '{"error": {"class": "GenericError", "desc": "plain failure"}}');
    client.close();
  } finally {
    await agent.stop();
  }
});

test('guest-info lists the test commands with their success-response flags', async () => {
  const agent = await startTestAgent();
  try {
    const client = await QgaRawClient.connect(agent.socketPath);
    const reply = await client.request('guest-info');
    const info = reply.return as { version: string; supported_commands: { name: string; enabled: boolean; 'success-response': boolean }[] };
    assert.match(info.version, /^\d+\.\d+\.\d+$/);
    const quiet = info.supported_commands.find((entry) => entry.name === 'test-quiet');
    assert.deepEqual(quiet, { enabled: true, name: 'test-quiet', 'success-response': false });
    // qemu-ga's own commands come last, oldest (guest-sync-delimited) at the very end.
    assert.equal(info.supported_commands.at(-1)?.name, 'guest-sync-delimited');
    client.close();
  } finally {
    await agent.stop();
  }
});

test('a client that never reads its replies does not hold up another client', async () => {
  const agent = await startTestAgent();
  try {
    // Client A: sends a great many pings and reads nothing for now.
    const greedy = connect(agent.socketPath);
    await new Promise((resolve) => greedy.once('connect', resolve));
    greedy.pause();
    const requests = 200_000;
    const batch = '{"execute":"guest-ping","id":"pad-pad-pad-pad-pad-pad-pad-pad"}'.repeat(1000);
    for (let i = 0; i < requests / 1000; i++) greedy.write(batch);
    await new Promise((resolve) => setTimeout(resolve, 100));

    // Client B still gets answers.
    const polite = await QgaRawClient.connect(agent.socketPath);
    assert.deepEqual(await polite.request('guest-sync', { id: 77 }), { return: 77 });
    polite.close();

    // A now reads: every reply arrives, in full.
    let lines = 0;
    const all = new Promise<void>((resolve) => {
      greedy.on('data', (chunk: Buffer) => {
        for (const byte of chunk) if (byte === 0x0a) lines++;
        if (lines === requests) resolve();
      });
    });
    greedy.resume();
    await all;
    assert.equal(lines, requests);
    greedy.destroy();
  } finally {
    await agent.stop();
  }
});

test('clients leaving mid-request break nothing; commands still running are aborted on shutdown', async () => {
  const agent = await startTestAgent();
  let stopped = false;
  try {
    const half = await QgaRawClient.connect(agent.socketPath);
    half.send('{"execute":"guest-sync","argu');
    half.close();
    // Leaves while its command runs: the reply later meets a closed socket.
    const leaving = await QgaRawClient.connect(agent.socketPath);
    leaving.send('{"execute":"test-slow","arguments":{"ms":50,"tag":"short"}}{"execute":"guest-ping"}');
    leaving.close();
    await new Promise((resolve) => setTimeout(resolve, 150));
    const client = await QgaRawClient.connect(agent.socketPath);
    assert.deepEqual(await client.request('guest-ping'), { return: {} });
    // A long command is aborted when the agent shuts down.
    client.send('{"execute":"test-slow","arguments":{"ms":60000,"tag":"long"}}');
    await new Promise((resolve) => setTimeout(resolve, 30));
    await agent.stop();
    stopped = true;
    for (let i = 0; i < 100 && !agent.aborted.includes('long'); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(agent.aborted, ['long']);
    client.close();
  } finally {
    if (!stopped) await agent.stop();
  }
});

test('a client that half-closes gets its replies before the connection ends', async () => {
  const agent = await startTestAgent();
  try {
    const socket = connect(agent.socketPath);
    await new Promise((resolve) => socket.once('connect', resolve));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = new Promise((resolve) => socket.once('end', resolve));
    socket.end('{"execute":"test-slow","arguments":{"ms":20,"tag":"x"}}{"execute":"guest-ping"}');
    await ended;
    assert.equal(Buffer.concat(chunks).toString(), '{"return": "x"}\n{"return": {}}\n');
    socket.destroy();
  } finally {
    await agent.stop();
  }
});

async function startOn(transport: StreamTransport): Promise<Socket[]> {
  const accepted: Socket[] = [];
  await transport.start((connection) => {
    accepted.push(connection.stream as Socket);
    connection.stream.on('data', (chunk: Buffer) => connection.stream.write(chunk));
  });
  return accepted;
}

test('unix transport: mode 0600, stale socket replaced, live socket refused, file removed on close', async () => {
  const temp = makeTempDir('hostlink-unix-');
  try {
    const path = join(temp.path, 's.sock');
    // A stale socket file: its server was killed, so nothing removed it.
    const killed = spawnSync(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    assert.equal(killed.signal, 'SIGKILL');
    assert.ok(existsSync(path));

    const transport = new UnixTransport({ path });
    const accepted = await startOn(transport);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const client = connect(path);
    await new Promise((resolve) => client.once('connect', resolve));
    client.write('hi');
    const echoed = await new Promise<string>((resolve) => client.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    assert.equal(echoed, 'hi');

    await assert.rejects(new UnixTransport({ path }).start(() => undefined), /another process is listening/);

    const closed = new Promise((resolve) => client.once('close', resolve));
    await transport.close();
    await closed;
    assert.ok(accepted.length >= 1);
    assert.equal(existsSync(path), false);

    const modeTransport = new UnixTransport({ path, mode: 0o660 });
    await startOn(modeTransport);
    assert.equal(statSync(path).mode & 0o777, 0o660);
    await modeTransport.close();
  } finally {
    temp.remove();
  }
});

test('tcp transport: binds 127.0.0.1 by default, serves several clients, close() ends them', async () => {
  const transport = new TcpTransport({ port: 0 });
  await startOn(transport);
  assert.match(transport.address, /^tcp:127\.0\.0\.1:\d+$/);
  const clients = await Promise.all(
    [1, 2, 3].map(
      () =>
        new Promise<Socket>((resolve) => {
          const socket = connect(transport.port, '127.0.0.1', () => resolve(socket));
        }),
    ),
  );
  const replies = await Promise.all(
    clients.map(
      (socket, index) =>
        new Promise<string>((resolve) => {
          socket.once('data', (chunk: Buffer) => resolve(chunk.toString()));
          socket.write(`client ${index}`);
        }),
    ),
  );
  assert.deepEqual(replies, ['client 0', 'client 1', 'client 2']);
  const closed = Promise.all(clients.map((socket) => new Promise((resolve) => socket.once('close', resolve))));
  await transport.close();
  await closed;
});
