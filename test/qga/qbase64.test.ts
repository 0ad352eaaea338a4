import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { qbase64Decode } from '../../src/commands/qga/qbase64.js';

test('well-formed base64 decodes as Node decodes it', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const text = Buffer.from(bytes).toString('base64');
      assert.deepEqual(qbase64Decode(text), Buffer.from(bytes));
    }),
  );
});

test('GLib leniency: newlines skipped, short groups dropped, "=" anywhere ends bytes of its group', () => {
  const text = (value: string): string => qbase64Decode(value).toString('latin1');
  assert.equal(text('aGVs\nbG8='), 'hello');
  assert.equal(text('aGVsbG8'), 'hel');
  assert.equal(text('aGVsbG8=aGVs'), 'hellohel');
  assert.equal(text('aGVsbA='), 'hel');
  assert.equal(text('aGV'), '');
  assert.equal(text(''), '');
  assert.equal(qbase64Decode('ab=c').length, 2);
  assert.equal(qbase64Decode('====').length, 1);
});

test('anything outside the alphabet, "=" and newline is refused with qemu-ga\'s text', () => {
  for (const bad of ['!!', 'aGVs bG8=', 'aGVs\rbG8=', 'aGVs\u0000', 'é']) {
    assert.throws(() => qbase64Decode(bad), { message: 'Base64 data contains invalid characters' });
  }
});
