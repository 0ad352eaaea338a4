/**
 * Orders in which QEMU walks the members of a JSON object. Clients see them: replies
 * list members in QDict order, and when a request has several problems QEMU reports the
 * first it meets. Emulated here so hostlink answers byte for byte the same.
 *
 * QDict (printing replies, checking a request's top-level members): a
 * hash table of 512 buckets walked bucket by bucket; inside a bucket the member added
 * last comes first. The hash is tdb_hash() of the key's UTF-8 bytes. Replies must list
 * members in this order to be byte-identical to qemu-ga's, and request checks that
 * report "the first bad member" must walk them in this order too.
 */

const BUCKETS = 512;
const bucketCache = new Map<string, number>();

/** tdb_hash(key) % 512, computed in 32-bit unsigned arithmetic. */
export function qdictBucket(key: string): number {
  const cached = bucketCache.get(key);
  if (cached !== undefined) return cached;
  const bytes = modifiedUtf8(key);
  let value = Math.imul(0x238f13af, bytes.length) >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    value = (value + ((bytes[i]! << ((i * 5) % 24)) >>> 0)) >>> 0;
  }
  const hash = (Math.imul(1103515243, value) + 12345) >>> 0;
  const bucket = hash % BUCKETS;
  if (bucketCache.size < 10_000) bucketCache.set(key, bucket);
  return bucket;
}

/** QEMU stores a parsed "\u0000" as C0 80, so a key never holds a NUL byte. */
function modifiedUtf8(key: string): Buffer {
  if (!key.includes('\0')) return Buffer.from(key, 'utf8');
  const nul = Buffer.from([0xc0, 0x80]);
  const parts: Buffer[] = [];
  key.split('\0').forEach((part, index) => {
    if (index > 0) parts.push(nul);
    parts.push(Buffer.from(part, 'utf8'));
  });
  return Buffer.concat(parts);
}

/** Keys in QDict walk order, given the order they were inserted in. */
export function qdictOrder(keys: readonly string[]): string[] {
  if (keys.length <= 1) return keys.slice();
  const indexed = keys.map((key, index) => ({ key, index, bucket: qdictBucket(key) }));
  indexed.sort((a, b) => a.bucket - b.bucket || b.index - a.index);
  return indexed.map((entry) => entry.key);
}

/** GLib's g_str_hash() (djb2 over signed chars). */
function gStrHash(key: string): number {
  const bytes = Buffer.from(key, 'utf8');
  let hash = 5381;
  for (const byte of bytes) hash = (Math.imul(hash, 33) + (byte >= 0x80 ? byte - 0x100 : byte)) >>> 0;
  return hash < 2 ? 2 : hash; // 0 and 1 mark unused and deleted slots
}

const GHASH_PRIME_MOD = [1, 2, 3, 7, 13, 31, 61, 127, 251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071];

/**
 * The order GLib's GHashTable iterates keys inserted in the given order (open addressing
 * with triangular probing, index = hash * 11 % prime, growth rehashing in place).
 * QEMU's argument checks put a struct's members in one and report the first member left
 * unvisited as "Parameter 'x' is unexpected".
 */
export function ghashTableOrder(keys: readonly string[]): string[] {
  let shift = 3;
  let size = 8;
  let hashes: number[] = new Array<number>(size).fill(0);
  let slots: (string | undefined)[] = new Array<string | undefined>(size);
  let count = 0;
  const indexOf = (hash: number): number => (Math.imul(hash, 11) >>> 0) % GHASH_PRIME_MOD[shift]!;
  for (const key of keys) {
    const hash = gStrHash(key);
    let index = indexOf(hash);
    let step = 0;
    while (hashes[index] !== 0) {
      if (slots[index] === key) break;
      index = (index + ++step) & (size - 1);
    }
    if (hashes[index] !== 0) continue; // duplicate key: QDict keys are unique anyway
    hashes[index] = hash;
    slots[index] = key;
    count++;
    if (size <= count + (count >> 4)) {
      // g_hash_table_resize(): new size from count * 1.333, then rehash in place.
      const oldSize = size;
      let wanted = Math.trunc(count * 1.333);
      shift = 0;
      while (wanted) {
        wanted >>= 1;
        shift++;
      }
      shift = Math.max(shift, 3);
      size = 1 << shift;
      hashes = hashes.concat(new Array<number>(size - oldSize).fill(0));
      slots = slots.concat(new Array<string | undefined>(size - oldSize));
      const placed = new Array<boolean>(size).fill(false);
      for (let i = 0; i < oldSize; i++) {
        if (hashes[i] === 0 || placed[i]) continue;
        let movingHash = hashes[i]!;
        let movingKey = slots[i];
        hashes[i] = 0;
        slots[i] = undefined;
        for (;;) {
          let target = indexOf(movingHash);
          let probe = 0;
          while (placed[target]) target = (target + ++probe) & (size - 1);
          placed[target] = true;
          const replacedHash = hashes[target]!;
          const replacedKey = slots[target];
          hashes[target] = movingHash;
          slots[target] = movingKey;
          if (replacedHash === 0) break;
          movingHash = replacedHash;
          movingKey = replacedKey;
        }
      }
    }
  }
  return slots.filter((key): key is string => key !== undefined);
}

/**
 * The member QEMU reports as unexpected among `extra` (the members a struct check did not
 * use), given all the object's members in insertion order.
 */
export function firstUnexpectedMember(allKeys: readonly string[], extra: ReadonlySet<string>): string | undefined {
  if (extra.size === 0) return undefined;
  if (extra.size === 1) return extra.values().next().value;
  return ghashTableOrder(qdictOrder(allKeys)).find((key) => extra.has(key));
}
