/**
 * A minimal pickle writer (protocol 2) for one thing: the dict of LogRecord fields that
 * Python's logging.handlers.SocketHandler sends, which the receiving side reads with
 * pickle.loads and logging.makeLogRecord. Written by hand because no maintained npm
 * package writes pickles, and this needs only dicts and lists of str, int, float, bool
 * and None: a few opcodes, no memo, no classes (so nothing the reader could be made to
 * execute).
 */

const PROTO = 0x80;
const STOP = 0x2e; // .
const NONE = 0x4e; // N
const NEWTRUE = 0x88;
const NEWFALSE = 0x89;
const BININT = 0x4a; // J: 4-byte signed little-endian
const BININT1 = 0x4b; // K: 1-byte unsigned
const BININT2 = 0x4d; // M: 2-byte unsigned little-endian
const LONG1 = 0x8a; // length byte + two's complement little-endian
const BINFLOAT = 0x47; // G: 8-byte big-endian IEEE 754
const BINUNICODE = 0x58; // X: 4-byte little-endian length + UTF-8
const EMPTY_DICT = 0x7d; // }
const EMPTY_LIST = 0x5d; // ]
const MARK = 0x28; // (
const SETITEMS = 0x75; // u
const APPENDS = 0x65; // e

export type PickleValue = null | undefined | boolean | number | bigint | string | PickleValue[] | { readonly [key: string]: PickleValue };

class ByteSink {
  private buffer = Buffer.allocUnsafe(512);
  length = 0;

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  bytes(value: Uint8Array): void {
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
  }

  uint32le(value: number): void {
    this.reserve(4);
    this.buffer.writeUInt32LE(value, this.length);
    this.length += 4;
  }

  int32le(value: number): void {
    this.reserve(4);
    this.buffer.writeInt32LE(value, this.length);
    this.length += 4;
  }

  uint16le(value: number): void {
    this.reserve(2);
    this.buffer.writeUInt16LE(value, this.length);
    this.length += 2;
  }

  doubleBE(value: number): void {
    this.reserve(8);
    this.buffer.writeDoubleBE(value, this.length);
    this.length += 8;
  }

  result(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

/** Minimal two's complement little-endian bytes of `value` (pickle's LONG1 payload). */
function longBytes(value: bigint): number[] {
  const bytes: number[] = [];
  let rest = value;
  for (;;) {
    const byte = Number(rest & 0xffn);
    bytes.push(byte);
    rest >>= 8n;
    // Done when the remaining bits are all sign and the sign bit of `byte` agrees.
    if ((rest === 0n && (byte & 0x80) === 0) || (rest === -1n && (byte & 0x80) !== 0)) return bytes;
  }
}

function writeInteger(sink: ByteSink, value: bigint): void {
  if (value >= 0n && value <= 0xffn) {
    sink.byte(BININT1);
    sink.byte(Number(value));
  } else if (value >= 0n && value <= 0xffffn) {
    sink.byte(BININT2);
    sink.uint16le(Number(value));
  } else if (value >= -(2n ** 31n) && value < 2n ** 31n) {
    sink.byte(BININT);
    sink.int32le(Number(value));
  } else {
    const bytes = longBytes(value);
    if (bytes.length > 255) throw new TypeError('integer too large for this pickle writer');
    sink.byte(LONG1);
    sink.byte(bytes.length);
    sink.bytes(Uint8Array.from(bytes));
  }
}

function writeValue(sink: ByteSink, value: PickleValue, depth: number): void {
  if (depth > 32) throw new TypeError('pickle value nested too deeply');
  if (value === null || value === undefined) return sink.byte(NONE);
  switch (typeof value) {
    case 'boolean':
      return sink.byte(value ? NEWTRUE : NEWFALSE);
    case 'bigint':
      return writeInteger(sink, value);
    case 'number':
      if (Number.isSafeInteger(value)) return writeInteger(sink, BigInt(value));
      sink.byte(BINFLOAT);
      return sink.doubleBE(value);
    case 'string': {
      const utf8 = Buffer.from(value, 'utf8');
      sink.byte(BINUNICODE);
      sink.uint32le(utf8.length);
      return sink.bytes(utf8);
    }
    default:
      break;
  }
  if (Array.isArray(value)) {
    sink.byte(EMPTY_LIST);
    if (value.length === 0) return;
    sink.byte(MARK);
    for (const item of value) writeValue(sink, item, depth + 1);
    return sink.byte(APPENDS);
  }
  sink.byte(EMPTY_DICT);
  const entries = Object.entries(value);
  if (entries.length === 0) return;
  sink.byte(MARK);
  for (const [key, member] of entries) {
    writeValue(sink, key, depth + 1);
    writeValue(sink, member, depth + 1);
  }
  sink.byte(SETITEMS);
}

/**
 * Pickles `value` with protocol 2. Whole-number floats cannot be told from ints in
 * JavaScript; fields that must be floats in Python (created, msecs) go through
 * `floats` so they are written as BINFLOAT.
 */
export function pickleDumps(value: PickleValue, floats: ReadonlySet<string> = new Set()): Buffer {
  const sink = new ByteSink();
  sink.byte(PROTO);
  sink.byte(2);
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && floats.size > 0) {
    sink.byte(EMPTY_DICT);
    const entries = Object.entries(value);
    if (entries.length > 0) {
      sink.byte(MARK);
      for (const [key, member] of entries) {
        writeValue(sink, key, 1);
        if (floats.has(key) && typeof member === 'number') {
          sink.byte(BINFLOAT);
          sink.doubleBE(member);
        } else {
          writeValue(sink, member, 1);
        }
      }
      sink.byte(SETITEMS);
    }
  } else {
    writeValue(sink, value, 0);
  }
  sink.byte(STOP);
  return sink.result();
}
