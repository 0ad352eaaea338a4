/**
 * The values XML-RPC carries, as hostlink holds them:
 *
 * | XML-RPC            | JavaScript                                              |
 * | ------------------ | ------------------------------------------------------- |
 * | int, i4, i8, ...   | number (bigint beyond 2^53)                              |
 * | double             | number; a whole-number double is a JsonFloat, so 2.0 stays a float |
 * | boolean            | boolean                                                 |
 * | string             | string                                                  |
 * | nil                | null (undefined is written as nil too)                  |
 * | base64             | Buffer (any Uint8Array is written as base64)            |
 * | dateTime.iso8601   | Date (naive times are UTC)                              |
 * | array              | array                                                   |
 * | struct             | plain object                                            |
 */
import { JsonFloat } from '../../core/json-float.js';

export type XmlRpcValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Buffer
  | Date
  | JsonFloat
  | XmlRpcValue[]
  | { [member: string]: XmlRpcValue };

/** A struct object that may safely hold a "__proto__" member. */
export function newStruct(): Record<string, XmlRpcValue> {
  return {};
}

export function setMember(struct: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') Object.defineProperty(struct, name, { value, enumerable: true, writable: true, configurable: true });
  else struct[name] = value;
}

/** Replaces every JsonFloat with its number: for handlers that want plain JavaScript values. */
export function plainValues(value: unknown): unknown {
  if (value instanceof JsonFloat) return value.value;
  if (Array.isArray(value)) return value.map(plainValues);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) setMember(out, key, plainValues(member));
    return out;
  }
  return value;
}
