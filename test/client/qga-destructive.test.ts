/**
 * Commands that change the machine, against hostlink's agent only, with fake system
 * programs that record how they were called. Never against the real qemu-ga.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QgaClient, QgaProtocolError } from '../../src/client/index.js';
import { fakeProgram, peerTest } from './qga-peers.js';

const fakes = (dir: string) => ({
  shutdown: fakeProgram(dir, 'shutdown'),
  hwclock: fakeProgram(dir, 'hwclock'),
  fsfreeze: fakeProgram(dir, 'fsfreeze'),
  fstrim: fakeProgram(dir, 'fstrim'),
  chpasswd: fakeProgram(dir, 'chpasswd'),
});

const log = (dir: string, name: string) => (existsSync(join(dir, `${name}.log`)) ? readFileSync(join(dir, `${name}.log`), 'utf8') : '');

peerTest('shutdown resolves without a reply, for each mode; a bad mode is an agent error', async (_t, peer, scratch) => {
  await using client = new QgaClient(peer.socketPath);
  await client.shutdown('powerdown');
  await client.shutdown('reboot');
  await client.shutdown('halt');
  const calls = log(scratch, 'shutdown').split('\n').filter((line) => line.startsWith('args:'));
  assert.equal(calls.length, 3);
  assert.match(calls[0]!, /-P/);
  assert.match(calls[1]!, /-r/);
  assert.match(calls[2]!, /-H/);
  await assert.rejects(client.shutdown('explode' as 'halt'), (e: unknown) => e instanceof QgaProtocolError && /mode is invalid/.test(e.desc));
  // The connection is in step afterwards.
  assert.equal(await client.sync(9), 9);
}, { hostlinkOnly: true, programs: fakes });

peerTest('set-time from the RTC runs hwclock -s', async (_t, peer, scratch) => {
  await using client = new QgaClient(peer.socketPath);
  await client.setTime();
  assert.match(log(scratch, 'hwclock'), /args: .*-s/);
}, { hostlinkOnly: true, programs: fakes });

peerTest('fsfreeze freeze, status, thaw; fstrim', async (_t, peer) => {
  await using client = new QgaClient(peer.socketPath);
  assert.equal(await client.fsfreezeStatus(), 'thawed');
  const frozen = await client.fsfreezeFreeze();
  assert.equal(typeof frozen, 'number');
  assert.equal(await client.fsfreezeStatus(), 'frozen');
  assert.equal(await client.fsfreezeThaw(), frozen);
  assert.equal(await client.fsfreezeStatus(), 'thawed');
  const trimmed = await client.fstrim();
  assert.ok(Array.isArray(trimmed.paths));
}, { hostlinkOnly: true, programs: fakes });

peerTest('set-vcpus: setting CPU 0 online as it already is reports one entry done', async (_t, peer) => {
  await using client = new QgaClient(peer.socketPath);
  assert.equal(await client.setVcpus([{ 'logical-id': 0, online: true }]), 1);
}, { hostlinkOnly: true, programs: fakes });
