/**
 * JSON text for JSON-RPC results. JSON.stringify cannot write a bigint and would turn a
 * Buffer into {"type":"Buffer","data":[...]}; here integers of any size are written
 * exactly, bytes as base64 text, dates as ISO 8601 text, and undefined members dropped.
 */
import { JsonFloat } from '../../core/json-float.js';

const MAX_DEPTH = 200;

export function writeJson(value: unknown, depth = 0): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      return 'null';
    default:
      break;
  }
  if (value === null) return 'null';
  if (depth >= MAX_DEPTH) throw new TypeError(`cannot write JSON nested deeper than ${MAX_DEPTH} (recursive?)`);
  if (value instanceof JsonFloat) return Number.isFinite(value.value) ? String(value.value) : 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'));
  if (Array.isArray(value)) return `[${value.map((item) => writeJson(item, depth + 1)).join(',')}]`;
  const members: string[] = [];
  for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
    if (member === undefined) continue;
    members.push(`${JSON.stringify(key)}:${writeJson(member, depth + 1)}`);
  }
  return `{${members.join(',')}}`;
}
