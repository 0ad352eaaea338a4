import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { LineTail, OutputParser, parseStatsdLine } from '../../src/commands/node/output-protocol.js';

function parse(chunks: readonly string[], defaultLevel = 1): Array<[number, string]> {
  const messages: Array<[number, string]> = [];
  const parser = new OutputParser(defaultLevel, (level, text) => messages.push([level, text]));
  for (const chunk of chunks) parser.push(Buffer.from(chunk));
  parser.end();
  return messages;
}

test('N::text is one message at level N; plain lines are level 1 (stdout) or 2 (stderr)', () => {
  assert.deepEqual(parse(['hello\n3::public text\n7::careful\n']), [
    [1, 'hello'],
    [3, 'public text'],
    [7, 'careful'],
  ]);
  assert.deepEqual(parse(['oops\n'], 2), [[2, 'oops']]);
});

test('a multi-line block keeps its blank lines (the original dropped them)', () => {
  assert.deepEqual(parse(['20:::\n{\n\n  "a": 1\n\n}\n:::\nafter\n']), [
    [20, '{\n\n  "a": 1\n\n}'],
    [1, 'after'],
  ]);
});

test('a block cut off by the end of the stream is kept (the original discarded it)', () => {
  assert.deepEqual(parse(['20:::\nline one\n\nline three']), [[20, 'line one\n\nline three']]);
});

test('unknown levels and near misses are ordinary lines', () => {
  assert.deepEqual(parse(['99::x\n12::y\n20::::z\nabc::d\n']), [
    [1, '99::x'],
    [1, '12::y'],
    [20, '::z'],
    [1, 'abc::d'],
  ]);
});

test('CRLF line ends, a last line without newline, UTF-8 split across chunks', () => {
  const euro = Buffer.from('€');
  const messages: Array<[number, string]> = [];
  const parser = new OutputParser(1, (level, text) => messages.push([level, text]));
  parser.push(Buffer.from('a\r\n3::b'));
  parser.push(Buffer.concat([Buffer.from('c'), euro.subarray(0, 1)]));
  parser.push(Buffer.concat([euro.subarray(1), Buffer.from('\nlast')]));
  parser.end();
  assert.deepEqual(messages, [
    [1, 'a'],
    [3, 'bc€'],
    [1, 'last'],
  ]);
});

test('how the output is cut into chunks never changes the messages', () => {
  const line = fc.oneof(fc.constantFrom('20:::', ':::', '', '3::x', '9::boom', 'plain', '30:::', '11::d'), fc.string({ maxLength: 8 }).filter((text) => !text.includes('\n')));
  fc.assert(
    fc.property(fc.array(line, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 6 }), (lines, cuts) => {
      const text = lines.join('\n');
      const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
      const chunks: string[] = [];
      let start = 0;
      for (const point of points) {
        chunks.push(text.slice(start, point));
        start = point;
      }
      chunks.push(text.slice(start));
      assert.deepEqual(parse(chunks), parse([text]));
    }),
  );
});

test('statsd lines of level 10', () => {
  assert.deepEqual(parseStatsdLine('requests:3|c'), { key: 'requests', value: 3, type: 'c' });
  assert.deepEqual(parseStatsdLine('load:0.75|g'), { key: 'load', value: 0.75, type: 'g' });
  assert.deepEqual(parseStatsdLine('t:-12|ms'), { key: 't', value: -12, type: 'ms' });
  assert.equal(parseStatsdLine('no value|g'), undefined);
  assert.equal(parseStatsdLine('x:1|h'), undefined);
});

test('the stream tails keep the last lines', () => {
  const tail = new LineTail(3);
  for (let i = 1; i <= 10; i++) tail.push(`line ${i}`);
  assert.equal(tail.text(), 'line 8\nline 9\nline 10\n');
  assert.equal(new LineTail(3).text(), '');
});
