/**
 * `hostlink agent --root DIR` as a real process: nova's password and injectfile, QGA's
 * guest-set-user-password and guest-ssh-add-authorized-keys all act inside DIR, and the
 * log holds none of the secrets that went by.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha512Crypt } from '../../src/commands/common/sha512-crypt.js';
import { legacyAesKey, legacyEncrypt, legacyPublicKey, legacySharedSecret } from '../../src/protocols/nova/legacy-key-exchange.js';
import { runCli, startAgentCli } from '../agent/agent-cli.js';
import { makeTempDir } from '../helpers/temp.js';
import { exchangeLines, makeFakeRoot, novaConversation } from './nova-helpers.js';

function hashOf(rootDir: string, user: string): string {
  return readFileSync(join(rootDir, 'etc/shadow'), 'utf8').split('\n').find((line) => line.startsWith(`${user}:`))!.split(':')[1]!;
}

const matches = (hash: string, password: string): boolean => sha512Crypt(password, { salt: hash.split('$')[2]! }) === hash;

test('hostlink agent --root: passwords, SSH keys and injected files land inside the root; no secret in the log', async () => {
  const temp = makeTempDir('hostlink-agent-root-');
  const root = makeFakeRoot(temp.path);
  mkdirSync(join(root, 'root'));
  const nova = join(temp.path, 'nova.sock');
  const qga = join(temp.path, 'qga.sock');
  mkdirSync(join(root, 'etc/netplan'));
  mkdirSync(join(root, 'sys/class/net/eth0'), { recursive: true });
  writeFileSync(join(root, 'sys/class/net/eth0/address'), '52:54:00:aa:bb:cc\n');
  const agent = await startAgentCli(['--root', root, '--network-renderer', 'networkd', '-t', join(temp.path, 'state'), '-v', '--listen', `nova:unix:${nova}`, '--listen', `qga:unix:${qga}`]);
  try {
    const hostPrivate = 0x1234567890abcdefn;
    const novaReplies = await novaConversation(nova, [
      () => ({ name: 'keyinit', value: legacyPublicKey(hostPrivate).toString() }),
      (keyinit) => {
        const aes = legacyAesKey(legacySharedSecret(BigInt(keyinit!.message), hostPrivate));
        return { name: 'password', value: legacyEncrypt(Buffer.from('nova-secret-pw\n'), aes).toString('base64') };
      },
      () => ({ name: 'injectfile', value: Buffer.from('/etc/motd,injected-secret-contents').toString('base64') }),
      () => ({ name: 'resetnetwork', value: { interfaces: [{ mac: '52:54:00:aa:bb:cc', ips: [{ ip: '192.0.2.9', netmask: '255.255.255.0' }] }] } }),
    ]);
    assert.deepEqual(novaReplies.slice(1), [{ returncode: '0', message: '' }, { returncode: '0', message: '' }, { returncode: '0', message: '' }]);
    // --network-renderer networkd wins over the /etc/netplan the root has.
    assert.match(readFileSync(join(root, 'etc/systemd/network/10-hostlink-eth0.network'), 'utf8'), /^Address=192\.0\.2\.9\/24$/m);
    assert.ok(matches(hashOf(root, 'root'), 'nova-secret-pw'));
    assert.equal(readFileSync(join(root, 'etc/motd'), 'utf8'), 'injected-secret-contents');

    const qgaReplies = await exchangeLines(qga, [
      JSON.stringify({ execute: 'guest-set-user-password', arguments: { username: 'daemon', password: Buffer.from('qga-secret-pw').toString('base64'), crypted: false } }),
      JSON.stringify({ execute: 'guest-ssh-add-authorized-keys', arguments: { username: 'root', keys: ['ssh-ed25519 AAAAC3Nza test@host'] } }),
    ]);
    assert.deepEqual(qgaReplies.map((line) => JSON.parse(line)), [{ return: {} }, { return: {} }]);
    assert.ok(matches(hashOf(root, 'daemon'), 'qga-secret-pw'));
    assert.equal(readFileSync(join(root, 'root/.ssh/authorized_keys'), 'utf8'), 'ssh-ed25519 AAAAC3Nza test@host');
  } finally {
    assert.equal(await agent.stop(), 0);
    const log = agent.stderr();
    assert.match(log, /nova request/, 'debug logging was on');
    for (const secret of ['nova-secret-pw', 'qga-secret-pw', 'injected-secret-contents', Buffer.from('qga-secret-pw').toString('base64')]) {
      assert.ok(!log.includes(secret), `the log does not contain ${secret}`);
    }
    temp.remove();
  }
});

test('hostlink agent --root with a missing folder, or an unknown --network-renderer, is a usage error; --dump-conf shows both', async () => {
  const [missing, renderer, dump] = await Promise.all([
    runCli(['agent', '--root', '/nonexistent/hostlink-root', '--listen', 'nova:unix:/tmp/unused-hostlink.sock']),
    runCli(['agent', '--network-renderer', 'wicked', '--listen', 'nova:unix:/tmp/unused-hostlink.sock']),
    runCli(['agent', '--root', '/', '--network-renderer', 'ifcfg', '--listen', 'nova:xenstore', '-D']),
  ]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--root \/nonexistent\/hostlink-root is not a folder/);
  assert.equal(renderer.status, 2);
  assert.match(renderer.stderr, /--network-renderer must be one of netplan, ifcfg, ifupdown, networkd, not "wicked"/);
  assert.equal(dump.status, 0, dump.stderr);
  assert.match(dump.stdout, /^root = "\/"$/m);
  assert.match(dump.stdout, /^network-renderer = "ifcfg"$/m);
  assert.match(dump.stdout, /"nova:xenstore:\/dev\/xen\/xenbus"/);
});
