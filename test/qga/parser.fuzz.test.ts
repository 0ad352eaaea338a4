/**
 * Property tests of the QGA framing and parsing: random and truncated byte streams,
 * JSON with junk in it. The splitter must cut the same messages however the input is
 * chunked, nothing may throw, the value parser must agree with JSON.parse on standard
 * JSON, and a live session must still answer after 0xFF + guest-sync-delimited.
 * Plus unit tests of the splitter on its own.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { protocolCommands } from '../../src/commands/qga/protocol-commands.js';
import { Dispatcher } from '../../src/core/dispatcher.js';
import { JsonFloat } from '../../src/core/json-float.js';
import { Listener } from '../../src/core/listener.js';
import { silentLogger } from '../../src/core/logger.js';
import { CommandPolicy } from '../../src/core/policy.js';
import { CommandRegistry } from '../../src/core/registry.js';
import { qgaProtocol, QmpSplitter, parseMessage, writeJson, type SplitEvent } from '../../src/protocols/qga/index.js';
import { UnixTransport } from '../../src/transports/unix.js';
import { QgaRawClient } from '../helpers/qga-raw-client.js';
import { makeTempDir } from '../helpers/temp.js';

/** Events as comparable text. */
function split(chunks: readonly Uint8Array[]): string[] {
  const events: SplitEvent[] = [];
  const splitter = new QmpSplitter((event) => events.push(event));
  for (const chunk of chunks) splitter.feed(Buffer.from(chunk));
  return events.map((event) => (event.kind === 'message' ? `M:${event.bytes.toString('latin1')}` : `E:${event.desc}`));
}

/** Bytes that matter to the lexer, so random streams reach its interesting states. */
const jsonishByte = fc.constantFrom(
  ...[...'{}[]:,"\'\\ \t\n\r-+.0123456789eEabflnrstu%@'].map((c) => c.charCodeAt(0)),
  0x00, 0x01, 0x7f, 0x80, 0xbf, 0xc0, 0xc3, 0xe2, 0xed, 0xf0, 0xf4, 0xf8, 0xfe, 0xff,
);
const jsonishBytes = fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.array(jsonishByte, { maxLength: 200 }).map((a) => Uint8Array.from(a)));

/** Splits `bytes` at the given cut points. */
function cut(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

/** JSON text with junk bytes inserted somewhere. */
const jsonWithJunk = fc
  .tuple(fc.json({ maxDepth: 3 }), fc.array(jsonishByte, { maxLength: 8 }), fc.nat())
  .map(([text, junk, at]) => {
    const bytes = Buffer.from(text, 'utf8');
    const position = at % (bytes.length + 1);
    return Buffer.concat([bytes.subarray(0, position), Uint8Array.from(junk), bytes.subarray(position)]);
  });

const anyStream = fc.oneof(jsonishBytes, jsonWithJunk, fc.json().map((text) => Buffer.from(text, 'utf8')));

/** Our parsed values in plain JSON.parse terms. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof JsonFloat) return value.value === 0 ? 0 : value.value;
  if (value === 0) return 0;
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, plain(member)]));
  }
  return value;
}

/** Code points QEMU refuses in strings: surrogates and noncharacters. */
function hasRefusedCodePoint(text: string): boolean {
  return /[\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]/u.test(text) || /\\u(d[89a-f]|fdd|fde|fffe|ffff)/i.test(text) ||
    [...text].some((char) => (char.codePointAt(0)! & 0xfffe) === 0xfffe);
}

describe('QGA splitter and parser properties', () => {
  test('the same messages and errors however the input is chunked', () => {
    fc.assert(
      fc.property(anyStream, fc.array(fc.nat(), { maxLength: 12 }), (bytes, cuts) => {
        assert.deepEqual(split(cut(bytes, cuts)), split([bytes]));
      }),
      { numRuns: 400 },
    );
  });

  test('byte-at-a-time feeding cuts the same messages', () => {
    fc.assert(
      fc.property(anyStream, (bytes) => {
        const single = [...bytes].map((byte) => Uint8Array.of(byte));
        assert.deepEqual(split(single), split([bytes]));
      }),
      { numRuns: 150 },
    );
  });

  test('every message parses to a value or a JSON parse error, and values print', () => {
    fc.assert(
      fc.property(anyStream, (bytes) => {
        const events: SplitEvent[] = [];
        new QmpSplitter((event) => events.push(event)).feed(Buffer.from(bytes));
        for (const event of events) {
          if (event.kind === 'error') {
            assert.match(event.desc, /^JSON (parse error, |token |nesting )/);
            continue;
          }
          const result = parseMessage(event.bytes);
          if (result.ok) assert.equal(typeof writeJson(result.value), 'string');
          else assert.match(result.desc, /^JSON parse error, /);
        }
      }),
      { numRuns: 400 },
    );
  });

  test('standard JSON parses as JSON.parse reads it, and prints back to the same value', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 4 }), (text) => {
        const result = parseMessage(Buffer.from(text, 'utf8'));
        if (!result.ok) {
          assert.ok(hasRefusedCodePoint(text), `refused ${text}: ${result.desc}`);
          return;
        }
        const expected = plain(JSON.parse(text));
        assert.deepEqual(plain(result.value), expected);
        assert.deepEqual(plain(JSON.parse(writeJson(result.value))), expected);
      }),
      { numRuns: 400 },
    );
  });
});

describe('a live session survives any input', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let listener: Listener;
  let socketPath: string;

  before(async () => {
    temp = makeTempDir('hostlink-fuzz-');
    socketPath = join(temp.path, 'fuzz.sock');
    const log = silentLogger();
    // Only the protocol commands: random input must not reach anything that acts.
    const registry = new CommandRegistry().registerAll(protocolCommands({ stateDir: temp.path, log }));
    listener = new Listener(new UnixTransport({ path: socketPath }), qgaProtocol, new Dispatcher(registry, CommandPolicy.allowAll()), log);
    await listener.start();
  });

  after(async () => {
    await listener.close();
    temp.remove();
  });

  test('after junk, 0xFF + guest-sync-delimited resynchronises and guest-ping answers', async () => {
    let syncId = 900_000_000;
    await fc.assert(
      fc.asyncProperty(anyStream, fc.array(fc.nat(), { maxLength: 4 }), async (bytes, cuts) => {
        const id = syncId++;
        const client = await QgaRawClient.connect(socketPath);
        try {
          for (const chunk of cut(bytes, cuts)) client.send(Buffer.from(chunk));
          client.send(Buffer.concat([Buffer.from([0xff]), Buffer.from(`{"execute":"guest-sync-delimited","arguments":{"id":${id}}}{"execute":"guest-ping","id":"after"}`)]));
          const marker = `\u00ff{"return": ${id}}`;
          for (;;) {
            const line = (await client.readLineBytes(5000)).toString('latin1');
            if (line === marker) break;
          }
          assert.equal((await client.readLineBytes(5000)).toString('latin1'), '{"return": {}, "id": "after"}');
        } finally {
          client.close();
        }
      }),
      { numRuns: 120 },
    );
  });
});

describe('QGA splitter unit', () => {
  test('cuts messages at balanced braces and top-level scalars', () => {
    assert.deepEqual(split([Buffer.from(' {"a":[1,{}]}\n[] 12 "s" true{')]), ['M:{"a":[1,{}]}', 'M:[]', 'M:12', 'M:"s"', 'M:true']);
  });

  test('a number or keyword at the end waits for the next byte', () => {
    assert.deepEqual(split([Buffer.from('123')]), []);
    assert.deepEqual(split([Buffer.from('123'), Buffer.from(' ')]), ['M:123']);
    assert.deepEqual(split([Buffer.from('nul'), Buffer.from('l,')]), ['M:null', 'M:,']);
  });

  test('reports the stray token and recovers at a structural character', () => {
    assert.deepEqual(split([Buffer.from('{"a": -x junk "more" , "b"} 1 ')]), [
      "E:JSON parse error, stray '-x'",
      'M:,',
      'M:"b"',
      'M:}',
      'M:1',
    ]);
  });

  test('0xFF resets a half-read message, even inside a string', () => {
    assert.deepEqual(split([Buffer.from('{"a":"b'), Buffer.from([0xff]), Buffer.from('{}')]), [
      'E:JSON parse error, stray \'"b\ufffd\'',
      'M:{}',
    ]);
  });

  test('a message whose braces go negative is handed on as it is', () => {
    assert.deepEqual(split([Buffer.from('{]')]), ['M:{]']);
  });

  test('whitespace inside a message is not kept without bound', () => {
    const whitespace = Buffer.alloc(4 * 1024 * 1024, 0x20);
    const chunks = [Buffer.from('["a  b",'), ...Array.from({ length: 64 }, (_, i) => whitespace.subarray(i * 65536, (i + 1) * 65536)), Buffer.from('1]')];
    const events: SplitEvent[] = [];
    const splitter = new QmpSplitter((event) => events.push(event));
    for (const chunk of chunks) splitter.feed(chunk);
    assert.equal(events.length, 1);
    const message = events[0]!;
    assert.equal(message.kind, 'message');
    if (message.kind !== 'message') return;
    assert.ok(message.bytes.length < 2 * 1024 * 1024, `kept ${message.bytes.length} bytes`);
    const parsed = parseMessage(message.bytes);
    assert.deepEqual(parsed, { ok: true, value: ['a  b', 1] });
  });
});
