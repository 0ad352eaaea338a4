/**
 * SHA-512 crypt ("$6$"), the password hash glibc's crypt(3) and /etc/shadow use, after
 * Ulrich Drepper's published specification "Unix crypt using SHA-256 and SHA-512".
 * Written here because node:crypto has no crypt(3); checked against the specification's
 * test vectors and `openssl passwd -6`.
 */
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const DEFAULT_ROUNDS = 5000;
const MIN_ROUNDS = 1000;
const MAX_ROUNDS = 999_999_999;
const MAX_SALT = 16;

/** The specification's byte order for the final encoding: 21 groups of three, then byte 63. */
const GROUPS: readonly (readonly [number, number, number])[] = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48],
  [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13],
  [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
];

function sha512(...parts: Buffer[]): Buffer {
  const hash = createHash('sha512');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** `length` bytes made of `block` repeated (the specification's P and S sequences). */
function repeatTo(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let offset = 0; offset < length; offset += block.length) block.copy(out, offset, 0, Math.min(block.length, length - offset));
  return out;
}

function encode24(b2: number, b1: number, b0: number, chars: number): string {
  let word = (b2 << 16) | (b1 << 8) | b0;
  let out = '';
  for (let i = 0; i < chars; i++) {
    out += ALPHABET[word & 0x3f];
    word >>>= 6;
  }
  return out;
}

export interface Sha512CryptOptions {
  /** Up to 16 characters of [./0-9A-Za-z]; random when unset. */
  readonly salt?: string;
  /** Rounds (1000 to 999999999); 5000, written without "rounds=", when unset. */
  readonly rounds?: number;
}

export function randomSalt(length = MAX_SALT): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (byte) => ALPHABET[byte & 0x3f]).join('');
}

export function sha512Crypt(password: Buffer | string, options: Sha512CryptOptions = {}): string {
  const key = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  const saltText = (options.salt ?? randomSalt()).split('$', 1)[0]!.slice(0, MAX_SALT);
  const salt = Buffer.from(saltText, 'utf8');
  const customRounds = options.rounds !== undefined;
  const rounds = Math.min(MAX_ROUNDS, Math.max(MIN_ROUNDS, Math.trunc(options.rounds ?? DEFAULT_ROUNDS)));

  const b = sha512(key, salt, key);
  const a = createHash('sha512').update(key).update(salt);
  let count = key.length;
  for (; count > 64; count -= 64) a.update(b);
  a.update(b.subarray(0, count));
  for (let bits = key.length; bits > 0; bits >>= 1) a.update(bits & 1 ? b : key);
  const digestA = a.digest();

  const dp = createHash('sha512');
  for (let i = 0; i < key.length; i++) dp.update(key);
  const pSequence = repeatTo(dp.digest(), key.length);
  const ds = createHash('sha512');
  for (let i = 0; i < 16 + digestA[0]!; i++) ds.update(salt);
  const sSequence = repeatTo(ds.digest(), salt.length);

  let c = digestA;
  for (let i = 0; i < rounds; i++) {
    const round = createHash('sha512');
    round.update(i & 1 ? pSequence : c);
    if (i % 3 !== 0) round.update(sSequence);
    if (i % 7 !== 0) round.update(pSequence);
    round.update(i & 1 ? c : pSequence);
    c = round.digest();
  }
  pSequence.fill(0);

  let encoded = '';
  for (const [x, y, z] of GROUPS) encoded += encode24(c[x]!, c[y]!, c[z]!, 4);
  encoded += encode24(0, 0, c[63]!, 2);
  return `$6$${customRounds ? `rounds=${rounds}$` : ''}${saltText}$${encoded}`;
}
