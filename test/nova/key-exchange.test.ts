/**
 * nova's key exchange and password encryption: the test vector from both
 * sides, `openssl enc` as the host's encryptor and decryptor, and the padding check.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { test } from 'node:test';
import {
  LEGACY_DH_PRIME,
  isValidLegacyPublicKey,
  legacyAesKey,
  legacyDecrypt,
  legacyEncrypt,
  legacyPublicKey,
  legacySharedSecret,
  randomLegacyPrivateKey,
} from '../../src/protocols/nova/legacy-key-exchange.js';
import { deriveX25519Key, gcmDecrypt, gcmEncrypt, generateX25519KeyPair, x25519KeyPairFromPrivate } from '../../src/protocols/nova/x25519-key-exchange.js';
import { requireProgram } from '../helpers/peers.js';

const HOST_PRIVATE = 0x0123456789abcdef0123n;
const AGENT_PRIVATE = 0x00112233445566778899aabbccddeeffn;
const SHARED = 42212498014643735436438456950707n;

test('the group is 2^107-1 and the test vector agrees from both sides', () => {
  assert.equal(LEGACY_DH_PRIME, 162259276829213363391578010288127n);
  const hostPublic = legacyPublicKey(HOST_PRIVATE);
  const agentPublic = legacyPublicKey(AGENT_PRIVATE);
  assert.equal(legacySharedSecret(hostPublic, AGENT_PRIVATE), SHARED, 'agent side');
  assert.equal(legacySharedSecret(agentPublic, HOST_PRIVATE), SHARED, 'host side');
  const { key, iv } = legacyAesKey(SHARED);
  assert.equal(key.toString('hex'), '84d3a6e9e224da5710dab5b26a0f91e8');
  assert.equal(iv.toString('hex'), 'd6085eacfae73900f1b100805e6eb9ac');
  assert.equal(legacyEncrypt(Buffer.from('hunter2\n'), { key, iv }).toString('base64'), '4iipDhggLPZX/R9oHwfr3Q==');
  assert.equal(legacyDecrypt(Buffer.from('4iipDhggLPZX/R9oHwfr3Q==', 'base64'), { key, iv })?.toString(), 'hunter2\n');
});

test('random private keys give valid public keys and agreeing secrets', () => {
  for (let i = 0; i < 5; i++) {
    const a = randomLegacyPrivateKey();
    const b = randomLegacyPrivateKey();
    assert.ok(a >= 2n && a <= LEGACY_DH_PRIME - 2n);
    assert.ok(isValidLegacyPublicKey(legacyPublicKey(a)));
    assert.equal(legacySharedSecret(legacyPublicKey(a), b), legacySharedSecret(legacyPublicKey(b), a));
  }
  for (const bad of [0n, 1n, LEGACY_DH_PRIME - 1n, LEGACY_DH_PRIME, LEGACY_DH_PRIME + 5n]) assert.equal(isValidLegacyPublicKey(bad), false, String(bad));
});

function opensslEnc(args: string[], input: Buffer): Buffer {
  const result = spawnSync('openssl', ['enc', '-aes-128-cbc', '-a', '-A', '-nosalt', '-md', 'md5', ...args], { input });
  assert.equal(result.status, 0, result.stderr.toString());
  return result.stdout;
}

test('openssl enc encrypts what the agent decrypts, and decrypts what hostlink encrypts', (t) => {
  if (!requireProgram(t, 'openssl', 'openssl')) return;
  const secret = legacySharedSecret(legacyPublicKey(HOST_PRIVATE), randomLegacyPrivateKey());
  const aes = legacyAesKey(secret);
  for (const password of ['hunter2\n', 'x', 'sixteen bytes!!!', 'p\u00e4ss w\u00f6rd with spaces and a long tail to span blocks\n']) {
    const fromOpenssl = opensslEnc(['-pass', `pass:${secret}`], Buffer.from(password));
    assert.equal(legacyDecrypt(Buffer.from(fromOpenssl.toString().trim(), 'base64'), aes)?.toString(), password);
    const ours = legacyEncrypt(Buffer.from(password), aes).toString('base64');
    assert.equal(opensslEnc(['-d', '-pass', `pass:${secret}`], Buffer.from(`${ours}\n`)).toString(), password);
  }
});

test('bad padding, truncated and empty ciphertexts are refused', () => {
  const aes = legacyAesKey(SHARED);
  const good = legacyEncrypt(Buffer.from('hunter2\n'), aes);
  assert.equal(legacyDecrypt(Buffer.alloc(0), aes), undefined);
  assert.equal(legacyDecrypt(good.subarray(0, 15), aes), undefined);
  // Raw blocks with chosen bad padding: a zero count, a count over 16, and padding bytes
  // that disagree with the count (which checking the last byte alone would accept).
  for (const tail of [Buffer.from([0]), Buffer.from([17]), Buffer.from([3, 2, 3]), Buffer.from([5, 5, 4, 5, 5])]) {
    const block = Buffer.concat([Buffer.alloc(16 - tail.length, 0x41), tail]);
    const cipher = createCipheriv('aes-128-cbc', aes.key, aes.iv).setAutoPadding(false);
    const bad = Buffer.concat([cipher.update(block), cipher.final()]);
    assert.equal(legacyDecrypt(bad, aes), undefined, tail.toString('hex'));
  }
});

test('X25519: the RFC 7748 key, agreeing keys, tampering refused', () => {
  const alice = x25519KeyPairFromPrivate(Buffer.from('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', 'hex'));
  assert.equal(alice.publicRaw.toString('hex'), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
  const host = generateX25519KeyPair();
  const agent = generateX25519KeyPair();
  const hostKey = deriveX25519Key(host, agent.publicRaw, host.publicRaw, agent.publicRaw);
  const agentKey = deriveX25519Key(agent, host.publicRaw, host.publicRaw, agent.publicRaw);
  assert.deepEqual(hostKey, agentKey);
  const sealed = gcmEncrypt(hostKey, Buffer.from('s3cret'), 'password');
  assert.equal(gcmDecrypt(agentKey, sealed, 'password')?.toString(), 's3cret');
  assert.equal(gcmDecrypt(agentKey, sealed, 'other'), undefined);
  sealed[14] ^= 1;
  assert.equal(gcmDecrypt(agentKey, sealed, 'password'), undefined);
  assert.throws(() => deriveX25519Key(agent, Buffer.alloc(32), Buffer.alloc(32), agent.publicRaw), /small order/);
});
