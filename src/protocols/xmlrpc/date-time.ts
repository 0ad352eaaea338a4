/**
 * XML-RPC's dateTime.iso8601. Python's client writes naive times as
 * "YYYYMMDDTHH:MM:SS"; other clients add dashes, fractions or a zone. A naive time is
 * read as UTC and written back as UTC, so a value makes the round trip unchanged.
 */
const DATE_TIME = /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):?(\d{2}):?(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Parses a dateTime.iso8601 text, or returns undefined when it is not one. */
export function parseDateTime(text: string): Date | undefined {
  const match = DATE_TIME.exec(text.trim());
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const millis = fraction ? Math.round(Number(fraction) * 1000) : 0;
  let time = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), millis);
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    time -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  const date = new Date(time);
  // Reject field values Date.UTC silently rolls over (month 13, hour 25, ...).
  if (Number.isNaN(time) || Number(month) > 12 || Number(day) > 31 || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 60) {
    return undefined;
  }
  return date;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** Formats as Python's xmlrpc.client does: "YYYYMMDDTHH:MM:SS" (UTC, whole seconds). */
export function formatDateTime(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new TypeError('cannot marshal an invalid Date');
  return (
    `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`
  );
}
