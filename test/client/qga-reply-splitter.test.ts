import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ReplySplitter } from '../../src/client/qga/reply-splitter.js';

function feed(splitter: ReplySplitter, chunks: Buffer[]): Array<{ text: string; delimited: boolean }> {
  return chunks.flatMap((chunk) => splitter.push(chunk)).map((line) => ({ text: line.bytes.toString('latin1'), delimited: line.delimited }));
}

test('lines come out the same however the stream is cut', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: fc.constantFrom('a', '{', '}', '"', ' ', '1') , minLength: 1, maxLength: 30 }), { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 6 }), (lines, cuts) => {
      const stream = Buffer.from(lines.map((line) => `${line}\n`).join(''), 'latin1');
      const points = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b);
      const chunks: Buffer[] = [];
      let last = 0;
      for (const point of [...points, stream.length]) {
        chunks.push(stream.subarray(last, point));
        last = point;
      }
      const expected = lines.filter((line) => line.trim() !== '').map((text) => ({ text, delimited: false }));
      assert.deepEqual(feed(new ReplySplitter(), chunks), expected);
    }),
  );
});

test('a 0xFF sentinel drops the partial line before it and flags the next line', () => {
  const splitter = new ReplySplitter();
  const out = feed(splitter, [Buffer.from('{"return": 1}\n{"ret'), Buffer.from([0xff]), Buffer.from('{"return": 2}\n{"return": 3}\n')]);
  assert.deepEqual(out, [
    { text: '{"return": 1}', delimited: false },
    { text: '{"return": 2}', delimited: true },
    { text: '{"return": 3}', delimited: false },
  ]);
});

test('discard mode drops whole lines until the sentinel', () => {
  const splitter = new ReplySplitter();
  splitter.discardUntilSentinel();
  const out = feed(splitter, [Buffer.from('{"error": {}}\n{"stale": tr'), Buffer.from('ue}\n\xff{"return": 7}\n', 'latin1')]);
  assert.deepEqual(out, [{ text: '{"return": 7}', delimited: true }]);
  assert.equal(splitter.isDiscarding, false);
});

test('a reply over the size limit throws and the splitter waits for the next sentinel', () => {
  const splitter = new ReplySplitter(16);
  assert.throws(() => splitter.push(Buffer.from('0123456789abcdefghij')), /larger than 16 bytes/);
  assert.equal(splitter.isDiscarding, true);
  assert.deepEqual(feed(splitter, [Buffer.from('more\n\xff{"return": 1}\n', 'latin1')]), [{ text: '{"return": 1}', delimited: true }]);
});

test('a large reply in many chunks comes out whole', () => {
  const splitter = new ReplySplitter();
  const body = 'x'.repeat(5 * 1024 * 1024);
  const stream = Buffer.from(`{"return": "${body}"}\n`);
  const lines = [];
  for (let offset = 0; offset < stream.length; offset += 65536) lines.push(...splitter.push(stream.subarray(offset, offset + 65536)));
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.bytes.length, stream.length - 1);
  assert.equal(splitter.bufferedBytes, 0);
});
