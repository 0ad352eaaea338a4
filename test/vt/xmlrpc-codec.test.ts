/**
 * The XML-RPC codec on its own: the XML reader's refusals and encodings, value decoding
 * as Python's unmarshaller reads it, the encoder's layout, and encode/decode round trips
 * of arbitrary values (property test). Python's own xmlrpc.client checks our output.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { JsonFloat } from '../../src/core/json-float.js';
import { decodeMethodCall, decodeMethodResponse, encodeCall, encodeFault, encodeResponse, type XmlRpcValue } from '../../src/protocols/xmlrpc/index.js';
import { readXml, type XmlHandler } from '../../src/protocols/xmlrpc/xml-reader.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../helpers/temp.js';
import { requirePython, runPython } from './vt-helpers.js';

function call(params: string, name = 'm'): XmlRpcValue[] {
  return decodeMethodCall(Buffer.from(`<?xml version="1.0"?><methodCall><methodName>${name}</methodName><params>${params}</params></methodCall>`)).params;
}

function one(value: string): XmlRpcValue {
  return call(`<param><value>${value}</value></param>`)[0]!;
}

function decodeError(body: string | Buffer): { message: string; excType: unknown } {
  try {
    decodeMethodCall(typeof body === 'string' ? Buffer.from(body) : body);
  } catch (error) {
    return { message: (error as Error).message, excType: (error as { data?: { excType?: unknown } }).data?.excType };
  }
  throw new Error('decoded without error');
}

test('scalars are read as Python reads them', () => {
  assert.equal(one('<int>42</int>'), 42);
  assert.equal(one('<i4> -7 </i4>'), -7);
  assert.equal(one('<i8>9007199254740993</i8>'), 9007199254740993n);
  assert.equal(one('<i8>-9223372036854775808</i8>'), -(2n ** 63n));
  assert.equal(one('<ex:i8 xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions">5</ex:i8>'), 5);
  assert.equal(one('<boolean>1</boolean>'), true);
  assert.equal(one('<boolean>0</boolean>'), false);
  assert.equal(one('<double>2.5</double>'), 2.5);
  assert.deepEqual(one('<double>2.0</double>'), new JsonFloat(2));
  assert.equal(one('<double>inf</double>'), Infinity);
  assert.ok(Number.isNaN(one('<double>nan</double>') as number));
  assert.equal(one('<string> spaced &amp; &lt;escaped&gt; &#233;&#x4E2D; </string>'), ' spaced & <escaped> é中 ');
  assert.equal(one('  untyped text  '), '  untyped text  ');
  assert.equal(one(''), '');
  assert.equal(one('<string><![CDATA[<raw & "cdata">]]></string>'), '<raw & "cdata">');
  assert.equal(one('<string>a\r\nb\rc</string>'), 'a\nb\nc');
  assert.equal(one('<nil/>'), null);
  assert.deepEqual(one('<base64>aGVs\nbG8=</base64>'), Buffer.from('hello'));
  assert.deepEqual(one('<dateTime.iso8601>20240102T03:04:05</dateTime.iso8601>'), new Date(Date.UTC(2024, 0, 2, 3, 4, 5)));
  assert.deepEqual(one('<dateTime.iso8601>2024-01-02T03:04:05+02:00</dateTime.iso8601>'), new Date(Date.UTC(2024, 0, 2, 1, 4, 5)));
});

test('structs and arrays, with whitespace and comments between elements', () => {
  const value = one(`<struct>
    <!-- a comment -->
    <member><name>a</name><value><array><data><value><int>1</int></value><value>two</value></data></array></value></member>
    <member><name>__proto__</name><value><int>3</int></value></member>
    <member><name>a</name><value>last wins</value></member>
  </struct>`) as Record<string, unknown>;
  assert.equal(value.a, 'last wins');
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(value, '__proto__')?.value, 3);
  assert.deepEqual(call(''), []);
  assert.deepEqual(decodeMethodCall(Buffer.from('<methodCall><methodName>x</methodName></methodCall>')).params, []);
});

test('values Python would refuse are refused, with its exception types', () => {
  assert.equal(decodeError('<methodCall><methodName>m</methodName><params><param><value><boolean>2</boolean></value></param></params></methodCall>').excType, 'TypeError');
  assert.equal(decodeError('<methodCall><methodName>m</methodName><params><param><value><int>1.5</int></value></param></params></methodCall>').excType, 'ValueError');
  assert.equal(decodeError('<methodCall><methodName>m</methodName><params><param><value><i8>9223372036854775808</i8></value></param></params></methodCall>').excType, 'OverflowError');
  assert.match(decodeError('<methodCall><methodName>m</methodName><params><param><value><int>1</int><int>2</int></value></param></params></methodCall>').message, /one value/);
  assert.match(decodeError('<methodCall><methodName>m</methodName><params><param><value><bogus/></value></param></params></methodCall>').message, /unknown XML-RPC element <bogus>/);
  assert.match(decodeError('<methodCall><params/></methodCall>').message, /no <methodName>/);
  assert.match(decodeError('<methodResponse><params/></methodResponse>').message, /not a <methodCall>/);
  assert.match(decodeError('<methodCall><methodName>m</methodName>stray text</methodCall>').message, /text is not allowed inside <methodCall>/);
});

test('the XML reader: well-formedness, no DOCTYPE, no entities beyond the predefined five', () => {
  const refusals: [string, RegExp][] = [
    ['<!DOCTYPE a><a/>', /DOCTYPE is not allowed/],
    ['<a>&ent;</a>', /undefined entity &ent;/],
    ['<a>&#0;</a>', /invalid character number/],
    ['<a>\u0001</a>', /invalid token/],
    ['<a><b></a></b>', /mismatched tag/],
    ['<a>', /no element found/],
    ['', /no element found/],
    ['<a/>junk', /junk after document element/],
    ['<a/><b/>', /junk after document element/],
    ['<a x="1" x="2"/>', /duplicate attribute/],
    ['<a x=1/>', /invalid token/],
    ['<a><?xml version="1.0"?></a>', /XML or text declaration not at start/],
    ['<1a/>', /invalid token/],
  ];
  const ignore: XmlHandler = { start() {}, end() {}, text() {} };
  for (const [source, expected] of refusals) {
    assert.throws(() => readXml(source, ignore, { maxDepth: 10 }), expected, source);
  }
  const events: string[] = [];
  readXml('\uFEFF<?xml version="1.0"?>\n<!-- c --><a k=\'v&amp;&gt;\'>x<?pi data?><b/>y</a>\n', { start: (n) => events.push(`+${n}`), end: (n) => events.push(`-${n}`), text: (d) => events.push(d) }, { maxDepth: 10 });
  assert.deepEqual(events, ['+a', 'x', '+b', '-b', 'y', '-a']);
  assert.throws(() => readXml('<a><a><a></a></a></a>', ignore, { maxDepth: 2 }), /nested deeper than 2/);
});

test('charsets: UTF-8 by default, the declared ISO-8859-1, UTF-16 with a BOM; bad bytes refused', () => {
  const latin1 = Buffer.concat([Buffer.from("<?xml version='1.0' encoding='iso-8859-1'?><methodCall><methodName>"), Buffer.from([0xe9]), Buffer.from('</methodName></methodCall>')]);
  assert.equal(decodeMethodCall(latin1).methodName, 'é');
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<methodCall><methodName>中</methodName></methodCall>', 'utf16le')]);
  assert.equal(decodeMethodCall(utf16).methodName, '中');
  assert.match(decodeError(Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0x3c, 0x2f, 0x61, 0x3e])).message, /not valid in the document encoding/);
  assert.match(decodeError("<?xml version='1.0' encoding='ebcdic'?><a/>").message, /unknown encoding "ebcdic"/);
});

test('the encoder: <i8> beyond 32 bits, nil, doubles, escaping, refusals', () => {
  assert.match(encodeResponse(2 ** 31 - 1), /<value><int>2147483647<\/int><\/value>/);
  assert.match(encodeResponse(2 ** 31), /<value><i8>2147483648<\/i8><\/value>/);
  assert.match(encodeResponse(-(2n ** 63n)), /<i8>-9223372036854775808<\/i8>/);
  assert.throws(() => encodeResponse(2n ** 63n), /int exceeds XML-RPC limits/);
  assert.match(encodeResponse(undefined), /<value><nil\/><\/value>/);
  assert.match(encodeResponse(new JsonFloat(2)), /<double>2\.0<\/double>/);
  assert.match(encodeResponse(Infinity), /<double>inf<\/double>/);
  assert.match(encodeResponse(1e300), /<double>1e\+300<\/double>/);
  assert.match(encodeResponse('a<b>&\r'), /<string>a&lt;b&gt;&amp;&#13;<\/string>/);
  assert.throws(() => encodeResponse('bell\u0007'), /cannot marshal a string/);
  assert.throws(() => encodeResponse(() => 1), /cannot marshal <function> objects/);
  assert.throws(() => encodeResponse(new (class Widget {})()), /cannot marshal <Widget> objects/);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(() => encodeResponse(cyclic), /nested deeper/);
  // A fault always goes out, even with characters XML cannot carry.
  assert.deepEqual(decodeMethodResponse(Buffer.from(encodeFault(3, 'bad\u0000byte'))), { kind: 'fault', faultCode: 3, faultString: 'bad\uFFFDbyte' });
});

/** Arbitrary XML-RPC values, as the decoder gives them back. */
const xmlRpcValue: fc.Arbitrary<XmlRpcValue> = fc.letrec<{ value: XmlRpcValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((value) => (Number.isSafeInteger(Number(value)) ? Number(value) : value)),
    fc.double({ noNaN: true }).map((value) => (Number.isInteger(value) ? new JsonFloat(value) : value)),
    fc.string({ unit: 'grapheme' }).map((text) => text.replace(/[\x00-\x08\x0B\x0C\x0E-\x1F\r\uFFFE\uFFFF]/g, '')),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
    fc.date({ min: new Date(Date.UTC(1000, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }).map((date) => new Date(Math.floor(date.getTime() / 1000) * 1000)),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 8 }).map((key) => key.replace(/[\x00-\x08\x0B\x0C\x0E-\x1F\r\uFFFE\uFFFF]/g, '')), tie('value'), { maxKeys: 5 }).map((members) => ({ ...members })),
  ),
})).value;

test('property: anything encoded decodes to the same value', () => {
  fc.assert(
    fc.property(fc.array(xmlRpcValue, { maxLength: 4 }), (params) => {
      const decoded = decodeMethodCall(Buffer.from(encodeCall('m', params))).params;
      assert.deepEqual(decoded, params);
      const response = decodeMethodResponse(Buffer.from(encodeResponse(params)));
      assert.deepEqual(response, { kind: 'result', value: params });
    }),
    { numRuns: 300 },
  );
});

test("Python's xmlrpc.client reads what the encoder writes", async (t) => {
  const python = requirePython(t);
  if (!python) return;
  const value = { i: 1, i8: 2 ** 40, big: -(2n ** 62n), d: 0.25, f: new JsonFloat(3), s: 'x<&>\r\u00e9\u{1F600}', n: null, b: Buffer.from([0, 255]), t: new Date(Date.UTC(2001, 1, 3, 4, 5, 6)), a: [true, false, []], e: {} };
  const temp = makeTempDir('hostlink-xmlrpc-');
  try {
    const responseFile = join(temp.path, 'response.xml');
    const faultFile = join(temp.path, 'fault.xml');
    writeFileSync(responseFile, encodeResponse(value));
    writeFileSync(faultFile, encodeFault(9, 'nine & <nine>'));
    const result = await runPython(
      python,
      `import sys, datetime, xmlrpc.client
(value,), _ = xmlrpc.client.loads(open(sys.argv[1], "rb").read(), use_builtin_types=True)
expected = {"i": 1, "i8": 2**40, "big": -2**62, "d": 0.25, "f": 3.0, "s": "x<&>\\r\\u00e9\\U0001F600", "n": None, "b": b"\\x00\\xff",
            "t": datetime.datetime(2001, 2, 3, 4, 5, 6), "a": [True, False, []], "e": {}}
assert value == expected, value
assert type(value["f"]) is float
try:
    xmlrpc.client.loads(open(sys.argv[2], "rb").read())
except xmlrpc.client.Fault as f:
    print(f.faultCode, f.faultString)`,
      [responseFile, faultFile],
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), '9 nine & <nine>');
  } finally {
    temp.remove();
  }
});
