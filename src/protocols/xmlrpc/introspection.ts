/**
 * The XML-RPC introspection methods vt_agent lacks and most XML-RPC servers have:
 * system.listMethods, system.methodHelp, system.methodSignature, system.multicall.
 * They belong to the protocol (their answers are XML-RPC shapes), see the registry
 * through the dispatcher and obey its policy like any command.
 */
import type { Dispatcher } from '../../core/dispatcher.js';
import { HostlinkError, toHostlinkError } from '../../core/errors.js';
import type { CallContext, CommandDefinition } from '../../core/registry.js';
import type { Schema } from '../../core/schema.js';
import { xmlrpcFaultShape } from '../error-shapes.js';
import { callCommand } from './call-command.js';

export const INTROSPECTION_METHODS = ['system.listMethods', 'system.methodHelp', 'system.methodSignature', 'system.multicall'] as const;

type IntrospectionMethod = (typeof INTROSPECTION_METHODS)[number];

export function isIntrospectionMethod(name: string): name is IntrospectionMethod {
  return (INTROSPECTION_METHODS as readonly string[]).includes(name);
}

const XMLRPC_TYPE_NAMES: Readonly<Record<Schema['kind'], string>> = {
  str: 'string',
  bool: 'boolean',
  number: 'double',
  int: 'int',
  enum: 'string',
  array: 'array',
  struct: 'struct',
  any: 'undef',
};

function oneStringParam(name: string, params: readonly unknown[]): string {
  if (params.length !== 1 || typeof params[0] !== 'string') {
    throw new HostlinkError('InvalidParameter', `${name}() takes one string argument`);
  }
  return params[0];
}

function listMethods(dispatcher: Dispatcher): string[] {
  const names = dispatcher.registry
    .list()
    .map((definition) => definition.name)
    .filter((name) => dispatcher.isEnabled(name));
  names.push(...INTROSPECTION_METHODS.filter((name) => dispatcher.policy.isAllowed(name)));
  return names.sort();
}

function findDocumented(dispatcher: Dispatcher, name: string): CommandDefinition | undefined {
  return dispatcher.isEnabled(name) ? dispatcher.registry.get(name) : undefined;
}

/**
 * Signatures come from the argument schema (return type first, then each member).
 * Commands without a schema, such as user services, answer as Python's
 * SimpleXMLRPCServer does: 'signatures not supported'.
 */
function methodSignature(dispatcher: Dispatcher, name: string): string[][] | string {
  const definition = findDocumented(dispatcher, name);
  if (!definition || definition.rawArguments) return 'signatures not supported';
  const members = definition.args ? Object.values(definition.args.members) : [];
  return [['undef', ...members.map((member) => XMLRPC_TYPE_NAMES[member.schema.kind])]];
}

async function multicall(dispatcher: Dispatcher, params: readonly unknown[], context: CallContext): Promise<unknown[]> {
  const calls = params[0];
  if (params.length !== 1 || !Array.isArray(calls)) throw new HostlinkError('InvalidParameter', 'system.multicall() takes one array of calls');
  const results: unknown[] = [];
  for (const call of calls) {
    try {
      const { methodName, params: callParams } = (call ?? {}) as { methodName?: unknown; params?: unknown };
      if (typeof methodName !== 'string' || !Array.isArray(callParams)) {
        throw new HostlinkError('InvalidParameter', 'each call is a struct with methodName (string) and params (array)');
      }
      if (methodName === 'system.multicall') throw new HostlinkError('InvalidParameter', 'recursive system.multicall forbidden');
      results.push([await callMethod(dispatcher, methodName, callParams, context)]);
    } catch (error) {
      results.push(xmlrpcFaultShape(error));
    }
  }
  return results;
}

/** Calls a registry command or an introspection method. */
export async function callMethod(dispatcher: Dispatcher, methodName: string, params: readonly unknown[], context: CallContext): Promise<unknown> {
  if (!isIntrospectionMethod(methodName)) return callCommand(dispatcher, methodName, params, context);
  if (!dispatcher.policy.isAllowed(methodName)) throw new HostlinkError('CommandDisabled', `method "${methodName}" is not supported`);
  try {
    switch (methodName) {
      case 'system.listMethods':
        if (params.length > 0) throw new HostlinkError('InvalidParameter', 'system.listMethods() takes no arguments');
        return listMethods(dispatcher);
      case 'system.methodHelp':
        return findDocumented(dispatcher, oneStringParam(methodName, params))?.description ?? '';
      case 'system.methodSignature':
        return methodSignature(dispatcher, oneStringParam(methodName, params));
      case 'system.multicall':
        return await multicall(dispatcher, params, context);
    }
  } catch (error) {
    throw toHostlinkError(error);
  }
}
