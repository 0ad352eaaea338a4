/**
 * TZif files (/etc/localtime, /usr/share/zoneinfo/*): the offset and abbreviation in
 * force at an instant, from the transition table and, past its end, the footer rule.
 */
import { evaluatePosixTzRule, parsePosixTzRule, type ZoneState } from './posix-tz-rule.js';

interface TzifData {
  readonly transitions: readonly number[];
  readonly transitionTypes: readonly number[];
  readonly types: readonly ZoneState[];
  readonly footer?: string;
}

const HEADER_SIZE = 44;

function readCounts(buffer: Buffer, offset: number) {
  return {
    isutcnt: buffer.readUInt32BE(offset + 20),
    isstdcnt: buffer.readUInt32BE(offset + 24),
    leapcnt: buffer.readUInt32BE(offset + 28),
    timecnt: buffer.readUInt32BE(offset + 32),
    typecnt: buffer.readUInt32BE(offset + 36),
    charcnt: buffer.readUInt32BE(offset + 40),
  };
}

function blockSize(counts: ReturnType<typeof readCounts>, timeSize: number): number {
  return (
    counts.timecnt * timeSize +
    counts.timecnt +
    counts.typecnt * 6 +
    counts.charcnt +
    counts.leapcnt * (timeSize + 4) +
    counts.isstdcnt +
    counts.isutcnt
  );
}

/** Parses a TZif file; undefined if it is not one. */
export function parseTzif(buffer: Buffer): TzifData | undefined {
  if (buffer.length < HEADER_SIZE || buffer.toString('latin1', 0, 4) !== 'TZif') return undefined;
  const version = buffer[4] ?? 0;
  let offset = 0;
  let counts = readCounts(buffer, 0);
  let timeSize = 4;
  if (version >= 0x32) {
    // Version 2+: skip the 32-bit block, read the 64-bit one.
    offset = HEADER_SIZE + blockSize(counts, 4);
    if (buffer.length < offset + HEADER_SIZE || buffer.toString('latin1', offset, offset + 4) !== 'TZif') return undefined;
    counts = readCounts(buffer, offset);
    timeSize = 8;
  }
  let position = offset + HEADER_SIZE;
  if (buffer.length < position + blockSize(counts, timeSize)) return undefined;
  const transitions: number[] = [];
  for (let i = 0; i < counts.timecnt; i++) {
    transitions.push(timeSize === 8 ? Number(buffer.readBigInt64BE(position)) : buffer.readInt32BE(position));
    position += timeSize;
  }
  const transitionTypes = [...buffer.subarray(position, position + counts.timecnt)];
  position += counts.timecnt;
  const rawTypes: Array<{ offset: number; abbreviationIndex: number }> = [];
  for (let i = 0; i < counts.typecnt; i++) {
    rawTypes.push({ offset: buffer.readInt32BE(position), abbreviationIndex: buffer[position + 5] ?? 0 });
    position += 6;
  }
  const chars = buffer.subarray(position, position + counts.charcnt);
  position += counts.charcnt + counts.leapcnt * (timeSize + 4) + counts.isstdcnt + counts.isutcnt;
  const types = rawTypes.map(({ offset: typeOffset, abbreviationIndex }) => {
    const end = chars.indexOf(0, abbreviationIndex);
    return { offset: typeOffset, abbreviation: chars.toString('latin1', abbreviationIndex, end < 0 ? chars.length : end) };
  });
  let footer: string | undefined;
  if (version >= 0x32 && buffer[position] === 0x0a) {
    const end = buffer.indexOf(0x0a, position + 1);
    if (end > position + 1) footer = buffer.toString('latin1', position + 1, end);
  }
  return { transitions, transitionTypes, types, footer };
}

/** The type used before the first transition: the first standard-time type (RFC 8536, 3.2). */
function initialType(data: TzifData): ZoneState | undefined {
  return data.types[0];
}

export function zoneStateAt(data: TzifData, unixSeconds: number): ZoneState | undefined {
  const { transitions, transitionTypes, types } = data;
  if (transitions.length === 0 || unixSeconds < (transitions[0] ?? 0)) {
    if (transitions.length === 0 && data.footer) {
      const rule = parsePosixTzRule(data.footer);
      if (rule) return evaluatePosixTzRule(rule, unixSeconds);
    }
    return initialType(data);
  }
  const last = transitions.length - 1;
  if (unixSeconds >= (transitions[last] ?? 0) && data.footer) {
    const rule = parsePosixTzRule(data.footer);
    if (rule) return evaluatePosixTzRule(rule, unixSeconds);
  }
  let low = 0;
  let high = last;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((transitions[middle] ?? 0) <= unixSeconds) low = middle;
    else high = middle - 1;
  }
  return types[transitionTypes[low] ?? 0];
}
