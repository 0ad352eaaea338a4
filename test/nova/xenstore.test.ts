/**
 * The XenStore exchange. No real xenstored runs without a hypervisor (Debian's refuses
 * to serve requests without one), so the peer is a xenstored written in the test from
 * the protocol document (test/helpers/xenstore-server.ts); Debian's xenstore-utils
 * (real libxenstore) checks that server and plays the host.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startAgent } from '../../src/agent/agent.js';
import { parseListenSpec } from '../../src/agent/listen-spec.js';
import { novaCommands } from '../../src/commands/nova/index.js';
import { Dispatcher } from '../../src/core/dispatcher.js';
import { Listener } from '../../src/core/listener.js';
import { silentLogger } from '../../src/core/logger.js';
import { CommandPolicy } from '../../src/core/policy.js';
import { CommandRegistry } from '../../src/core/registry.js';
import { novaProtocol } from '../../src/protocols/nova/index.js';
import { legacyAesKey, legacyEncrypt, legacyPublicKey, legacySharedSecret } from '../../src/protocols/nova/legacy-key-exchange.js';
import { XenstoreClient, XenstoreError } from '../../src/transports/xenstore-client.js';
import { XenstoreTransport, type XenstoreTransportOptions } from '../../src/transports/xenstore.js';
import { requireProgram } from '../helpers/peers.js';
import { makeTempDir } from '../helpers/temp.js';
import { TestXenstored, type XenstoreServerOptions } from '../helpers/xenstore-server.js';
import { makeFakeRoot } from './nova-helpers.js';

const run = promisify(execFile);

async function withServer(options: XenstoreServerOptions, body: (server: TestXenstored, temp: string) => Promise<void>): Promise<void> {
  const temp = makeTempDir('hostlink-xenstore-');
  const server = new TestXenstored(join(temp.path, 'xenstored.sock'), options);
  await server.start();
  try {
    await body(server, temp.path);
  } finally {
    await server.stop();
    temp.remove();
  }
}

/** Waits for a condition the system under test brings about (fails after 10 s). */
async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A nova agent on the XenStore exchange, over a fresh registry. */
async function startExchange(server: TestXenstored, rootDir: string, options: Partial<XenstoreTransportOptions> = {}): Promise<Listener> {
  const registry = new CommandRegistry().registerAll(novaCommands({ log: silentLogger(), rootDir, version: '1.2.3', xenstorePath: server.socketPath }));
  const transport = new XenstoreTransport({ path: server.socketPath, reconnectDelayMs: 20, ...options });
  const listener = new Listener(transport, novaProtocol, new Dispatcher(registry, new CommandPolicy()), silentLogger());
  await listener.start();
  return listener;
}

test('the test xenstored answers real libxenstore (xenstore-utils) as xenstored does', async (t) => {
  const write = requireProgram(t, 'xenstore-write', 'xenstore-utils');
  if (!write) return;
  await withServer({}, async (server) => {
    const env = { ...process.env, XENSTORED_PATH: server.socketPath };
    await run(write, ['data/host/1', '{"name": "version"}', '/abs/node', 'x'], { env });
    assert.equal(server.get('/local/domain/0/data/host/1'), '{"name": "version"}');
    assert.equal((await run('xenstore-read', ['data/host/1'], { env })).stdout, '{"name": "version"}\n');
    assert.equal((await run('xenstore-list', ['data'], { env })).stdout, 'host\n');
    await run('xenstore-rm', ['data/host/1'], { env });
    assert.deepEqual(server.children('data/host'), []);
    await assert.rejects(run('xenstore-read', ['data/host/1'], { env }), /couldn't read path data\/host\/1/);
  });
});

test('XenstoreClient: read, write, directory, rm, errors, watches, transactions, many requests at once', async () => {
  await withServer({}, async (server) => {
    const client = await XenstoreClient.connect(server.socketPath);
    const other = await XenstoreClient.connect(server.socketPath);
    try {
      await client.write('a/b', Buffer.from([0, 1, 2, 255]));
      assert.deepEqual(await client.read('a/b'), Buffer.from([0, 1, 2, 255]));
      assert.deepEqual(await client.directory('/local/domain/0/a'), ['b']);
      assert.equal(await client.getDomainPath(7), '/local/domain/7');
      await assert.rejects(client.read('a/none'), (error: unknown) => error instanceof XenstoreError && error.code === 'ENOENT');
      assert.equal(await client.tryRead('a/none'), undefined);
      assert.deepEqual(await client.tryDirectory('nowhere'), []);

      const events: string[] = [];
      client.on('watch', (path, token) => events.push(`${token} ${path}`));
      await client.watch('a', 'tok');
      await other.write('a/c', 'x');
      await other.rm('a');
      await until('watch events', () => (events.length >= 3 ? true : undefined));
      assert.deepEqual(events.slice(0, 3), ['tok a', 'tok a/c', 'tok a']);

      const tx = await client.transactionStart();
      await client.write('t/x', '1', tx);
      assert.equal(await other.tryRead('t/x'), undefined, 'not visible before commit');
      await client.transactionEnd(tx, true);
      assert.equal((await other.read('t/x')).toString(), '1');
      const conflict = await client.transactionStart();
      await client.write('t/x', '2', conflict);
      await other.write('t/y', 'meanwhile');
      await assert.rejects(client.transactionEnd(conflict, true), (error: unknown) => error instanceof XenstoreError && error.code === 'EAGAIN');

      const values = await Promise.all(Array.from({ length: 200 }, (_, i) => client.write(`many/${i}`, String(i)).then(() => client.read(`many/${i}`))));
      assert.deepEqual(values.map((value) => value.toString()), Array.from({ length: 200 }, (_, i) => String(i)));
      await assert.rejects(client.write('big', Buffer.alloc(5000)), (error: unknown) => error instanceof XenstoreError && error.code === 'E2BIG');

      server.dropConnections();
      await assert.rejects(until('closed', () => (client.isClosed ? true : undefined)).then(() => client.read('a/b')), /ECONNRESET|connection/);
    } finally {
      client.close();
      other.close();
    }
  });
});

test('a request under data/host is answered under data/guest and removed; libxenstore as the host', async (t) => {
  const write = requireProgram(t, 'xenstore-write', 'xenstore-utils');
  if (!write) return;
  await withServer({}, async (server, temp) => {
    const listener = await startExchange(server, makeFakeRoot(temp));
    try {
      await run(write, ['data/host/42', '{"name": "version", "value": "agent"}'], { env: { ...process.env, XENSTORED_PATH: server.socketPath } });
      const reply = await until('the reply', () => server.get('data/guest/42'));
      assert.deepEqual(JSON.parse(reply), { returncode: '0', message: '1.2.3' });
      assert.deepEqual(server.children('data/host'), []);
    } finally {
      await listener.close();
    }
  });
});

test('many requests at once; keyinit then password as separate requests share the key', async () => {
  await withServer({}, async (server, temp) => {
    const root = makeFakeRoot(temp);
    const listener = await startExchange(server, root);
    const host = await XenstoreClient.connect(server.socketPath);
    try {
      await Promise.all(Array.from({ length: 60 }, (_, i) => host.write(`data/host/${1000 + i}`, JSON.stringify({ name: i % 2 ? 'features' : 'version' }))));
      await until('60 replies', () => (server.children('data/guest').length === 60 ? true : undefined));
      for (let i = 0; i < 60; i++) {
        const reply = JSON.parse(server.get(`data/guest/${1000 + i}`)!) as { returncode: string; message: string };
        assert.equal(reply.returncode, '0');
        if (i % 2 === 0) assert.equal(reply.message, '1.2.3');
        else assert.ok(reply.message.split(',').includes('keyinit'));
      }
      assert.deepEqual(server.children('data/host'), []);

      const hostPrivate = 0x5eed5eed5eed5eedn;
      await host.write('data/host/k1', JSON.stringify({ name: 'keyinit', value: legacyPublicKey(hostPrivate).toString() }));
      const keyinit = JSON.parse(await until('keyinit', () => server.get('data/guest/k1'))) as { returncode: string; message: string };
      assert.equal(keyinit.returncode, 'D0');
      const aes = legacyAesKey(legacySharedSecret(BigInt(keyinit.message), hostPrivate));
      await host.write('data/host/k2', JSON.stringify({ name: 'password', value: legacyEncrypt(Buffer.from('xen-pw\n'), aes).toString('base64') }));
      assert.deepEqual(JSON.parse(await until('password', () => server.get('data/guest/k2'))), { returncode: '0', message: '' });
      assert.match(readFileSync(join(root, 'etc/shadow'), 'utf8'), /^root:\$6\$/m);
    } finally {
      host.close();
      await listener.close();
    }
  });
});

test('a lost connection recovers: the watch is set again and new requests are answered', async () => {
  await withServer({}, async (server, temp) => {
    const listener = await startExchange(server, makeFakeRoot(temp));
    const transport = listener.transport as XenstoreTransport;
    try {
      for (let round = 0; round < 3; round++) {
        server.dropConnections();
        const host = await XenstoreClient.connect(server.socketPath);
        await host.write(`data/host/r${round}`, '{"name": "version"}');
        assert.deepEqual(JSON.parse(await until(`reply ${round}`, () => server.get(`data/guest/r${round}`))), { returncode: '0', message: '1.2.3' });
        host.close();
      }
      assert.equal(transport.watchActive, true);
    } finally {
      await listener.close();
    }
  });
});

test('without watches the exchange polls; malformed requests get the nova error reply', async () => {
  await withServer({ refuseWatch: true }, async (server, temp) => {
    const listener = await startExchange(server, makeFakeRoot(temp), { fallbackPollMs: 30 });
    const host = await XenstoreClient.connect(server.socketPath);
    try {
      assert.equal((listener.transport as XenstoreTransport).watchActive, false);
      await host.write('data/host/p1', 'not json');
      assert.deepEqual(JSON.parse(await until('reply', () => server.get('data/guest/p1'))), { returncode: '500', message: 'Request is malformed' });
    } finally {
      host.close();
      await listener.close();
    }
  });
});

test('hostlink agent --listen nova:xenstore:SOCKET: resetnetwork reads vm-data from the same XenStore', async () => {
  await withServer({}, async (server, temp) => {
    const root = makeFakeRoot(temp);
    mkdirSync(join(root, 'sys/class/net/eth0'), { recursive: true });
    writeFileSync(join(root, 'sys/class/net/eth0/address'), '52:54:00:12:34:56\n');
    mkdirSync(join(root, 'etc/netplan'));
    const host = await XenstoreClient.connect(server.socketPath);
    const agent = await startAgent({ listen: [parseListenSpec(`nova:xenstore:${server.socketPath}`)], stateDir: join(temp, 'state'), log: silentLogger(), rootDir: root });
    try {
      await host.write('vm-data/hostname', 'xen-guest');
      await host.write('vm-data/networking/525400123456', JSON.stringify({ mac: '52:54:00:12:34:56', ips: [{ ip: '192.0.2.10', netmask: '255.255.255.0', gateway: '192.0.2.1' }], dns: ['192.0.2.53'] }));
      await host.write('data/host/n1', '{"name": "resetnetwork", "value": ""}');
      assert.deepEqual(JSON.parse(await until('reply', () => server.get('data/guest/n1'))), { returncode: '0', message: '' });
      assert.equal(readFileSync(join(root, 'etc/hostname'), 'utf8'), 'xen-guest\n');
      assert.match(readFileSync(join(root, 'etc/netplan/90-hostlink-nova.yaml'), 'utf8'), /- "192\.0\.2\.10\/24"/);
    } finally {
      host.close();
      await agent.stop();
    }
  });
});
