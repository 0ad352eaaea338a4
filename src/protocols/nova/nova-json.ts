/**
 * JSON text of nova requests and replies. Hosts may send keyinit's public key (up to
 * 2^107) as a bare JSON number, which JSON.parse would round; integers that are not
 * safe in JavaScript are read as bigint instead.
 */
import { randomBytes } from 'node:crypto';

/** A string no request will contain by chance (random per call). */
function newMarker(): string {
  return `@bigint-${randomBytes(8).toString('hex')}:`;
}

/** Integer literals beyond 15 digits, found outside strings; each is swapped for a marker string. */
function markBigIntegers(text: string, marker: string): string {
  let out = '';
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    if (c !== 0x2d && (c < 0x30 || c > 0x39)) continue;
    let end = i + 1;
    while (end < text.length && /[0-9eE.+-]/.test(text[end]!)) end++;
    const token = text.slice(i, end);
    if (/^-?\d{16,}$/.test(token) && !Number.isSafeInteger(Number(token))) {
      out += `${text.slice(from, i)}"${marker}${token}"`;
      from = end;
    }
    i = end - 1;
  }
  return out + text.slice(from);
}

/** JSON.parse that keeps big integers exact (as bigint). Throws SyntaxError like JSON.parse. */
export function parseNovaJson(text: string): unknown {
  const marker = newMarker();
  const marked = markBigIntegers(text, marker);
  if (marked === text) return JSON.parse(text);
  return JSON.parse(marked, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(marker) ? BigInt(value.slice(marker.length)) : value,
  );
}

/** JSON text of any command result: bigint as a plain number, undefined as null. */
export function writeNovaJson(value: unknown): string {
  const marker = newMarker();
  const text = JSON.stringify(value ?? null, (_key, item: unknown) => (typeof item === 'bigint' ? `${marker}${item}` : item));
  return text.includes(marker) ? text.replace(new RegExp(`"${marker}(-?\\d+)"`, 'g'), '$1') : text;
}
