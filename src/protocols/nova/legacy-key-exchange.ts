/**
 * nova-agent's original key exchange and password encryption, as its hosts perform
 * them: Diffie-Hellman over p = 2^107 - 1 with g = 5 (a small group: it protects against
 * casual reading of XenStore, not against an attacker who can compute discrete logs,
 * which is why hostlink also offers X25519), then AES-128-CBC with the key and IV that
 * OpenSSL's EVP_BytesToKey derives with MD5 from the shared secret written in decimal
 * (`openssl enc -aes-128-cbc -a -nosalt -md md5 -pass pass:S`).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export const LEGACY_DH_PRIME = 2n ** 107n - 1n; // 162259276829213363391578010288127
export const LEGACY_DH_GENERATOR = 5n;

const AES_BLOCK = 16;

export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

/** A private exponent in [2, p - 2], from the system's random source. */
export function randomLegacyPrivateKey(): bigint {
  // 192 random bits reduced modulo p - 3: the bias is below 2^-80.
  const value = BigInt(`0x${randomBytes(24).toString('hex')}`);
  return (value % (LEGACY_DH_PRIME - 3n)) + 2n;
}

export function legacyPublicKey(privateKey: bigint): bigint {
  return modPow(LEGACY_DH_GENERATOR, privateKey, LEGACY_DH_PRIME);
}

/** Checks a peer's public key: 1 < y < p - 1 (0, 1 and p - 1 would force a known secret). */
export function isValidLegacyPublicKey(value: bigint): boolean {
  return value > 1n && value < LEGACY_DH_PRIME - 1n;
}

export function legacySharedSecret(peerPublic: bigint, privateKey: bigint): bigint {
  return modPow(peerPublic, privateKey, LEGACY_DH_PRIME);
}

export interface AesKeyAndIv {
  readonly key: Buffer;
  readonly iv: Buffer;
}

/** EVP_BytesToKey(MD5, no salt, 1 round) over the shared secret's decimal text. */
export function legacyAesKey(sharedSecret: bigint): AesKeyAndIv {
  const pass = Buffer.from(sharedSecret.toString(10), 'ascii');
  const key = createHash('md5').update(pass).digest();
  const iv = createHash('md5').update(key).update(pass).digest();
  return { key, iv };
}

export function legacyEncrypt(plaintext: Buffer, { key, iv }: AesKeyAndIv): Buffer {
  const cipher = createCipheriv('aes-128-cbc', key, iv);
  return Buffer.concat([cipher.update(plaintext), cipher.final()]);
}

/**
 * Decrypts and checks the PKCS#7 padding itself (every padding byte, not only the
 * last one, which is all the original looked at). Undefined when anything is wrong.
 */
export function legacyDecrypt(ciphertext: Buffer, { key, iv }: AesKeyAndIv): Buffer | undefined {
  if (ciphertext.length === 0 || ciphertext.length % AES_BLOCK !== 0) return undefined;
  const decipher = createDecipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
  const padded = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  const count = padded[padded.length - 1]!;
  let bad = count === 0 || count > AES_BLOCK ? 1 : 0;
  for (let i = 1; i <= AES_BLOCK; i++) {
    // Constant work whatever the padding says, so timing tells nothing about it.
    const inPadding = i <= count ? 1 : 0;
    bad |= inPadding & (padded[padded.length - i]! !== count ? 1 : 0);
  }
  const plaintext = bad ? undefined : Buffer.from(padded.subarray(0, padded.length - count));
  padded.fill(0);
  return plaintext;
}
