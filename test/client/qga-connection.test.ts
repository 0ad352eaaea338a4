import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync, existsSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { QgaClient, QgaConnection, QgaConnectionError, QgaProtocolError, QgaTimeoutError, QgaUnsupportedError, QgaError } from '../../src/client/index.js';
import { requireProgram } from '../helpers/peers.js';
import { makeTempDir } from '../helpers/temp.js';
import { peerTest } from './qga-peers.js';

/** A byte-for-byte relay to the agent's socket, on a Unix path or a TCP port. */
function relay(target: string, listenOn: string | 0): Promise<Server> {
  const server = createServer((client) => {
    const upstream = connect(target);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  return new Promise((resolve) => server.listen(listenOn, () => resolve(server)));
}

peerTest('connects lazily and answers ping and guest-sync', async (_t, peer) => {
  const connection = new QgaConnection(peer.socketPath);
  assert.equal(connection.connected, false);
  try {
    assert.deepEqual(await connection.execute('guest-ping'), {});
    assert.equal(connection.connected, true);
    assert.equal(await connection.execute('guest-sync', { id: 4242 }), 4242);
  } finally {
    await connection.close();
  }
  assert.equal(connection.connected, false);
});

peerTest('pipelined calls each get their own reply', async (_t, peer) => {
  await using client = new QgaClient(peer.socketPath);
  const ids = Array.from({ length: 40 }, (_, i) => 1000 + i);
  const [host, ...synced] = await Promise.all([client.getHostName(), ...ids.map((id) => client.sync(id))]);
  assert.deepEqual(synced, ids);
  assert.equal(typeof host['host-name'], 'string');
});

peerTest('a timed-out call leaves the connection usable', async (_t, peer, scratch) => {
  const big = join(scratch, 'big');
  writeFileSync(big, Buffer.alloc(48 * 1024 * 1024, 0x61));
  // Generous default: on a busy machine qemu-ga may take seconds to encode the late reply.
  await using client = new QgaClient(peer.socketPath, { timeoutMs: 60_000 });
  const handle = await client.fileOpen(big);
  // A 48 MiB read is 64 MiB of JSON: no agent answers it within 1 ms.
  const read = client.fileRead(handle, 48 * 1024 * 1024, { timeoutMs: 1 });
  const pipelined = client.sync(77);
  await assert.rejects(read, QgaTimeoutError);
  await assert.rejects(pipelined, (error: unknown) => error instanceof QgaTimeoutError && /abandoned/.test(error.message));
  // The stale 64 MiB reply is still on its way: the next call resynchronises past it.
  assert.equal(await client.sync(78), 78);
  // The read did happen in the agent (the file position moved to the end).
  assert.equal((await client.fileSeek(handle, 0, 'cur')).position, 48 * 1024 * 1024);
  await client.fileSeek(handle, 0, 'set');
  const again = await client.fileRead(handle, 1);
  assert.equal(Buffer.from(again['buf-b64'], 'base64').toString(), 'a');
  await client.fileClose(handle);
});

peerTest('an unknown command is a QgaProtocolError with class CommandNotFound', async (_t, peer) => {
  await using client = new QgaClient(peer.socketPath);
  const error = await client.connection.execute('guest-no-such-command').catch((e: unknown) => e);
  assert.ok(error instanceof QgaProtocolError);
  assert.ok(error instanceof QgaError);
  assert.equal(error.agentClass, 'CommandNotFound');
  assert.match(error.desc, /guest-no-such-command/);
  // Through the typed client the support check catches it before sending.
  await assert.rejects(client.call('guest-no-such-command'), (e: unknown) => e instanceof QgaUnsupportedError && /is not supported by this agent/.test(e.message));
  // The agent's own error for a bad argument keeps its text.
  await assert.rejects(client.fileClose(987654), (e: unknown) => e instanceof QgaProtocolError && e.agentClass === 'GenericError' && /987654/.test(e.desc));
});

peerTest('raw requests pass through, error replies included', async (_t, peer) => {
  await using connection = new QgaConnection(peer.socketPath);
  assert.deepEqual(await connection.request({ execute: 'guest-ping' }), { return: {} });
  assert.deepEqual(await connection.request({ execute: 'guest-ping', id: 'mine' }), { return: {}, id: 'mine' });
  const reply = await connection.request({ execute: 'guest-get-time', arguments: { bogus: 1 } });
  assert.equal(reply.error?.class, 'GenericError');
});

peerTest('TCP and a late-starting agent: connect retries until it is up', async (_t, peer, scratch) => {
  const tcp = await relay(peer.socketPath, 0);
  const port = (tcp.address() as { port: number }).port;
  try {
    await using overTcp = new QgaClient(`127.0.0.1:${port}`);
    await overTcp.ping();
  } finally {
    tcp.close();
  }
  const latePath = join(scratch, 'late.sock');
  let late: Server | undefined;
  const timer = setTimeout(() => void relay(peer.socketPath, latePath).then((server) => (late = server)), 250);
  try {
    await using client = new QgaClient(latePath, { retry: { retries: 8, initialDelayMs: 50, maxDelayMs: 200 } });
    await client.ping();
  } finally {
    clearTimeout(timer);
    late?.close();
  }
});

peerTest('a host-side pty (character device) works like a socket', async (t, peer, scratch) => {
  const socat = requireProgram(t, 'socat', 'socat');
  if (!socat) return;
  const pty = join(scratch, 'pty');
  const bridge = spawn(socat, [`pty,raw,echo=0,link=${pty}`, `UNIX-CONNECT:${peer.socketPath}`], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 200 && !existsSync(pty); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await using client = new QgaClient({ kind: 'device', path: pty });
    await client.ping();
    const payload = Buffer.alloc(300_000, 0x5a);
    const path = join(scratch, 'via-pty');
    await client.writeFile(path, payload, { chunkSize: 100_000 });
    assert.ok((await client.readFile(path)).equals(payload));
  } finally {
    bridge.kill();
  }
});

test('a missing socket is a QgaConnectionError with a hint', async () => {
  const dir = makeTempDir();
  try {
    const connection = new QgaConnection(join(dir.path, 'absent.sock'), { retry: { retries: 0 } });
    const error = await connection.execute('guest-ping').catch((e: unknown) => e);
    assert.ok(error instanceof QgaConnectionError);
    assert.equal(error.code, 'ENOENT');
    assert.match(error.message, /is the VM running/);
    // A file that is not a socket: refused.
    const notSocket = join(dir.path, 'plain-file');
    writeFileSync(notSocket, '');
    await assert.rejects(new QgaConnection(notSocket, { retry: { retries: 0 } }).execute('guest-ping'), (e: unknown) => e instanceof QgaConnectionError && e.code === 'ECONNREFUSED');
  } finally {
    dir.remove();
  }
});

test('something that never answers the sync is a QgaTimeoutError naming the agent', async () => {
  const dir = makeTempDir();
  const silent = createServer(() => undefined);
  const path = join(dir.path, 'silent.sock');
  await new Promise<void>((resolve) => silent.listen(path, resolve));
  try {
    const connection = new QgaConnection(path, { timeoutMs: 200 });
    await assert.rejects(connection.execute('guest-ping'), (e: unknown) => e instanceof QgaTimeoutError && /guest agent running inside the guest/.test(e.message));
    await connection.close();
  } finally {
    silent.close();
    dir.remove();
  }
});

test('an agent that hangs up fails waiting calls with QgaConnectionError', async () => {
  const dir = makeTempDir();
  const path = join(dir.path, 'hangup.sock');
  // Answers the sync, then closes on the next request.
  const server = createServer((socket) => {
    socket.once('data', (data) => {
      const id = /"id":(\d+)/.exec(data.toString('latin1'))?.[1];
      socket.write(Buffer.concat([Buffer.from([0xff]), Buffer.from(`{"return": ${id}}\n`)]));
      socket.once('data', () => socket.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  try {
    const connection = new QgaConnection(path, { retry: { retries: 0 } });
    await assert.rejects(connection.execute('guest-ping'), QgaConnectionError);
    assert.equal(connection.connected, false);
  } finally {
    server.close();
    dir.remove();
  }
});

/**
 * A scripted stand-in agent: answers guest-sync-delimited, guest-ping and guest-sync;
 * for guest-shutdown it sends nothing (success), an error (bad mode), or goes silent.
 */
async function scriptedAgent(path: string, onShutdown: 'silent-success' | 'error' | 'hang'): Promise<Server> {
  const server = createServer((socket) => {
    let hung = false;
    let buffer = '';
    socket.on('data', (data) => {
      buffer += data.toString('latin1').replace(/\xff/g, '');
      let end: number;
      while ((end = buffer.indexOf('\n')) !== -1) {
        const text = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        const request = JSON.parse(text) as { execute: string; arguments?: { id?: number; mode?: string }; id?: unknown };
        if (hung) continue;
        const withId = (reply: object) => JSON.stringify(request.id === undefined ? reply : { ...reply, id: request.id }) + '\n';
        if (request.execute === 'guest-sync-delimited') socket.write(Buffer.concat([Buffer.from([0xff]), Buffer.from(`{"return": ${request.arguments!.id}}\n`)]));
        else if (request.execute === 'guest-sync') socket.write(withId({ return: request.arguments!.id }));
        else if (request.execute === 'guest-ping') socket.write(withId({ return: {} }));
        else if (request.execute === 'guest-shutdown') {
          if (onShutdown === 'error') socket.write(withId({ error: { class: 'GenericError', desc: 'mode is invalid' } }));
          if (onShutdown === 'hang') hung = true;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return server;
}

test('a command without a success reply: success, error, and silence counted as success', async () => {
  const dir = makeTempDir();
  const servers: Server[] = [];
  try {
    const success = join(dir.path, 'success.sock');
    servers.push(await scriptedAgent(success, 'silent-success'));
    await using ok = new QgaConnection(success);
    assert.deepEqual(await ok.execute('guest-shutdown', { mode: 'halt' }), {});
    assert.equal(await ok.execute('guest-sync', { id: 3 }), 3, 'the probe reply was consumed, the stream is in step');

    const failing = join(dir.path, 'error.sock');
    servers.push(await scriptedAgent(failing, 'error'));
    await using bad = new QgaConnection(failing);
    await assert.rejects(bad.execute('guest-shutdown', { mode: 'x' }), (e: unknown) => e instanceof QgaProtocolError && e.desc === 'mode is invalid');
    assert.equal(await bad.execute('guest-sync', { id: 4 }), 4);

    const silent = join(dir.path, 'hang.sock');
    servers.push(await scriptedAgent(silent, 'hang'));
    await using quiet = new QgaConnection(silent, { timeoutMs: 150 });
    assert.deepEqual(await quiet.execute('guest-shutdown'), {}, 'the guest went quiet: what was asked happened');
  } finally {
    for (const server of servers) server.close();
    dir.remove();
  }
});
