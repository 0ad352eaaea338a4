/**
 * The commands that change the system, against the real qemu-ga 7.2, for requests that
 * are refused before anything is changed (argument checks, unknown users and vCPUs,
 * mount points that match nothing): both agents must answer alike. hostlink runs with
 * recording fakes of every system program, and the test checks none was called.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startHostlinkQga } from '../helpers/hostlink-qga.js';
import { requireProgram } from '../helpers/peers.js';
import { startQemuGa } from '../helpers/qga-peer.js';
import { QgaRawClient } from '../helpers/qga-raw-client.js';
import { makeTempDir } from '../helpers/temp.js';
import { FakePrograms } from './fake-programs.js';

const temp = makeTempDir('hostlink-control-conf-');
after(() => temp.remove());

/** The home of `user` from /etc/passwd, if the user exists. */
function homeOf(user: string): string | undefined {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${user}:`));
  return line?.split(':')[5];
}

test('refusals and no-op requests answer as qemu-ga, and no system program runs', async (t) => {
  const qemuGa = requireProgram(t, 'qemu-ga', 'qemu-guest-agent');
  if (!qemuGa) return;
  const b64 = (text: string): string => Buffer.from(text).toString('base64');
  const requests: Array<[string, Record<string, unknown>?]> = [
    ['guest-shutdown', { mode: 'bogus' }],
    ['guest-shutdown', { mode: 1 }],
    ['guest-shutdown', { x: 1 }],
    ['guest-set-time', { time: 'x' }],
    ['guest-set-time', { time: 4_000_000_000_000_000_000 }],
    ['guest-set-time', { time: -1_000_000_000_000_000_000 }],
    ['guest-set-user-password', { username: 'a:b', password: b64('x'), crypted: false }],
    ['guest-set-user-password', { username: 'a\nb', password: b64('x'), crypted: false }],
    ['guest-set-user-password', { username: 'a:b', password: b64('x\ny'), crypted: false }],
    ['guest-set-user-password', { username: 'ab', password: '!!', crypted: false }],
    ['guest-set-user-password', { username: 'ab', password: b64('x') }],
    ['guest-set-user-password', { username: 'ab', password: b64('x:y'), crypted: false, x: 1 }],
    ['guest-set-vcpus', { vcpus: [{ 'logical-id': 999, online: true }] }],
    ['guest-set-vcpus', { vcpus: [{ 'logical-id': 999, online: false, 'can-offline': true }] }],
    ['guest-set-vcpus', { vcpus: [] }],
    ['guest-set-vcpus', { vcpus: [{ 'logical-id': 999 }] }],
    ['guest-set-vcpus', { vcpus: 'x' }],
    ['guest-set-memory-blocks', { 'mem-blks': [{ 'phys-index': 99999, online: true }] }],
    ['guest-set-memory-blocks', { 'mem-blks': [{ 'phys-index': -1, online: true }] }],
    ['guest-set-memory-blocks', { 'mem-blks': [] }],
    ['guest-ssh-get-authorized-keys', { username: 'no-such-user-hostlink' }],
    ['guest-ssh-get-authorized-keys', { username: '' }],
    ['guest-ssh-add-authorized-keys', { username: 'no-such-user-hostlink', keys: ['ssh-rsa AAA x'] }],
    ['guest-ssh-add-authorized-keys', { username: 'no-such-user-hostlink', keys: ['#ssh-rsa AAA x'] }],
    ['guest-ssh-add-authorized-keys', { username: 'root', keys: ['a\nb'], reset: true }],
    ['guest-ssh-remove-authorized-keys', { username: 'no-such-user-hostlink', keys: [''] }],
    ['guest-ssh-remove-authorized-keys', { username: 'root', keys: ['#x'] }],
    ['guest-fsfreeze-status'],
    ['guest-fsfreeze-freeze-list', { mountpoints: ['/no-such-mount-hostlink'] }],
    ['guest-fsfreeze-status'],
    ['guest-fsfreeze-freeze-list', { mountpoints: 'x' }],
    ['guest-fstrim', { minimum: 'x' }],
    ['guest-suspend-ram', { x: 1 }],
    ['guest-suspend-disk', { x: 1 }],
  ];
  // A user whose home does not exist: reading and adding fail without touching anything.
  const nobodyHome = homeOf('nobody');
  if (nobodyHome && !existsSync(nobodyHome)) {
    requests.push(
      ['guest-ssh-get-authorized-keys', { username: 'nobody' }],
      ['guest-ssh-add-authorized-keys', { username: 'nobody', keys: ['ssh-rsa AAA x'] }],
      ['guest-ssh-remove-authorized-keys', { username: 'nobody', keys: ['ssh-rsa AAA x'] }],
    );
  }

  const fakes = new FakePrograms(join(temp.path, 'bin'));
  const replies: string[][] = [];
  for (const start of [() => startQemuGa(qemuGa), () => startHostlinkQga({ programs: fakes.programs })]) {
    const agent = await start();
    const client = await QgaRawClient.connect(agent.socketPath);
    try {
      const lines: string[] = [];
      for (const [execute, args] of requests) {
        client.send(JSON.stringify(args === undefined ? { execute } : { execute, arguments: args }));
        lines.push((await client.readLineBytes(10_000)).toString('utf8'));
      }
      replies.push(lines);
    } finally {
      client.close();
      await agent.stop();
    }
  }
  assert.equal(replies[0]?.length, requests.length);
  for (const [index, [execute, args]] of requests.entries()) {
    assert.equal(replies[1]?.[index], replies[0]?.[index], `${execute} ${JSON.stringify(args)}`);
  }
  assert.deepEqual(fakes.calls(), []);
});
