/**
 * Property tests of the parsers behind the system-info commands, each against an
 * independent implementation: IPv6 text against the WHATWG URL serializer, time zone
 * files and rules against ICU (Intl), mount-name unescaping and utmp against encoders.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatIpv6, prefixLengthOfNetmask } from '../../src/commands/qga/info/ip-format.js';
import { decodeMountName } from '../../src/commands/qga/info/mounts.js';
import { replaceSpecial } from '../../src/commands/qga/info/os-release.js';
import { evaluatePosixTzRule, parsePosixTzRule } from '../../src/commands/qga/info/posix-tz-rule.js';
import { parseTzif, zoneStateAt } from '../../src/commands/qga/info/tzif.js';
import { encodeUtmpRecord, parseUtmp, USER_PROCESS } from '../../src/commands/qga/info/utmp.js';

test('IPv6 text matches the URL serializer (same "::" rule) and inet_ntop\'s dotted forms', () => {
  const word = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
  fc.assert(
    fc.property(fc.array(word, { minLength: 8, maxLength: 8 }), (words) => {
      const bytes = Buffer.alloc(16);
      words.forEach((value, index) => bytes.writeUInt16BE(value, index * 2));
      const leadingZeros = words.findIndex((value) => value !== 0);
      const dotted = leadingZeros === 6 || (leadingZeros === 5 && words[5] === 0xffff);
      // inet_ntop prints those as ::a.b.c.d, the URL serializer does not (checked below).
      if (dotted) return;
      const expected = new URL(`http://[${words.map((value) => value.toString(16)).join(':')}]/`).hostname.slice(1, -1);
      assert.equal(formatIpv6(bytes), expected);
    }),
    { numRuns: 2000 },
  );
  const fromWords = (...words: number[]) => {
    const bytes = Buffer.alloc(16);
    words.forEach((value, index) => bytes.writeUInt16BE(value, index * 2));
    return formatIpv6(bytes);
  };
  assert.equal(fromWords(0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201), '::ffff:192.0.2.1');
  assert.equal(fromWords(0, 0, 0, 0, 0, 0, 0xc000, 0x0201), '::192.0.2.1');
  assert.equal(fromWords(0, 0, 0, 0, 0, 0, 0, 1), '::1');
  assert.equal(fromWords(0, 0, 0, 0, 0, 0, 0, 0), '::');
  assert.equal(fromWords(1, 0, 0, 2, 0, 0, 0, 3), '1:0:0:2::3');
  assert.equal(prefixLengthOfNetmask('255.255.240.0'), 20);
  assert.equal(prefixLengthOfNetmask('ffff:ffff:ffff:ff00::'), 56);
});

/** The UTC offset ICU gives for `zone` at `unixSeconds`, in seconds. */
function icuOffset(zone: string, unixSeconds: number): number {
  const text = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
    .formatToParts(new Date(unixSeconds * 1000))
    .find((part) => part.type === 'timeZoneName')?.value;
  const match = /GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(text ?? '');
  if (!match || !match[1]) return 0;
  const seconds = Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4] ?? 0);
  return match[1] === '-' ? -seconds : seconds;
}

// Zones whose rules have been stable for years, so ICU's and the system's tzdata agree.
const ZONES = ['America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'America/Sao_Paulo', 'Asia/Kolkata', 'Pacific/Chatham', 'America/St_Johns'];

test('TZif files give the offsets ICU gives, before and after their last transition', (t) => {
  for (const zone of ZONES) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(`/usr/share/zoneinfo/${zone}`);
    } catch {
      t.skip('zoneinfo missing: install the Debian package tzdata');
      return;
    }
    const data = parseTzif(bytes);
    assert.ok(data, zone);
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1990, 0, 1) / 1000, max: Date.UTC(2099, 11, 31) / 1000 }), (instant) => {
        assert.equal(zoneStateAt(data, instant)?.offset, icuOffset(zone, instant), `${zone} at ${new Date(instant * 1000).toISOString()}`);
      }),
      { numRuns: 300 },
    );
  }
});

test('POSIX TZ rules give the offsets ICU gives for zones that follow them', () => {
  const rules: Array<[string, string]> = [
    ['EST5EDT,M3.2.0,M11.1.0', 'America/New_York'],
    ['CET-1CEST,M3.5.0,M10.5.0/3', 'Europe/Berlin'],
    ['AEST-10AEDT,M10.1.0,M4.1.0/3', 'Australia/Sydney'],
    ['NZST-12NZDT,M9.5.0,M4.1.0/3', 'Pacific/Auckland'],
    ['<+0545>-5:45', 'Asia/Kathmandu'],
    ['IST-5:30', 'Asia/Kolkata'],
  ];
  for (const [text, zone] of rules) {
    const rule = parsePosixTzRule(text);
    assert.ok(rule, text);
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2010, 0, 1) / 1000, max: Date.UTC(2037, 11, 31) / 1000 }), (instant) => {
        assert.equal(evaluatePosixTzRule(rule, instant).offset, icuOffset(zone, instant), `${text} at ${new Date(instant * 1000).toISOString()}`);
      }),
      { numRuns: 500 },
    );
  }
  assert.equal(parsePosixTzRule('America/New_York'), undefined);
  assert.equal(parsePosixTzRule('EST5EDT,M3.2.0'), undefined);
  assert.deepEqual(parsePosixTzRule('<+0545>-5:45')?.standard, { abbreviation: '+0545', offset: 20700 });
});

/** The kernel's escaping of mount names (show_mountinfo: space, tab, newline, backslash). */
function escapeMountName(name: string): string {
  return [...Buffer.from(name, 'utf8')]
    .map((byte) => ([0x20, 0x09, 0x0a, 0x5c].includes(byte) ? '\\' + byte.toString(8).padStart(3, '0') : String.fromCharCode(byte)))
    .join('');
}

test('mount names unescape what the kernel escapes', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40, unit: fc.constantFrom('a', 'Z', '0', ' ', '\t', '\n', '\\', '/', 'é', '€', '\u{1F600}') }), (name) => {
      assert.equal(decodeMountName(escapeMountName(name)), name);
    }),
  );
  assert.equal(decodeMountName('a\\\\b\\9x\\'), 'a\\b\\9x\\', 'other backslashes stay');
});

test('utmp records parse back to what was encoded', () => {
  const record = fc.record({
    type: fc.integer({ min: 0, max: 9 }),
    user: fc.string({ minLength: 0, maxLength: 31, unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789._-') }),
    line: fc.constantFrom('pts/0', 'tty1', ''),
    tvSec: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    tvUsec: fc.integer({ min: 0, max: 999_999 }),
  });
  fc.assert(
    fc.property(fc.array(record, { maxLength: 6 }), (records) => {
      const parsed = parseUtmp(Buffer.concat(records.map((fields) => encodeUtmpRecord(fields))));
      assert.deepEqual(
        parsed.map(({ type, user, line, tvSec, tvUsec }) => ({ type, user, line, tvSec, tvUsec })),
        records.map((fields) => ({ ...fields })),
      );
    }),
  );
  assert.equal(USER_PROCESS, 7);
});

test('os-release values are unquoted the way qemu-ga does it', () => {
  assert.equal(replaceSpecial('"Debian GNU/Linux 12 (bookworm)"'), 'Debian GNU/Linux 12 (bookworm)');
  assert.equal(replaceSpecial('plain value;rest'), 'plain');
  assert.equal(replaceSpecial('a;b c'), 'a');
  assert.equal(replaceSpecial('"x\\"y\\\\z\\$\\`\\n"tail'), 'x"y\\z$`\\n');
  assert.equal(replaceSpecial("'single quoted'"), "'single", 'single quotes are not unquoted');
  assert.equal(replaceSpecial('"abc'), 'abcc', 'an unterminated quote leaves the last byte twice');
  assert.equal(replaceSpecial('""'), '');
});
