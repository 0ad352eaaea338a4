/**
 * Commands that change the machine, against hostlink's agent only, with fake system
 * programs that record how they were called. Never against the real qemu-ga.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { QgaClient, QgaProtocolError } from '../../src/client/index.js';
import { runCli } from './qga-cli-run.js';
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

/** A fake systemctl: `status UNIT` answers 3 (the unit exists, not running), verbs record and succeed. */
function fakeSystemctl(dir: string): string {
  const path = join(dir, 'systemctl');
  writeFileSync(path, `#!/bin/sh\necho "args: $*" >> '${join(dir, 'systemctl.log')}'\n[ "$1" = status ] && exit 3\nexit 0\n`, { mode: 0o755 });
  return path;
}

// Only hybrid: it has no /sys/power/state fallback, so even a broken fake could not
// suspend this machine.
peerTest('suspend-hybrid resolves without a reply once systemd takes it', async (_t, peer, scratch) => {
  await using client = new QgaClient(peer.socketPath);
  await client.suspendHybrid();
  assert.match(log(scratch, 'systemctl'), /args: status systemd-hybrid-sleep\nargs: hybrid-sleep\n/);
  assert.equal(await client.sync(11), 11);
}, { hostlinkOnly: true, programs: (dir) => ({ systemctl: fakeSystemctl(dir), 'pm-is-supported': fakeProgram(dir, 'pm-is-supported', 1) }) });

/** A fake system tree: /etc/passwd with user "tester" (this process's uid) and an empty home. */
function fakeRoot(scratch: string): string {
  const root = join(scratch, 'root');
  mkdirSync(join(root, 'etc'), { recursive: true });
  mkdirSync(join(root, 'home', 'tester'), { recursive: true });
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  writeFileSync(join(root, 'etc', 'passwd'), `root:x:0:0:root:/root:/bin/sh\ntester:x:${uid}:${gid}:Tester:/home/tester:/bin/sh\n`);
  return root;
}

const KEY_A = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA1111111111111111111111111111111111111111111 a@host';
const KEY_B = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB2222222222222222222222222222222222222222222 b@host';

peerTest('ssh keys: add, get, remove, reset (library and CLI) in a fake home', async (_t, peer, scratch) => {
  const keysFile = join(scratch, 'root', 'home', 'tester', '.ssh', 'authorized_keys');
  {
    await using client = new QgaClient(peer.socketPath);
    await client.sshAddAuthorizedKeys('tester', [KEY_A]);
    assert.deepEqual((await client.sshGetAuthorizedKeys('tester')).keys, [KEY_A]);
    await client.sshAddAuthorizedKeys('tester', [KEY_B]);
    // (qemu-ga puts new keys first; the order is the agent's business)
    assert.deepEqual((await client.sshGetAuthorizedKeys('tester')).keys.sort(), [KEY_A, KEY_B]);
    await client.sshRemoveAuthorizedKeys('tester', [KEY_A]);
    assert.deepEqual((await client.sshGetAuthorizedKeys('tester')).keys, [KEY_B]);
    await client.sshAddAuthorizedKeys('tester', [KEY_A], { reset: true });
    assert.equal(readFileSync(keysFile, 'utf8').trim(), KEY_A);
  }
  const s = ['qga', '--socket', peer.socketPath];
  assert.equal((await runCli([...s, 'ssh-keys', 'add', 'tester', KEY_B])).text, '1 key(s) added for tester\n');
  assert.deepEqual((await runCli([...s, 'ssh-keys', 'get', 'tester'])).text.trim().split('\n').sort(), [KEY_A, KEY_B]);
  assert.equal((await runCli([...s, 'ssh-keys', 'remove', 'tester'], { input: `# from stdin\n${KEY_A}\n` })).text, '1 key(s) removed for tester\n');
  assert.deepEqual(JSON.parse((await runCli([...s, '--json', 'ssh-keys', 'get', 'tester'])).text), { keys: [KEY_B] });
}, { hostlinkOnly: true, rootDir: fakeRoot });
