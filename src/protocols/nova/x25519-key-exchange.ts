/**
 * hostlink's stronger, opt-in key exchange for nova's password command (advertised by
 * `features` as the command `keyinit-x25519`): X25519, HKDF-SHA256 over the shared
 * secret with both public keys as salt, AES-256-GCM with a random 96-bit nonce.
 *
 *   host  -> keyinit-x25519, value: base64(host public key, 32 bytes)
 *   agent <- "D0", message: base64(agent public key, 32 bytes)
 *   host  -> password, value: base64(nonce(12) || ciphertext || tag(16)), AAD "password"
 */
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';

const HKDF_INFO = Buffer.from('hostlink nova password v1', 'ascii');
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const X25519_PUBLIC_BYTES = 32;

export interface X25519KeyPair {
  readonly privateKey: KeyObject;
  /** The raw 32-byte public key, as it travels. */
  readonly publicRaw: Buffer;
}

export function generateX25519KeyPair(): X25519KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return { privateKey, publicRaw: rawPublicKey(publicKey) };
}

/** A private key from its raw 32 bytes (test vectors, reproducible tests). */
export function x25519KeyPairFromPrivate(raw: Buffer): X25519KeyPair {
  const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: raw.toString('base64url'), x: '' }, format: 'jwk' });
  return { privateKey, publicRaw: rawPublicKey(createPublicKey(privateKey)) };
}

function rawPublicKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  return Buffer.from(jwk.x!, 'base64url');
}

function publicKeyFromRaw(raw: Buffer): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/**
 * The 32-byte AES key both sides derive. `initiatorPublic` is the host's key and
 * `responderPublic` the agent's, whichever side computes it. Throws on a malformed
 * or low-order peer key (an all-zero shared secret).
 */
export function deriveX25519Key(own: X25519KeyPair, peerPublicRaw: Buffer, initiatorPublic: Buffer, responderPublic: Buffer): Buffer {
  if (peerPublicRaw.length !== X25519_PUBLIC_BYTES) throw new Error('an X25519 public key is 32 bytes');
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey: own.privateKey, publicKey: publicKeyFromRaw(peerPublicRaw) });
  } catch {
    // OpenSSL refuses a key that gives an all-zero secret.
    throw new Error('the X25519 public key has a small order');
  }
  if (shared.every((byte) => byte === 0)) throw new Error('the X25519 public key has a small order');
  const key = Buffer.from(hkdfSync('sha256', shared, Buffer.concat([initiatorPublic, responderPublic]), HKDF_INFO, 32));
  shared.fill(0);
  return key;
}

export function gcmEncrypt(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce).setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** Undefined when the message is too short or fails authentication. */
export function gcmDecrypt(key: Buffer, sealed: Buffer, aad: string): Buffer | undefined {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) return undefined;
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce).setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}
