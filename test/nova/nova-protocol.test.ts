/**
 * The nova protocol over `nova:unix`: request and reply shapes, the original's error
 * texts, version/features, and keyinit + password end to end with `openssl enc` as the
 * host's encryptor, the password landing as a SHA-512 crypt hash in <root>/etc/shadow.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha512Crypt } from '../../src/commands/common/sha512-crypt.js';
import { defineCommand } from '../../src/core/registry.js';
import { t as schema } from '../../src/core/schema.js';
import { legacyAesKey, legacyEncrypt, legacyPublicKey, legacySharedSecret } from '../../src/protocols/nova/legacy-key-exchange.js';
import { deriveX25519Key, gcmEncrypt, generateX25519KeyPair } from '../../src/protocols/nova/x25519-key-exchange.js';
import { requireProgram } from '../helpers/peers.js';
import { ROOT_SHADOW, exchangeLines, novaConversation, novaExchange, startNovaAgent } from './nova-helpers.js';

const HOST_PRIVATE = 0x0123456789abcdef0123n;
const AGENT_PRIVATE = 0x00112233445566778899aabbccddeeffn;

function rootHash(rootDir: string): string {
  const line = readFileSync(join(rootDir, 'etc/shadow'), 'utf8').split('\n').find((entry) => entry.startsWith('root:'))!;
  return line.split(':')[1]!;
}

/** Whether a $6$ hash is the hash of `password` (same salt, same result). */
function hashMatches(hash: string, password: string): boolean {
  const salt = hash.split('$')[2]!;
  return sha512Crypt(password, { salt }) === hash;
}

test('malformed requests, a missing name and unknown commands get the original texts', async () => {
  const agent = await startNovaAgent();
  try {
    const replies = (await exchangeLines(agent.socket, ['not json', '[1,2]', '{"value":"x"}', '{"name":5}', '{"name":"nosuch"}'])).map((line) => JSON.parse(line));
    assert.deepEqual(replies, [
      { returncode: '500', message: 'Request is malformed' },
      { returncode: '500', message: 'Request is malformed' },
      { returncode: '500', message: "Request is missing 'name' key" },
      { returncode: '500', message: 'Request is malformed' },
      { returncode: '404', message: "No such agent command 'nosuch'" },
    ]);
  } finally {
    await agent.close();
  }
});

test('version and features; a blocked command is absent from features and answers 404', async () => {
  const agent = await startNovaAgent({ version: '9.8.7', policy: { block: ['keyinit-x25519'] } });
  try {
    const [version, features, blocked] = await novaExchange(agent.socket, [{ name: 'version' }, { name: 'features', value: '' }, { name: 'keyinit-x25519', value: 'x' }]);
    assert.deepEqual(version, { returncode: '0', message: '9.8.7' });
    assert.equal(features!.returncode, '0');
    const names = features!.message.split(',');
    for (const name of ['version', 'features', 'keyinit', 'password']) assert.ok(names.includes(name), name);
    assert.ok(!names.includes('keyinit-x25519'));
    assert.equal(blocked!.returncode, '404');
  } finally {
    await agent.close();
  }
});

test('other commands of the registry: an object value is their arguments; results become the message', async () => {
  const echo = defineCommand({ name: 'echo-args', args: schema.struct({ a: schema.optional(schema.int()) }), handler: (args) => args });
  const fails = defineCommand({ name: 'fails', handler: () => { throw new Error('it broke'); } });
  const agent = await startNovaAgent({ extraCommands: [echo, fails] });
  try {
    const replies = await novaExchange(agent.socket, [{ name: 'echo-args', value: { a: 3 } }, { name: 'echo-args' }, { name: 'echo-args', value: { b: 1 } }, { name: 'fails' }]);
    assert.deepEqual(replies, [
      { returncode: '0', message: '{"a":3}' },
      { returncode: '0', message: '{}' },
      { returncode: '500', message: "Parameter 'b' is unexpected" },
      { returncode: '500', message: 'it broke' },
    ]);
  } finally {
    await agent.close();
  }
});

test('keyinit with the test vector (the key as a JSON number and as a string), then the vector password', async () => {
  const agent = await startNovaAgent({ legacyPrivateKey: () => AGENT_PRIVATE });
  try {
    const hostPublic = legacyPublicKey(HOST_PRIVATE);
    // A bare JSON number beyond 2^53: JSON.parse would round it.
    const lines = await exchangeLines(agent.socket, [`{"name":"keyinit","value":${hostPublic}}`, '{"name":"password","value":"4iipDhggLPZX/R9oHwfr3Q=="}']);
    const [keyinit, password] = lines.map((line) => JSON.parse(line) as { returncode: string; message: string });
    assert.deepEqual(keyinit, { returncode: 'D0', message: legacyPublicKey(AGENT_PRIVATE).toString() });
    assert.deepEqual(password, { returncode: '0', message: '' });
    assert.ok(hashMatches(rootHash(agent.rootDir), 'hunter2'), 'root has the password without its newline');
    assert.match(rootHash(agent.rootDir), /^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
    const [again] = await novaExchange(agent.socket, [{ name: 'keyinit', value: hostPublic.toString() }]);
    assert.equal(again!.returncode, 'D0');
  } finally {
    await agent.close();
  }
});

test('password round trip with openssl enc as the host encryptor; the key belongs to its connection', async (t) => {
  if (!requireProgram(t, 'openssl', 'openssl')) return;
  const agent = await startNovaAgent();
  try {
    const hostPrivate = 0xfeedfacecafebeef1234567n;
    const password = 'c0rrect horse: battery staple';
    const replies = await novaConversation(agent.socket, [
      () => ({ name: 'keyinit', value: legacyPublicKey(hostPrivate).toString() }),
      (keyinit) => {
        const secret = legacySharedSecret(BigInt(keyinit!.message), hostPrivate);
        const enc = spawnSync('openssl', ['enc', '-aes-128-cbc', '-a', '-A', '-nosalt', '-md', 'md5', '-pass', `pass:${secret}`], { input: `${password}\n` });
        return { name: 'password', value: enc.stdout.toString().trim() };
      },
    ]);
    assert.equal(replies[0]!.returncode, 'D0');
    assert.deepEqual(replies[1], { returncode: '0', message: '' });
    assert.ok(hashMatches(rootHash(agent.rootDir), password));
    // A key made on another connection is not this connection's key.
    const [first] = await novaExchange(agent.socket, [{ name: 'keyinit', value: legacyPublicKey(hostPrivate).toString() }]);
    const [other] = await novaExchange(agent.socket, [{ name: 'password', value: '4iipDhggLPZX/R9oHwfr3Q==' }]);
    assert.equal(first!.returncode, 'D0');
    assert.deepEqual(other, { returncode: '500', message: 'Password without key exchange' });
  } finally {
    await agent.close();
  }
});

test('password errors: no key exchange, bad base64, bad padding; the key is wiped after any attempt', async () => {
  const agent = await startNovaAgent({ legacyPrivateKey: () => AGENT_PRIVATE });
  try {
    const keyinit = { name: 'keyinit', value: legacyPublicKey(HOST_PRIVATE).toString() };
    const aes = legacyAesKey(legacySharedSecret(legacyPublicKey(HOST_PRIVATE), AGENT_PRIVATE));
    const wrongKey = legacyAesKey(12345n);
    const replies = await novaExchange(agent.socket, [
      { name: 'password', value: '4iipDhggLPZX/R9oHwfr3Q==' },
      keyinit,
      { name: 'password', value: 'not base64!' },
      { name: 'password', value: '4iipDhggLPZX/R9oHwfr3Q==' },
      keyinit,
      { name: 'password', value: legacyEncrypt(Buffer.from('hunter2\n'), wrongKey).toString('base64') },
      keyinit,
      { name: 'password', value: legacyEncrypt(Buffer.from('two\nlines\n'), aes).toString('base64') },
      keyinit,
      { name: 'password', value: 12 },
    ]);
    assert.deepEqual(
      replies.map((reply) => `${reply.returncode} ${reply.message}`),
      [
        '500 Password without key exchange',
        `D0 ${legacyPublicKey(AGENT_PRIVATE)}`,
        "500 Couldn't decode base64 data",
        '500 Password without key exchange',
        `D0 ${legacyPublicKey(AGENT_PRIVATE)}`,
        '500 Invalid password data received',
        `D0 ${legacyPublicKey(AGENT_PRIVATE)}`,
        '500 Invalid password data received',
        `D0 ${legacyPublicKey(AGENT_PRIVATE)}`,
        "500 Couldn't decode base64 data",
      ],
    );
    assert.equal(readFileSync(join(agent.rootDir, 'etc/shadow'), 'utf8'), ROOT_SHADOW, 'nothing changed');
    const badKeys = await novaExchange(agent.socket, [{ name: 'keyinit', value: '1' }, { name: 'keyinit', value: 'abc' }, { name: 'keyinit', value: -5 }]);
    assert.deepEqual(badKeys.map((reply) => reply.message), ['Invalid public key', 'Invalid public key', 'Invalid public key']);
  } finally {
    await agent.close();
  }
});

test('keyinit-x25519 then password sealed with AES-256-GCM', async () => {
  const agent = await startNovaAgent();
  try {
    const host = generateX25519KeyPair();
    const replies = await novaConversation(agent.socket, [
      () => ({ name: 'keyinit-x25519', value: host.publicRaw.toString('base64') }),
      (keyinit) => {
        const agentPublic = Buffer.from(keyinit!.message, 'base64');
        const key = deriveX25519Key(host, agentPublic, host.publicRaw, agentPublic);
        return { name: 'password', value: gcmEncrypt(key, Buffer.from('gcm-pass\n'), 'password').toString('base64') };
      },
    ]);
    assert.equal(replies[0]!.returncode, 'D0');
    assert.deepEqual(replies[1], { returncode: '0', message: '' });
    assert.ok(hashMatches(rootHash(agent.rootDir), 'gcm-pass'));
    const [bad] = await novaExchange(agent.socket, [{ name: 'keyinit-x25519', value: Buffer.alloc(31).toString('base64') }]);
    assert.deepEqual(bad, { returncode: '500', message: 'Invalid public key' });
  } finally {
    await agent.close();
  }
});
