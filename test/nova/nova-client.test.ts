/**
 * The host-side NovaClient against hostlink's nova agent: over a Unix socket and over
 * the XenStore exchange (the host writing through xenstored's socket to a domain), both
 * key exchanges, injectfile, resetnetwork, and a request taken back on timeout.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { NovaClient, NovaReplyError, NovaTimeoutError, parseNovaAddress } from '../../src/client/nova/index.js';
import { sha512Crypt } from '../../src/commands/common/sha512-crypt.js';
import { novaCommands } from '../../src/commands/nova/index.js';
import { Dispatcher } from '../../src/core/dispatcher.js';
import { Listener } from '../../src/core/listener.js';
import { silentLogger } from '../../src/core/logger.js';
import { CommandPolicy } from '../../src/core/policy.js';
import { CommandRegistry } from '../../src/core/registry.js';
import { novaProtocol } from '../../src/protocols/nova/index.js';
import { XenstoreTransport } from '../../src/transports/xenstore.js';
import { makeTempDir } from '../helpers/temp.js';
import { TestXenstored } from '../helpers/xenstore-server.js';
import { startNovaAgent } from './nova-helpers.js';

function rootHash(rootDir: string): string {
  return readFileSync(join(rootDir, 'etc/shadow'), 'utf8').split('\n')[0]!.split(':')[1]!;
}
const matches = (hash: string, password: string): boolean => sha512Crypt(password, { salt: hash.split('$')[2]! }) === hash;

test('addresses', () => {
  assert.deepEqual(parseNovaAddress('unix:/run/nova.sock'), { kind: 'unix', path: '/run/nova.sock' });
  assert.deepEqual(parseNovaAddress('tcp:[::1]:7'), { kind: 'tcp', host: '::1', port: 7 });
  assert.deepEqual(parseNovaAddress('xenstore:/var/run/xenstored/socket:12'), { kind: 'xenstore', path: '/var/run/xenstored/socket', domid: 12 });
  for (const bad of ['unix:', 'tcp:host', 'xenstore:/x', 'nova:x']) assert.throws(() => parseNovaAddress(bad), /not a nova agent address/);
});

test('over a Unix socket: version, features, both key exchanges, injectfile, resetnetwork, errors', async () => {
  const agent = await startNovaAgent({ version: '4.5.6' });
  const client = await NovaClient.connect(`unix:${agent.socket}`);
  try {
    assert.equal(await client.version(), '4.5.6');
    assert.ok((await client.features()).includes('keyinit-x25519'));
    await client.password('auto picks x25519');
    assert.ok(matches(rootHash(agent.rootDir), 'auto picks x25519'));
    await client.password('the original exchange', 'legacy');
    assert.ok(matches(rootHash(agent.rootDir), 'the original exchange'));
    await client.injectfile('/etc/banner', Buffer.from([1, 2, 0x2c, 3]));
    assert.deepEqual(readFileSync(join(agent.rootDir, 'etc/banner')), Buffer.from([1, 2, 0x2c, 3]));
    mkdirSync(join(agent.rootDir, 'etc/netplan'));
    mkdirSync(join(agent.rootDir, 'sys/class/net/eth0'), { recursive: true });
    writeFileSync(join(agent.rootDir, 'sys/class/net/eth0/address'), 'aa:bb:cc:dd:ee:ff\n');
    await client.resetnetwork({ hostname: 'from-client', interfaces: [{ mac: 'aa:bb:cc:dd:ee:ff', ips: [{ ip: '198.51.100.2', netmask: '255.255.255.0' }] }] });
    assert.equal(readFileSync(join(agent.rootDir, 'etc/hostname'), 'utf8'), 'from-client\n');
    await assert.rejects(client.call('nosuch'), (error: unknown) => error instanceof NovaReplyError && error.returncode === '404' && error.agentMessage === "No such agent command 'nosuch'");
    await assert.rejects(client.password('two\nlines'), /cannot contain a newline/);
  } finally {
    client.close();
    await agent.close();
  }
});

test('over XenStore: the host side writes under the domain, reads and removes the reply; a timeout takes the request back', async () => {
  const temp = makeTempDir('hostlink-nova-client-xs-');
  const server = new TestXenstored(join(temp.path, 'xenstored.sock'), { domid: 0 });
  await server.start();
  const rootDir = join(temp.path, 'root');
  mkdirSync(join(rootDir, 'etc'), { recursive: true });
  writeFileSync(join(rootDir, 'etc/shadow'), 'root:*:1:0:99999:7:::\n');
  const registry = new CommandRegistry().registerAll(novaCommands({ log: silentLogger(), rootDir, version: '7.7.7' }));
  const listener = new Listener(new XenstoreTransport({ path: server.socketPath }), novaProtocol, new Dispatcher(registry, new CommandPolicy()), silentLogger());
  await listener.start();
  const client = await NovaClient.connect(`xenstore:${server.socketPath}:0`, { timeoutMs: 10_000 });
  try {
    assert.equal(await client.version(), '7.7.7');
    await client.password('over xenstore', 'legacy');
    assert.ok(matches(rootHash(rootDir), 'over xenstore'));
    assert.deepEqual(server.children('/local/domain/0/data/host'), []);
    assert.deepEqual(server.children('/local/domain/0/data/guest'), [], 'replies are removed once read');
  } finally {
    client.close();
    await listener.close();
  }
  // No agent now: the request times out and is taken back.
  const lonely = await NovaClient.connect(`xenstore:${server.socketPath}:0`, { timeoutMs: 300 });
  try {
    await assert.rejects(lonely.version(), (error: unknown) => error instanceof NovaTimeoutError && /taken back/.test(error.message));
    assert.deepEqual(server.children('/local/domain/0/data/host'), []);
  } finally {
    lonely.close();
    await server.stop();
    temp.remove();
  }
});
