/**
 * POSIX TZ rule strings ("CET-1CEST,M3.5.0,M10.5.0/3"), as found in the TZ variable and
 * at the end of TZif files: which offset and abbreviation apply at a given instant.
 */
export interface ZoneState {
  /** Seconds east of UTC. */
  readonly offset: number;
  readonly abbreviation: string;
}

interface DateRule {
  readonly kind: 'julian1' | 'julian0' | 'month';
  readonly day: number;
  readonly month?: number;
  readonly week?: number;
  /** Seconds after local midnight. */
  readonly time: number;
}

export interface PosixTzRule {
  readonly standard: ZoneState;
  readonly daylight?: ZoneState;
  readonly start?: DateRule;
  readonly end?: DateRule;
}

class Cursor {
  index = 0;
  constructor(readonly text: string) {}
  peek(): string {
    return this.text[this.index] ?? '';
  }
  done(): boolean {
    return this.index >= this.text.length;
  }
}

function parseName(cursor: Cursor): string | undefined {
  if (cursor.peek() === '<') {
    const close = cursor.text.indexOf('>', cursor.index);
    if (close < 0) return undefined;
    const name = cursor.text.slice(cursor.index + 1, close);
    cursor.index = close + 1;
    return name.length >= 3 ? name : undefined;
  }
  const match = /^[A-Za-z]{3,}/.exec(cursor.text.slice(cursor.index));
  if (!match) return undefined;
  cursor.index += match[0].length;
  return match[0];
}

/** [+-]hh[:mm[:ss]] in seconds; hours up to 167 (rule times may exceed 24). */
function parseHms(cursor: Cursor): number | undefined {
  const match = /^([+-]?)(\d{1,3})(?::(\d{1,2})(?::(\d{1,2}))?)?/.exec(cursor.text.slice(cursor.index));
  if (!match) return undefined;
  cursor.index += match[0].length;
  const seconds = Number(match[2]) * 3600 + Number(match[3] ?? 0) * 60 + Number(match[4] ?? 0);
  return match[1] === '-' ? -seconds : seconds;
}

function parseDateRule(cursor: Cursor): DateRule | undefined {
  const rest = cursor.text.slice(cursor.index);
  let rule: Omit<DateRule, 'time'>;
  let match: RegExpExecArray | null;
  if ((match = /^M(\d{1,2})\.(\d)\.(\d)/.exec(rest))) {
    rule = { kind: 'month', month: Number(match[1]), week: Number(match[2]), day: Number(match[3]) };
  } else if ((match = /^J(\d{1,3})/.exec(rest))) {
    rule = { kind: 'julian1', day: Number(match[1]) };
  } else if ((match = /^(\d{1,3})/.exec(rest))) {
    rule = { kind: 'julian0', day: Number(match[1]) };
  } else {
    return undefined;
  }
  cursor.index += match[0].length;
  let time = 7200;
  if (cursor.peek() === '/') {
    cursor.index++;
    const parsed = parseHms(cursor);
    if (parsed === undefined) return undefined;
    time = parsed;
  }
  return { ...rule, time };
}

export function parsePosixTzRule(text: string): PosixTzRule | undefined {
  const cursor = new Cursor(text);
  const standardName = parseName(cursor);
  if (standardName === undefined) return undefined;
  const standardOffset = parseHms(cursor);
  if (standardOffset === undefined) return undefined;
  const standard = { abbreviation: standardName, offset: -standardOffset };
  if (cursor.done()) return { standard };
  const daylightName = parseName(cursor);
  if (daylightName === undefined) return undefined;
  let daylightOffset = standard.offset + 3600;
  if (cursor.peek() !== ',' && !cursor.done()) {
    const parsed = parseHms(cursor);
    if (parsed === undefined) return undefined;
    daylightOffset = -parsed;
  }
  const daylight = { abbreviation: daylightName, offset: daylightOffset };
  if (cursor.done()) {
    // No rule given: the US rules, as glibc assumes.
    return {
      standard,
      daylight,
      start: { kind: 'month', month: 3, week: 2, day: 0, time: 7200 },
      end: { kind: 'month', month: 11, week: 1, day: 0, time: 7200 },
    };
  }
  if (cursor.peek() !== ',') return undefined;
  cursor.index++;
  const start = parseDateRule(cursor);
  if (!start || cursor.peek() !== ',') return undefined;
  cursor.index++;
  const end = parseDateRule(cursor);
  if (!end || !cursor.done()) return undefined;
  return { standard, daylight, start, end };
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Seconds from the start of `year` (UTC-less, local calendar) to the rule's day at 00:00. */
function ruleDayStart(rule: DateRule, year: number): number {
  const day = 86400;
  if (rule.kind === 'julian1') {
    // Day 1..365, February 29th never counted.
    const n = rule.day;
    return (n - 1 + (isLeap(year) && n >= 60 ? 1 : 0)) * day;
  }
  if (rule.kind === 'julian0') return rule.day * day;
  const month = rule.month ?? 1;
  const week = rule.week ?? 1;
  const firstOfMonth = Date.UTC(year, month - 1, 1);
  const firstWeekday = new Date(firstOfMonth).getUTCDay();
  let dayOfMonth = 1 + ((rule.day - firstWeekday + 7) % 7) + (week - 1) * 7;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (week === 5) while (dayOfMonth > daysInMonth) dayOfMonth -= 7;
  return (Date.UTC(year, month - 1, dayOfMonth) - Date.UTC(year, 0, 1)) / 1000;
}

/** The zone state in force at `unixSeconds`. */
export function evaluatePosixTzRule(rule: PosixTzRule, unixSeconds: number): ZoneState {
  const { standard, daylight, start, end } = rule;
  if (!daylight || !start || !end) return standard;
  const year = new Date((unixSeconds + standard.offset) * 1000).getUTCFullYear();
  for (const candidate of [year - 1, year, year + 1]) {
    const yearStart = Date.UTC(candidate, 0, 1) / 1000;
    // Transition instants in UTC: the start time is given in standard time, the end in daylight time.
    const dstStart = yearStart + ruleDayStart(start, candidate) + start.time - standard.offset;
    const dstEnd = yearStart + ruleDayStart(end, candidate) + end.time - daylight.offset;
    if (dstStart < dstEnd) {
      if (unixSeconds >= dstStart && unixSeconds < dstEnd) return daylight;
    } else if (candidate === year) {
      // Southern hemisphere: daylight time spans the turn of the year.
      return unixSeconds >= dstEnd && unixSeconds < dstStart ? standard : daylight;
    }
  }
  return standard;
}
