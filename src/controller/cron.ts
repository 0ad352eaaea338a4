/**
 * Cron expressions for recurring commands: five fields (minute hour day-of-month month
 * day-of-week) as in crontab(5), or six with seconds first. Each field takes `*`,
 * numbers, ranges `a-b`, steps `*\/n` and `a-b/n`, and lists `a,b`; day-of-week 0 and
 * 7 are Sunday. As in cron, when both day fields are restricted either may match.
 * Times are the controller's local time.
 */
import { HostlinkError } from '../core/errors.js';

interface Field {
  readonly values: ReadonlySet<number>;
  readonly any: boolean;
}

export interface CronExpression {
  readonly text: string;
  readonly seconds: Field;
  readonly minutes: Field;
  readonly hours: Field;
  readonly days: Field;
  readonly months: Field;
  readonly weekdays: Field;
}

const LIMITS: ReadonlyArray<readonly [string, number, number]> = [
  ['second', 0, 59],
  ['minute', 0, 59],
  ['hour', 0, 23],
  ['day of month', 1, 31],
  ['month', 1, 12],
  ['day of week', 0, 7],
];

function cronError(text: string, problem: string): HostlinkError {
  return new HostlinkError('InvalidParameter', `bad cron expression "${text}": ${problem}`);
}

function parseField(text: string, field: string, name: string, min: number, max: number): Field {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!match) throw cronError(text, `"${part}" is not a valid ${name}`);
    const step = match[4] === undefined ? 1 : Number(match[4]);
    let from = min;
    let to = max;
    if (match[1] !== '*') {
      from = Number(match[2]);
      to = match[3] === undefined ? (match[4] === undefined ? from : max) : Number(match[3]);
    }
    if (step < 1) throw cronError(text, `step ${step} in ${name}`);
    if (from < min || to > max || from > to) throw cronError(text, `${name} ${part} is outside ${min}-${max}`);
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return { values, any: field === '*' };
}

export function parseCron(text: string): CronExpression {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) throw cronError(text, 'expected 5 fields (minute hour day month weekday) or 6 (with seconds first)');
  const all = fields.length === 5 ? ['0', ...fields] : fields;
  const [seconds, minutes, hours, days, months, weekdays] = all.map((field, index) => parseField(text, field, LIMITS[index]![0], LIMITS[index]![1], LIMITS[index]![2])) as [Field, Field, Field, Field, Field, Field];
  // Day of week 7 is Sunday, as 0.
  const sunday: Field = weekdays.values.has(7) ? { any: weekdays.any, values: new Set([...weekdays.values, 0]) } : weekdays;
  return { text, seconds, minutes, hours, days, months, weekdays: sunday };
}

function dayMatches(cron: CronExpression, date: Date): boolean {
  const day = cron.days.values.has(date.getDate());
  const weekday = cron.weekdays.values.has(date.getDay());
  if (cron.days.any || cron.weekdays.any) return day && weekday;
  return day || weekday;
}

/** Whether the expression fires at this second. */
export function cronMatches(cron: CronExpression, date: Date): boolean {
  return (
    cron.seconds.values.has(date.getSeconds()) &&
    cron.minutes.values.has(date.getMinutes()) &&
    cron.hours.values.has(date.getHours()) &&
    cron.months.values.has(date.getMonth() + 1) &&
    dayMatches(cron, date)
  );
}

/** The next firing time after `after` (whole seconds), looking up to a year ahead. */
export function nextRun(cron: CronExpression, after: Date): Date | undefined {
  const date = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
  const limit = after.getTime() + 366 * 24 * 3600 * 1000;
  while (date.getTime() <= limit) {
    if (!cron.months.values.has(date.getMonth() + 1)) {
      date.setMonth(date.getMonth() + 1, 1);
      date.setHours(0, 0, 0, 0);
      continue;
    }
    if (!dayMatches(cron, date)) {
      date.setDate(date.getDate() + 1);
      date.setHours(0, 0, 0, 0);
      continue;
    }
    if (!cron.hours.values.has(date.getHours())) {
      date.setHours(date.getHours() + 1, 0, 0, 0);
      continue;
    }
    if (!cron.minutes.values.has(date.getMinutes())) {
      date.setMinutes(date.getMinutes() + 1, 0, 0);
      continue;
    }
    if (cronMatches(cron, date)) return date;
    date.setSeconds(date.getSeconds() + 1, 0);
  }
  return undefined;
}
