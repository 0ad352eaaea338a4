import assert from 'node:assert/strict';
import { QgaClient, QgaProtocolError, QgaUnsupportedError } from '../../src/client/index.js';
import { peerTest } from './qga-peers.js';

peerTest('read-only typed methods return the protocol shapes', async (_t, peer) => {
  await using client = new QgaClient(peer.socketPath);
  const info = await client.info();
  assert.equal(typeof info.version, 'string');
  assert.ok(info.supported_commands.some((entry) => entry.name === 'guest-ping' && entry.enabled));
  assert.equal(await client.info(), info, 'guest-info is cached');
  assert.equal(await client.sync(123), 123);
  await client.ping();

  const time = await client.getTime();
  assert.ok(Math.abs(time / 1e6 - Date.now()) < 60_000, 'guest time is in nanoseconds');
  assert.equal(typeof (await client.getHostName())['host-name'], 'string');
  assert.equal(typeof (await client.getTimezone()).offset, 'number');
  assert.ok(Array.isArray(await client.getUsers()));
  const os = await client.getOsinfo();
  assert.equal(typeof os['kernel-release'], 'string');

  const interfaces = await client.networkGetInterfaces();
  const lo = interfaces.find((entry) => entry.name === 'lo');
  assert.ok(lo?.['ip-addresses']?.some((address) => address['ip-address'] === '127.0.0.1' && address.prefix === 8));

  const vcpus = await client.getVcpus();
  assert.ok(vcpus.length >= 1 && vcpus.every((cpu) => typeof cpu['logical-id'] === 'number' && typeof cpu.online === 'boolean'));
  const cpustats = await client.getCpustats();
  assert.ok(cpustats.length >= 1 && cpustats.every((cpu) => cpu.type === 'linux' && typeof cpu.idle === 'number'));
  assert.ok((await client.getDiskstats()).every((disk) => typeof disk.name === 'string' && typeof disk.stats === 'object'));
  assert.ok((await client.getDisks()).every((disk) => typeof disk.name === 'string' && typeof disk.partition === 'boolean'));
  const fsinfo = await client.getFsinfo();
  assert.ok(fsinfo.every((fs) => typeof fs.mountpoint === 'string' && Array.isArray(fs.disk)));
  assert.ok(['thawed', 'frozen'].includes(await client.fsfreezeStatus()));
  assert.ok((await client.getMemoryBlocks()).every((block) => typeof block['phys-index'] === 'number'));
  assert.equal(typeof (await client.getMemoryBlockInfo()).size, 'number');
});

peerTest('newer commands: supported by hostlink, a clear QgaUnsupportedError from qemu-ga 7.2', async (_t, peer) => {
  await using client = new QgaClient(peer.socketPath);
  if (peer.name === 'qemu-ga') {
    await assert.rejects(client.getLoad(), (e: unknown) => e instanceof QgaUnsupportedError && e.message.startsWith('guest-get-load is not supported by this agent'));
    await assert.rejects(client.networkGetRoute(), QgaUnsupportedError);
    assert.equal(await client.supports('guest-get-load'), false);
    return;
  }
  const load = await client.getLoad();
  assert.equal(typeof load.load1m, 'number');
  const routes = await client.networkGetRoute();
  assert.ok(routes.every((route) => typeof route.iface === 'string' && (route.version === 4 || route.version === 6)));
});

peerTest('a disabled command fails before it is sent', async (_t, peer) => {
  await using client = new QgaClient(peer.socketPath);
  // guest-get-devices is Windows-only: Linux agents list it as disabled.
  await assert.rejects(client.getDevices(), (e: unknown) => e instanceof QgaUnsupportedError && e.disabled && /disabled/.test(e.message));
});

peerTest('commands blocked with -b are reported as disabled', async (_t, peer) => {
  const client = new QgaClient(peer.socketPath);
  await assert.rejects(client.exec(['/bin/true']), (e: unknown) => e instanceof QgaUnsupportedError && e.command === 'guest-exec' && e.disabled);
  // qemu-ga serves one client at a time: close before the next one connects.
  await client.close();
  // Unchecked, the agent itself refuses it ("Command guest-exec has been disabled").
  await using unchecked = new QgaClient(peer.socketPath, { checkSupport: false });
  await assert.rejects(unchecked.execStart({ path: '/bin/true' }), (e: unknown) => e instanceof QgaProtocolError && /has been disabled/.test(e.desc));
}, { block: ['guest-exec'] });

peerTest('ssh authorized keys of an unknown user are an agent error', async (_t, peer) => {
  await using client = new QgaClient(peer.socketPath);
  await assert.rejects(client.sshGetAuthorizedKeys('no-such-user-hostlink'), (e: unknown) => e instanceof QgaProtocolError && /no-such-user-hostlink/.test(e.desc));
});
