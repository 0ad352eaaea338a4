/**
 * Writes XML-RPC responses (and calls, for tests and clients) in the layout Python's
 * xmlrpc.client uses. Integers beyond 32 bits go out as <i8>, which Python's client
 * reads; undefined and null as <nil/> (vt_agent runs with allow_none).
 */
import { JsonFloat } from '../../core/json-float.js';
import { formatDateTime } from './date-time.js';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** Struct and array nesting written at most (cycles end here too). */
const MAX_DEPTH = 100;

// Characters XML 1.0 cannot carry at all, not even as references.
const UNREPRESENTABLE = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NEEDS_ESCAPE = /[&<>\r]/;

/** A value hostlink cannot write as XML-RPC (Python says "cannot marshal ..."). */
export class MarshalError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = 'MarshalError';
  }
}

export function escapeText(text: string): string {
  if (UNREPRESENTABLE.test(text)) throw new MarshalError('cannot marshal a string holding characters XML cannot carry (control characters or lone surrogates)');
  if (!NEEDS_ESCAPE.test(text)) return text;
  // "\r" as a reference: a literal one would be read back as "\n".
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

function formatDouble(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return Object.is(value, -0) ? '-0.0' : `${value}.0`;
  return String(value);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return `<${value.constructor?.name ?? 'Object'}>`;
  return `<${typeof value}>`;
}

/** Appends `<value>...</value>` for `value`. */
export function writeValue(value: unknown, depth = 0): string {
  switch (typeof value) {
    case 'string':
      return `<value><string>${escapeText(value)}</string></value>`;
    case 'boolean':
      return `<value><boolean>${value ? 1 : 0}</boolean></value>`;
    case 'number':
      if (Number.isSafeInteger(value)) {
        return value >= INT32_MIN && value <= INT32_MAX ? `<value><int>${value}</int></value>` : `<value><i8>${value}</i8></value>`;
      }
      return `<value><double>${formatDouble(value)}</double></value>`;
    case 'bigint':
      if (value < INT64_MIN || value > INT64_MAX) throw new MarshalError('int exceeds XML-RPC limits');
      return value >= BigInt(INT32_MIN) && value <= BigInt(INT32_MAX) ? `<value><int>${value}</int></value>` : `<value><i8>${value}</i8></value>`;
    case 'undefined':
      return '<value><nil/></value>';
    case 'object':
      return writeObject(value, depth);
    default:
      throw new MarshalError(`cannot marshal ${describe(value)} objects`);
  }
}

function writeObject(value: object | null, depth: number): string {
  if (value === null) return '<value><nil/></value>';
  if (value instanceof JsonFloat) return `<value><double>${formatDouble(value.value)}</double></value>`;
  if (value instanceof Date) return `<value><dateTime.iso8601>${formatDateTime(value)}</dateTime.iso8601></value>`;
  if (value instanceof Uint8Array) {
    const base64 = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
    return `<value><base64>\n${base64}\n</base64></value>`;
  }
  if (depth >= MAX_DEPTH) throw new MarshalError(`cannot marshal values nested deeper than ${MAX_DEPTH} (recursive?)`);
  if (Array.isArray(value)) {
    let out = '<value><array><data>\n';
    for (const item of value) out += `${writeValue(item, depth + 1)}\n`;
    return `${out}</data></array></value>`;
  }
  if (value instanceof Map) {
    let out = '<value><struct>\n';
    for (const [key, member] of value) {
      if (typeof key !== 'string') throw new MarshalError('dictionary key must be string');
      out += `<member>\n<name>${escapeText(key)}</name>\n${writeValue(member, depth + 1)}\n</member>\n`;
    }
    return `${out}</struct></value>`;
  }
  if (!isPlainObject(value)) throw new MarshalError(`cannot marshal ${describe(value)} objects`);
  let out = '<value><struct>\n';
  for (const key of Object.keys(value)) {
    out += `<member>\n<name>${escapeText(key)}</name>\n${writeValue((value as Record<string, unknown>)[key], depth + 1)}\n</member>\n`;
  }
  return `${out}</struct></value>`;
}

const HEADER = "<?xml version='1.0'?>\n";

export function encodeResponse(value: unknown): string {
  return `${HEADER}<methodResponse>\n<params>\n<param>\n${writeValue(value)}\n</param>\n</params>\n</methodResponse>\n`;
}

/** Like escapeText, but characters XML cannot carry become U+FFFD: a fault must always go out. */
function escapeFaultText(text: string): string {
  return escapeText(text.replace(new RegExp(UNREPRESENTABLE.source, 'g'), '\uFFFD'));
}

export function encodeFault(faultCode: number, faultString: string): string {
  return (
    `${HEADER}<methodResponse>\n<fault>\n<value><struct>\n` +
    `<member>\n<name>faultCode</name>\n<value><int>${faultCode}</int></value>\n</member>\n` +
    `<member>\n<name>faultString</name>\n<value><string>${escapeFaultText(faultString)}</string></value>\n</member>\n` +
    `</struct></value>\n</fault>\n</methodResponse>\n`
  );
}

export function encodeCall(methodName: string, params: readonly unknown[]): string {
  let out = `${HEADER}<methodCall>\n<methodName>${escapeText(methodName)}</methodName>\n<params>\n`;
  for (const param of params) out += `<param>\n${writeValue(param)}\n</param>\n`;
  return `${out}</params>\n</methodCall>\n`;
}
