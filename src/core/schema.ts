/**
 * Argument schemas in the spirit of QEMU's QAPI: named, typed members, optional ones
 * marked, checked in declaration order. Written here rather than with a validation
 * library because clients of the QEMU guest agent compare error texts: the first error
 * found, and its wording ("Parameter 'path' is missing", "Invalid parameter type for
 * 'count', expected: integer"), must be the ones QEMU's input visitor produces.
 */
import { HostlinkError } from './errors.js';
import { JsonFloat } from './json-float.js';
import { firstUnexpectedMember } from './qemu-order.js';

export type Schema =
  | { readonly kind: 'str' }
  | { readonly kind: 'bool' }
  | { readonly kind: 'number' }
  | { readonly kind: 'int'; readonly type: IntType }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'array'; readonly items: Schema }
  | { readonly kind: 'struct'; readonly members: Readonly<Record<string, Member>> }
  | { readonly kind: 'any' };

export interface Member {
  readonly schema: Schema;
  readonly optional: boolean;
}

export type IntType = 'int' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'size';

const INT_RANGES: Record<IntType, readonly [bigint, bigint]> = {
  int: [-(2n ** 63n), 2n ** 63n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  int8: [-128n, 127n],
  int16: [-32768n, 32767n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint8: [0n, 255n],
  uint16: [0n, 65535n],
  uint32: [0n, 2n ** 32n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  size: [0n, 2n ** 64n - 1n],
};

/** Type-level mapping from a schema to the value a handler receives. */
export type Infer<S extends Schema> = S extends { kind: 'str' }
  ? string
  : S extends { kind: 'bool' }
    ? boolean
    : S extends { kind: 'number' } | { kind: 'int' }
      ? number
      : S extends { kind: 'enum'; values: readonly (infer V)[] }
        ? V
        : S extends { kind: 'array'; items: infer I extends Schema }
          ? Infer<I>[]
          : S extends { kind: 'struct'; members: infer M extends Record<string, Member> }
            ? InferStruct<M>
            : unknown;

type OptionalKeys<M extends Record<string, Member>> = {
  [K in keyof M]: M[K]['optional'] extends true ? K : never;
}[keyof M];
type RequiredKeys<M extends Record<string, Member>> = Exclude<keyof M, OptionalKeys<M>>;
type Flatten<T> = { [K in keyof T]: T[K] };
export type InferStruct<M extends Record<string, Member>> = Flatten<
  { [K in RequiredKeys<M>]: Infer<M[K]['schema']> } & { [K in OptionalKeys<M>]?: Infer<M[K]['schema']> }
>;

/** Builders. `t.struct({ path: t.str(), mode: t.optional(t.str()) })`. */
export const t = {
  str: () => ({ kind: 'str' }) as const,
  bool: () => ({ kind: 'bool' }) as const,
  number: () => ({ kind: 'number' }) as const,
  int: (type: IntType = 'int') => ({ kind: 'int', type }) as const,
  enum: <const V extends readonly string[]>(values: V) => ({ kind: 'enum', values }) as const,
  array: <const I extends Schema>(items: I) => ({ kind: 'array', items }) as const,
  any: () => ({ kind: 'any' }) as const,
  optional: <const S extends Schema>(schema: S) => ({ schema, optional: true }) as const,
  struct: <const F extends Record<string, Schema | Member>>(fields: F) =>
    ({
      kind: 'struct',
      members: Object.fromEntries(
        Object.entries(fields).map(([key, value]) => [key, 'optional' in value ? value : { schema: value, optional: false }]),
      ),
    }) as { readonly kind: 'struct'; readonly members: { [K in keyof F]: F[K] extends Member ? F[K] : { schema: F[K]; optional: false } } },
};

export type StructSchema = Extract<Schema, { kind: 'struct' }>;

function invalidType(name: string, expected: string): HostlinkError {
  return new HostlinkError('InvalidParameter', `Invalid parameter type for '${name}', expected: ${expected}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks `value` against `schema` and returns it (arrays and structs copied, unknown
 * members rejected). Throws the first error in visit order, worded as QEMU words it.
 * `name` is the full member path used in messages ("arguments", "env[0]", "a.b").
 */
export function validate(schema: Schema, value: unknown, name: string): unknown {
  switch (schema.kind) {
    case 'any':
      return value;
    case 'str':
      if (typeof value !== 'string') throw invalidType(name, 'string');
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw invalidType(name, 'boolean');
      return value;
    case 'number':
      // Any JSON number: integers (bigint beyond 2^53) and floats (JsonFloat) alike.
      if (typeof value === 'number') return value;
      if (typeof value === 'bigint') return Number(value);
      if (value instanceof JsonFloat) return value.value;
      throw invalidType(name, 'number');
    case 'int':
      return validateInt(schema.type, value, name);
    case 'enum':
      if (typeof value !== 'string') throw invalidType(name, 'string');
      if (!schema.values.includes(value)) {
        throw new HostlinkError('InvalidParameter', `Parameter '${name}' does not accept value '${value}'`);
      }
      return value;
    case 'array':
      if (!Array.isArray(value)) throw invalidType(name, 'array');
      return value.map((item, index) => validate(schema.items, item, `${name}[${index}]`));
    case 'struct':
      return validateStruct(schema, value, name);
  }
}

/** A JSON integer as QEMU's QNum holds it: number, bigint (beyond 2^53), never a float. */
function integerOf(value: unknown): bigint | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : undefined;
  if (typeof value === 'bigint') return value;
  return undefined; // strings, JsonFloat (1.0), ...
}

/** Small values as numbers, values beyond 2^53 as bigint so nothing is rounded. */
function integerResult(value: bigint): number | bigint {
  const asNumber = Number(value);
  return Number.isSafeInteger(asNumber) ? asNumber : value;
}

/**
 * QEMU's input visitor: int64 refuses anything that is not an int64 ("Invalid parameter
 * type ..., expected: integer"); uint64 refuses with "Parameter 'x' expects uint64" and
 * takes negative int64 values modulo 2^64; the narrower types check their range after
 * that, naming the member alone ("Parameter 'count' expects uint32").
 */
function validateInt(type: IntType, value: unknown, name: string): number | bigint {
  if ((type === 'int' || type === 'int64') && Number.isSafeInteger(value)) return value as number;
  const integer = integerOf(value);
  const unsigned = type.startsWith('uint') || type === 'size';
  let checked: bigint;
  if (unsigned) {
    if (integer === undefined || integer < INT_RANGES.int64[0] || integer > INT_RANGES.uint64[1]) {
      throw new HostlinkError('InvalidParameter', `Parameter '${name}' expects uint64`);
    }
    checked = BigInt.asUintN(64, integer);
  } else {
    if (integer === undefined || integer < INT_RANGES.int64[0] || integer > INT_RANGES.int64[1]) {
      throw invalidType(name, 'integer');
    }
    checked = integer;
  }
  const [min, max] = INT_RANGES[type];
  if (checked < min || checked > max) {
    const member = name.slice(name.lastIndexOf('.') + 1);
    throw new HostlinkError('InvalidParameter', `Parameter '${member}' expects ${type}`);
  }
  return integerResult(checked);
}

/**
 * Validates a struct. `name` is undefined for a command's top-level arguments, where
 * QEMU names members without a prefix.
 */
export function validateStruct(schema: StructSchema, value: unknown, name?: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw invalidType(name ?? 'null', 'object');
  const result: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(schema.members)) {
    const full = name === undefined ? key : `${name}.${key}`;
    if (!(key in value)) {
      if (member.optional) continue;
      throw new HostlinkError('InvalidParameter', `Parameter '${full}' is missing`);
    }
    result[key] = validate(member.schema, value[key], full);
  }
  const keys = Object.keys(value);
  const extra = new Set(keys.filter((key) => !(key in schema.members)));
  const unexpected = firstUnexpectedMember(keys, extra);
  if (unexpected !== undefined) {
    const full = name === undefined ? unexpected : `${name}.${unexpected}`;
    throw new HostlinkError('InvalidParameter', `Parameter '${full}' is unexpected`);
  }
  return result;
}
