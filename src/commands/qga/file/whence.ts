/**
 * guest-file-seek's `whence` is a QAPI alternate: an integer (the historical 0/1/2) or
 * the enum "set"/"cur"/"end". The checks and texts are QEMU's: the input visitor's type
 * errors come before the handle is looked up; an integer that is no SEEK_ code is
 * refused after it ("invalid whence code 3").
 */
import { HostlinkError, genericError } from '../../../core/errors.js';
import { JsonFloat } from '../../../core/json-float.js';
import type { Whence } from './guest-file.js';

const NAMES: Readonly<Record<string, Whence>> = { set: 0, cur: 1, end: 2 };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The visitor's check: an int64 or one of the names. Returns the raw code. */
export function checkWhenceArgument(value: unknown): number | bigint {
  if (typeof value === 'string') {
    const code = Object.prototype.hasOwnProperty.call(NAMES, value) ? NAMES[value] : undefined;
    if (code === undefined) throw new HostlinkError('InvalidParameter', `Parameter 'whence' does not accept value '${value}'`);
    return code;
  }
  if (typeof value === 'number' || typeof value === 'bigint' || value instanceof JsonFloat) {
    const isInt64 =
      (typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX);
    if (!isInt64) throw new HostlinkError('InvalidParameter', "Invalid parameter type for 'whence', expected: integer");
    return value as number | bigint;
  }
  throw new HostlinkError('InvalidParameter', "Invalid parameter type for 'whence', expected: GuestFileWhence");
}

/** ga_parse_whence(): the SEEK_ code, or qemu-ga's error for any other integer. */
export function toWhence(code: number | bigint): Whence {
  if (code === 0 || code === 1 || code === 2 || code === 0n || code === 1n || code === 2n) return Number(code) as Whence;
  throw genericError(`invalid whence code ${String(code)}`);
}
