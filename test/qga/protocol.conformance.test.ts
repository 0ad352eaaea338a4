/**
 * The same bytes to the real qemu-ga 7.2 and to hostlink's agent: the replies must be
 * byte-identical. Strings below are written in latin1, so "\u00ff" is the byte 0xFF.
 *
 * qemu-ga serves one client at a time and keeps its parser state across clients, so
 * every case ends with a guest-ping that must be answered (which also shows each agent
 * recovered from whatever the case sent).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHostlinkQga, type RunningHostlinkQga } from '../helpers/hostlink-qga.js';
import { findProgram, requireProgram } from '../helpers/peers.js';
import { compareAgents, exchange, replyTexts } from '../helpers/qga-compare.js';
import { startQemuGa, type RunningQgaPeer } from '../helpers/qga-peer.js';

const PING_END = '{"execute":"guest-ping","id":"end"}';
const PONG_END = '{"return": {}, "id": "end"}';

interface Case {
  readonly name: string;
  /** Bytes to send, one write each (latin1 strings). */
  readonly parts: readonly string[];
  /** Reply lines expected before the closing ping's (documentation; qemu-ga decides). */
  readonly lines?: number;
}

const ping = (id: string): string => `{"execute":"guest-ping","id":${id}}`;
const sync = (args: string): string => `{"execute":"guest-sync","arguments":${args}}`;

const CASES: readonly Case[] = [
  // Happy paths and ids of every JSON type.
  { name: 'guest-ping without id', parts: ['{"execute":"guest-ping"}'], lines: 1 },
  { name: 'integer id', parts: [ping('1')], lines: 1 },
  { name: 'string id', parts: [ping('"abc"')], lines: 1 },
  { name: 'null, true and false ids', parts: [ping('null') + ping('true') + ping('false')], lines: 3 },
  { name: 'array and nested object id (members in QDict order)', parts: [ping('[1,{"z":1,"y":[],"x":{}}]')], lines: 1 },
  { name: 'members in one hash bucket print newest first', parts: [ping('{"k10":1,"k11":2,"k12":3,"a":0}')], lines: 1 },
  {
    name: 'numbers: int64, uint64, beyond, floats as %.17g',
    parts: [ping('[0,-0,-0.0,1.0,0.1,1e5,1e-7,1e400,-1e400,9223372036854775807,-9223372036854775808,9223372036854775808,18446744073709551615,18446744073709551616,-9223372036854775809,123456789.123456789,5e-324]')],
    lines: 1,
  },
  {
    name: 'string escapes and unicode in ids',
    parts: [ping('"\\/\\b\\f\\n\\r\\t\\\'\\"\\\\ \\u0000\\u001f\\u007f\\u0080\\u00e9\\uFFFD\\ud83d\\ude00"')],
    lines: 1,
  },
  { name: 'raw UTF-8 in a string, C0 80 as NUL', parts: [ping('"\u00c3\u00a9\u00f0\u009f\u0098\u0080\u00c0\u0080"')], lines: 1 },
  { name: 'single-quoted strings', parts: ["{'execute':'guest-ping','id':'it\\'s \"x\"'}"], lines: 1 },
  { name: '__proto__ and other odd keys in an id', parts: [ping('{"__proto__":1,"constructor":2,"":3,"\\u0000":4}')], lines: 1 },
  { name: 'guest-sync echoes its id', parts: [sync('{"id":9223372036854775807}') + sync('{"id":-1}')], lines: 2 },
  { name: 'guest-sync-delimited reply starts with 0xFF', parts: ['{"execute":"guest-sync-delimited","arguments":{"id":7},"id":"q"}'], lines: 1 },

  // Framing: whitespace, newlines, pipelining, split writes.
  { name: 'empty input and whitespace only', parts: ['', ' \t\r\n\n  '], lines: 0 },
  { name: 'CRLF between requests', parts: [`${ping('1')}\r\n${ping('2')}\r\n`], lines: 2 },
  { name: 'many requests in one write', parts: [Array.from({ length: 200 }, (_, i) => ping(String(i))).join('')], lines: 200 },
  { name: 'one request split byte by byte', parts: [...sync('{"id":5}')], lines: 1 },
  { name: 'one request split inside tokens', parts: ['{"exec', 'ute":"guest-', 'sync","arguments":{"id":12', '34}}'], lines: 1 },

  // Resynchronisation.
  { name: '0xFF gives a stray error and resets', parts: ['\u00ff' + ping('1')], lines: 2 },
  { name: '0xFF inside a half-sent request', parts: ['{"execute":"guest-ping","id":[1,', '\u00ff', ping('2')], lines: 2 },
  { name: '0xFE inside a string', parts: ['{"execute":"guest-ping","id":"ab\u00fecd"}'], lines: 2 },
  { name: '0xFF then guest-sync-delimited', parts: ['{"execute":"gue\u00ff{"execute":"guest-sync-delimited","arguments":{"id":99}}'], lines: 2 },

  // Lexical errors and recovery.
  { name: "stray characters", parts: ["@ # %d \f \u000b \u0000 A"], lines: 4 },
  { name: 'lexical error inside an object, recovery to a structural char', parts: ['{"a": @} {"b": $x, "c"}'], lines: 5 },
  { name: 'control character inside a string', parts: ['{"execute":"guest-ping","id":"a\u0001b"}'], lines: 2 },
  { name: 'NUL inside a string cuts the stray text', parts: ['"a\u0000b" '], lines: 2 },
  { name: 'invalid UTF-8 in stray text becomes U+FFFD', parts: ['"abc\u00c3\u00a9\u00ff" "ab\u00c3\u0001" '], lines: 3 },
  { name: 'malformed numbers', parts: ['01 -x1 - 1 1. 1.e5 1e+ '], lines: 9 },
  { name: 'unknown keywords', parts: ['garbage tru nul '], lines: 3 },
  { name: 'tab does not end recovery, newline does', parts: ['@abc\tdef\n' + ping('1')], lines: 2 },

  // Parse errors.
  ...[
    '{1:2}', '{"a" 1}', '[1 2]', '{"a":1 "b":2}', '[,]', '[1,]', '{"a":1,}', '{"a":}', '{,}', '{"a":1]', '[1}',
    '{]', '[}', '{"a":[}}', '[{]]', '[{"a"]]', '{[1]:2}', '}', ']', ',', ':',
  ].map((text) => ({ name: `grammar error ${text}`, parts: [text], lines: 1 })),
  { name: 'duplicate key', parts: [ping('{"a":1,"a":2}')], lines: 1 },
  { name: 'invalid escape', parts: [ping('"\\q"')], lines: 1 },
  { name: 'invalid \\u escapes', parts: [ping('"\\uFFFF"') + ping('"\\uD800"') + ping('"\\uD800\\u0041"') + ping('"\\u12"') + ping('"\\uzzzz"') + ping('"\\u12\u00c3\u00a9"') + ping('"\\uFDD0"')], lines: 7 },
  { name: 'invalid UTF-8 sequences', parts: [ping('"\u00ef\u00bf\u00bf"') + ping('"\u00e0\u0080\u0080"') + ping('"\u00ed\u00a0\u0080"') + ping('"\u00f8\u0088\u0080\u0080\u0080"') + ping('"ab\u00e2\u0082"')], lines: 5 },

  // Request object checks.
  { name: 'non-object requests', parts: ['[1] 1 "x" null true '], lines: 5 },
  { name: 'missing execute', parts: ['{} {"id":1}'], lines: 2 },
  { name: 'execute not a string', parts: ['{"execute":1,"id":2}'], lines: 1 },
  { name: 'arguments not an object', parts: ['{"execute":"guest-ping","arguments":[]}{"execute":"guest-ping","arguments":null}'], lines: 2 },
  { name: 'unexpected members (first in QDict order)', parts: ['{"execute":"guest-ping","foo":1,"bar":2}{"execute":"guest-ping","k10":1,"k11":2,"id":3}'], lines: 2 },
  { name: 'exec-oob is not accepted', parts: ['{"exec-oob":"guest-ping"}'], lines: 1 },
  { name: 'unknown commands', parts: ['{"execute":"nope","id":[1]}{"execute":"GUEST-PING"}{"execute":""}{"execute":"guest-\u00c3\u00a9"}'], lines: 4 },

  // Argument errors (QAPI input visitor texts).
  ...[
    ['missing', '{}'],
    ['wrong type', '{"id":"s"}'],
    ['null', '{"id":null}'],
    ['float with integral value', '{"id":1.0}'],
    ['exponent form', '{"id":1e2}'],
    ['beyond int64', '{"id":9223372036854775808}'],
    ['one unexpected', '{"id":1,"x":2}'],
    ['several unexpected (GLib hash order)', '{"id":1,"zz":1,"aa":2,"mm":3}'],
    ['several unexpected, other order', '{"id":1,"a6":1,"b42":1,"c78":1}'],
    ['many unexpected (hash table grows)', '{"id":1,"alpha":1,"beta":1,"gamma":1,"delta":1,"eps":1,"zeta":1,"eta":1,"theta":1,"iota":1,"kappa":1,"lambda":1,"mu":1}'],
  ].map(([what, args]) => ({ name: `guest-sync argument: ${what!}`, parts: [sync(args!)], lines: 1 })),
  { name: 'arguments to a command that takes none', parts: ['{"execute":"guest-ping","arguments":{"x":1}}{"execute":"guest-ping","arguments":{"a9":1,"b63":1,"c117":1}}'], lines: 2 },
  { name: 'guest-sync-delimited with bad arguments has no 0xFF', parts: ['{"execute":"guest-sync-delimited","arguments":{"id":"x"}}'], lines: 1 },
];

/** Cases with large inputs: qemu-ga's token count, token size and nesting limits. */
const MiB = 1024 * 1024;
const LIMIT_CASES: readonly Case[] = [
  { name: 'nesting 1024 is accepted', parts: ['['.repeat(1024) + ']'.repeat(1024)], lines: 1 },
  { name: 'nesting 1025 is refused, then each ] is an error', parts: ['['.repeat(1025) + ']'.repeat(1025)], lines: 1026 },
  { name: 'objects nested too deep', parts: ['{"a":'.repeat(1025) + '1' + '}'.repeat(1025)], lines: 1030 },
  { name: '2097151 tokens are accepted', parts: [`{"execute":"guest-ping","id":[${'0,'.repeat(1048570)}0]}`], lines: 1 },
  { name: '2097153 tokens are refused at the last token', parts: [`{"execute":"guest-ping","id":[${'0,'.repeat(1048571)}0]}`], lines: 1 },
  { name: 'a 64 MiB - 1 byte token is accepted', parts: ['"' + 'a'.repeat(64 * MiB - 3) + '" '], lines: 1 },
  { name: 'a 64 MiB token is refused', parts: ['"' + 'a'.repeat(64 * MiB - 2) + '" '], lines: 1 },
  { name: 'a string longer than 64 MiB is cut and lexing goes on', parts: ['"' + 'a'.repeat(64 * MiB) + '"\n"'], lines: 2 },
  { name: 'a number longer than 64 MiB is cut and lexing goes on', parts: ['1'.repeat(64 * MiB + 10) + ' '], lines: 2 },
];

describe('QGA protocol conformance with qemu-ga 7.2', () => {
  let reference: RunningQgaPeer | undefined;
  let blockedReference: RunningQgaPeer | undefined;
  let hostlink: RunningHostlinkQga;
  let blockedHostlink: RunningHostlinkQga;
  const blockList = ['guest-sync-delimited', 'guest-exec', 'guest-get-time'];

  before(async () => {
    const qemuGa = findProgram('qemu-ga');
    if (!qemuGa) return;
    reference = await startQemuGa(qemuGa);
    blockedReference = await startQemuGa(qemuGa, { args: ['-b', blockList.join(',')] });
    hostlink = await startHostlinkQga();
    blockedHostlink = await startHostlinkQga({ policy: { block: blockList } });
  });

  after(async () => {
    await reference?.stop();
    await blockedReference?.stop();
    await hostlink?.stop();
    await blockedHostlink?.stop();
  });

  async function check(c: Case, ref: RunningQgaPeer, ours: RunningQgaPeer, timeoutMs = 5000): Promise<void> {
    const parts = [...c.parts, PING_END];
    const replies = await compareAgents(ref.socketPath, ours.socketPath, parts, { untilLine: PONG_END, timeoutMs, settleMs: 20 });
    assert.equal(replies.reference.at(-1), PONG_END, `qemu-ga did not answer the closing ping: ${replies.reference.join('\n').slice(-500)}`);
    if (c.lines !== undefined && c.lines > 0) assert.ok(replies.reference.length > 1, 'the case produced replies');
    assert.deepEqual(replies.hostlink, replies.reference);
  }

  for (const c of CASES) {
    test(c.name, async (t) => {
      if (!requireProgram(t, 'qemu-ga', 'qemu-guest-agent') || !reference) return;
      await check(c, reference, hostlink);
    });
  }

  for (const c of LIMIT_CASES) {
    test(`limit: ${c.name}`, async (t) => {
      if (!requireProgram(t, 'qemu-ga', 'qemu-guest-agent') || !reference) return;
      await check(c, reference, hostlink, 60_000);
    });
  }

  test('blocked commands answer CommandNotFound "has been disabled"', async (t) => {
    if (!requireProgram(t, 'qemu-ga', 'qemu-guest-agent') || !blockedReference) return;
    await check(
      {
        name: 'blocked',
        parts: [
          '{"execute":"guest-sync-delimited","arguments":{"id":1},"id":1}',
          '{"execute":"guest-get-devices"}',
          '{"execute":"guest-get-time","id":"t"}',
          '{"execute":"guest-sync","arguments":{"id":3}}',
        ],
        lines: 4,
      },
      blockedReference,
      blockedHostlink,
    );
  });

  test('guest-info has qemu-ga\'s shape and agrees on common commands', async (t) => {
    if (!requireProgram(t, 'qemu-ga', 'qemu-guest-agent') || !blockedReference) return;
    const request = ['{"execute":"guest-info","id":"i"}'];
    const [ref] = replyTexts(await exchange(blockedReference.socketPath, request, { expectLines: 1 }));
    const [ours] = replyTexts(await exchange(blockedHostlink.socketPath, request, { expectLines: 1 }));
    const entry = /\{"enabled": (true|false), "name": "([^"]+)", "success-response": (true|false)\}/g;
    const shape = /^\{"return": \{"version": "\d+\.\d+\.\d+", "supported_commands": \[(.*)\]\}, "id": "i"\}$/;
    for (const line of [ref!, ours!]) {
      const match = shape.exec(line);
      assert.ok(match, line.slice(0, 200));
      assert.equal(match[1]!.replace(entry, '').replace(/, /g, ''), '', 'only command entries in the list');
    }
    const entries = (line: string): Map<string, string> =>
      new Map([...line.matchAll(entry)].map((m) => [m[2]!, `${m[1]} ${m[3]}`]));
    const refEntries = entries(ref!);
    const ourEntries = entries(ours!);
    const common = [...refEntries.keys()].filter((name) => ourEntries.has(name));
    assert.ok(common.includes('guest-ping') && common.includes('guest-sync-delimited'));
    for (const name of common) assert.equal(ourEntries.get(name), refEntries.get(name), name);
    // Common commands come in the same order (qemu-ga lists newest first).
    assert.deepEqual([...ourEntries.keys()].filter((name) => refEntries.has(name)), common);
    assert.equal(ourEntries.get('guest-exec') ?? 'false true', 'false true');
  });
});
