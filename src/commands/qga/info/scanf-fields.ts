/**
 * qemu-ga parses /proc files with sscanf; the number of conversions that succeed decides
 * which members it reports. These helpers count the same way for whitespace-separated
 * fields: conversions stop at the first field that does not fit.
 */

/** Fields of a line, split on whitespace as sscanf's %s and %lu skip it. */
export function fieldsOf(line: string): string[] {
  return line.split(/[ \t\n\r\f\v]+/).filter((field) => field.length > 0);
}

/** strtoul-style unsigned decimal at the start of a field (sscanf %u / %lu), or undefined. */
export function unsignedPrefix(field: string | undefined): number | undefined {
  if (field === undefined) return undefined;
  const match = /^\+?(\d+)/.exec(field);
  return match ? Number(match[1]) : undefined;
}

/**
 * Converts `fields` from index `from` as unsigned numbers until one fails; returns the
 * values converted (their count is what sscanf adds to its result).
 */
export function leadingUnsigned(fields: readonly string[], from: number, max: number): number[] {
  const values: number[] = [];
  for (let index = from; index < fields.length && values.length < max; index++) {
    const field = fields[index] ?? '';
    const value = unsignedPrefix(field);
    if (value === undefined) break;
    values.push(value);
    // "12abc": the number converts, and the next conversion fails on "abc".
    if (!/^\+?\d+$/.test(field)) break;
  }
  return values;
}
