/**
 * XML-RPC parameters are positional; registry commands with a schema take named
 * arguments. The rule (also used for JSON-RPC positional params):
 *
 * - A command with rawArguments (a user service) gets the positional list unchanged.
 * - One struct parameter is the named arguments, unless the command's first member is
 *   itself a struct or `any` (then the struct is that first argument).
 * - Otherwise parameters fill the schema's members in declaration order. A nil given
 *   for an optional member leaves it out, so a client can skip one.
 * - More parameters than members, or any parameter for a command without arguments,
 *   is an InvalidParameter error.
 */
import { HostlinkError } from '../../core/errors.js';
import type { CommandDefinition } from '../../core/registry.js';

function isStruct(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Arguments for `definition` from positional `params`, ready for Dispatcher.call. */
export function argumentsFromPositional(definition: CommandDefinition, params: readonly unknown[]): unknown {
  if (definition.rawArguments) return params;
  const members = definition.args ? Object.entries(definition.args.members) : [];
  if (members.length === 0) {
    if (params.length === 0) return undefined;
    if (params.length === 1 && isStruct(params[0])) return params[0]; // {} is "no arguments"; members are refused later
    throw new HostlinkError('InvalidParameter', `${definition.name}() takes no arguments (${params.length} given)`);
  }
  const firstKind = members[0]![1].schema.kind;
  if (params.length === 1 && isStruct(params[0]) && firstKind !== 'struct' && firstKind !== 'any') return params[0];
  if (params.length > members.length) {
    throw new HostlinkError('InvalidParameter', `${definition.name}() takes at most ${plural(members.length, 'argument')} (${params.length} given)`);
  }
  const args: Record<string, unknown> = {};
  params.forEach((value, index) => {
    const [name, member] = members[index]!;
    if (value === null && member.optional) return;
    args[name] = value;
  });
  return args;
}
