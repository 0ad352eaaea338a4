/**
 * The order in which QEMU prints and walks the members of a JSON object. A QDict is a
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
