/**
 * Values on the pipe to the Python service process: JSON, with the XML-RPC types JSON
 * lacks written as one-member tagged objects, so a Python service receives exactly what
 * vt_agent would hand it (xmlrpc.client.Binary, xmlrpc.client.DateTime, float 2.0 as a
 * float, big ints) and its results come back as faithfully:
 *
 *   {"$bytes": base64}  {"$datetime": "YYYYMMDDTHH:MM:SS"}  {"$float": 2 | "inf" | "-inf" | "nan"}
 *   {"$int": "12345678901234567890"}  {"$dict": [[key, value], ...]} (a dict with a "$" key)
 *
 * The Python half of this codec is in python/hostlink_service_runner.py.
 */
import { JsonFloat } from '../core/json-float.js';

function floatTag(value: number): { $float: number | string } {
  if (Number.isNaN(value)) return { $float: 'nan' };
  if (value === Infinity) return { $float: 'inf' };
  if (value === -Infinity) return { $float: '-inf' };
  return { $float: value };
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

export function toPipe(value: unknown, depth = 0): unknown {
  if (depth > 100) throw new TypeError('value nested too deeply for a Python service');
  switch (typeof value) {
    case 'undefined':
      return null;
    case 'number':
      // Whole numbers beyond 2^53 are doubles here (XML-RPC integers that big arrive as bigint).
      return Number.isSafeInteger(value) || (Number.isFinite(value) && !Number.isInteger(value)) ? value : floatTag(value);
    case 'bigint':
      return { $int: value.toString() };
    case 'string':
    case 'boolean':
      return value;
    case 'object':
      break;
    default:
      throw new TypeError(`cannot pass a ${typeof value} to a Python service`);
  }
  if (value === null) return null;
  if (value instanceof JsonFloat) return floatTag(value.value);
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (value instanceof Date) {
    return {
      $datetime: `${pad(value.getUTCFullYear(), 4)}${pad(value.getUTCMonth() + 1)}${pad(value.getUTCDate())}T${pad(value.getUTCHours())}:${pad(value.getUTCMinutes())}:${pad(value.getUTCSeconds())}`,
    };
  }
  if (Array.isArray(value)) return value.map((item) => toPipe(item, depth + 1));
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.some(([key]) => key.startsWith('$'))) return { $dict: entries.map(([key, member]) => [key, toPipe(member, depth + 1)]) };
  const out: Record<string, unknown> = {};
  for (const [key, member] of entries) out[key] = toPipe(member, depth + 1);
  return out;
}

const PY_DATETIME = /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):?(\d{2}):?(\d{2})$/;

function setMember(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

export function fromPipe(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(fromPipe);
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && keys[0]!.startsWith('$')) {
    const tagged = record[keys[0]!];
    switch (keys[0]) {
      case '$bytes':
        return Buffer.from(String(tagged), 'base64');
      case '$float':
        return new JsonFloat(tagged === 'inf' ? Infinity : tagged === '-inf' ? -Infinity : tagged === 'nan' ? NaN : Number(tagged));
      case '$int': {
        const big = BigInt(String(tagged));
        return Number.isSafeInteger(Number(big)) ? Number(big) : big;
      }
      case '$datetime': {
        const match = PY_DATETIME.exec(String(tagged));
        if (!match) return String(tagged); // DateTime holding free text: keep the text
        const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
        return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
      }
      case '$dict': {
        const out: Record<string, unknown> = {};
        for (const [key, member] of tagged as [string, unknown][]) setMember(out, key, fromPipe(member));
        return out;
      }
      default:
        break;
    }
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) setMember(out, key, fromPipe(record[key]));
  return out;
}
