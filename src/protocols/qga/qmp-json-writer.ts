/**
 * Writes values as QEMU's JSON writer does, so replies are byte-identical to qemu-ga's:
 * `{"a": 1, "b": [1, 2]}` (a space after ':' and ','), object members in QDict order,
 * every character outside printable ASCII as \uXXXX (upper-case hex, surrogate pairs
 * beyond the BMP, U+FFFD for what QEMU's UTF-8 rules refuse), '/' left alone, floats
 * as C's "%.17g" ("inf", "-0", "1e+20"), integers (number or bigint) in full.
 * Object members whose value is undefined are left out (an absent optional member).
 */
import { JsonFloat } from '../../core/json-float.js';
import { isValidCodePoint } from './mod-utf8.js';
import { qdictOrder } from '../../core/qemu-order.js';

const PLAIN_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

export function writeJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return quoteString(value);
    case 'number':
      return formatNumber(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return writeArray(value);
      if (value instanceof JsonFloat) return formatFloat(value.value);
      return writeObject(value as Record<string, unknown>);
    default:
      // undefined, functions, symbols: nothing QAPI could produce; print as null.
      return 'null';
  }
}

function writeArray(array: readonly unknown[]): string {
  if (array.length === 0) return '[]';
  let out = '[';
  for (let i = 0; i < array.length; i++) {
    if (i > 0) out += ', ';
    out += writeJson(array[i]);
  }
  return out + ']';
}

function writeObject(object: Record<string, unknown>): string {
  const keys = Object.keys(object).filter((key) => object[key] !== undefined);
  if (keys.length === 0) return '{}';
  let out = '{';
  let first = true;
  for (const key of qdictOrder(keys)) {
    if (!first) out += ', ';
    first = false;
    out += quoteString(key) + ': ' + writeJson(object[key]);
  }
  return out + '}';
}

function hex4(code: number): string {
  return '\\u' + code.toString(16).toUpperCase().padStart(4, '0');
}

export function quoteString(text: string): string {
  if (PLAIN_STRING.test(text)) return '"' + text + '"';
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    switch (cp) {
      case 0x22:
        out += '\\"';
        continue;
      case 0x5c:
        out += '\\\\';
        continue;
      case 0x08:
        out += '\\b';
        continue;
      case 0x0c:
        out += '\\f';
        continue;
      case 0x0a:
        out += '\\n';
        continue;
      case 0x0d:
        out += '\\r';
        continue;
      case 0x09:
        out += '\\t';
        continue;
    }
    if (cp !== 0 && !isValidCodePoint(cp)) cp = 0xfffd;
    if (cp > 0xffff) {
      out += hex4(0xd800 + ((cp - 0x10000) >> 10)) + hex4(0xdc00 + ((cp - 0x10000) & 0x3ff));
    } else if (cp < 0x20 || cp >= 0x7f) {
      out += hex4(cp);
    } else {
      out += text[i];
    }
  }
  return out + '"';
}

/** A JavaScript number: integral ones print as integers, others as floats. */
function formatNumber(value: number): string {
  if (Number.isSafeInteger(value)) return String(value === 0 ? 0 : value);
  if (Number.isInteger(value) && Math.abs(value) < 2 ** 64) return BigInt(value).toString();
  return formatFloat(value);
}

/** C's printf("%.17g"). */
export function formatFloat(value: number): string {
  if (Number.isNaN(value)) return value < 0 ? '-nan' : 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const exponential = value.toExponential(16); // d.dddddddddddddddde±x
  const ePos = exponential.indexOf('e');
  const exponent = Number(exponential.slice(ePos + 1));
  if (exponent < -4 || exponent >= 17) {
    const mantissa = stripZeros(exponential.slice(0, ePos));
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return stripZeros(value.toFixed(16 - exponent));
}

function stripZeros(text: string): string {
  if (!text.includes('.')) return text;
  return text.replace(/0+$/, '').replace(/\.$/, '');
}
