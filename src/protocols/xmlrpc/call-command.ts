/**
 * Runs one registry command for an RPC protocol: resolves the name (wording an unknown
 * method as SimpleXMLRPCServer does), maps positional or named parameters and calls
 * through the dispatcher, so the policy and the schema checks apply as for every
 * protocol.
 */
import type { Dispatcher } from '../../core/dispatcher.js';
import { HostlinkError } from '../../core/errors.js';
import type { CallContext, CommandDefinition } from '../../core/registry.js';
import { argumentsFromPositional } from './argument-mapping.js';

/**
 * Finds a callable command. Unknown ones, and ones the policy blocks, are
 * 'method "X" is not supported' (SimpleXMLRPCServer's words); a command its own set has
 * disabled for now (qemu-ga's frozen state) keeps the dispatcher's message and reason.
 */
export function resolveMethod(dispatcher: Dispatcher, methodName: string): CommandDefinition {
  try {
    return dispatcher.resolve(methodName);
  } catch (error) {
    if (!(error instanceof HostlinkError)) throw error;
    const disabledBySet = error.errorClass === 'CommandDisabled' && dispatcher.registry.get(methodName)?.enabled === false;
    if (!disabledBySet && (error.errorClass === 'CommandNotFound' || error.errorClass === 'CommandDisabled')) {
      throw new HostlinkError(error.errorClass, `method "${methodName}" is not supported`);
    }
    throw error;
  }
}

/** Calls `methodName` with positional params (an array) or named ones (an object). */
export async function callCommand(
  dispatcher: Dispatcher,
  methodName: string,
  params: readonly unknown[] | Record<string, unknown> | undefined,
  context: CallContext,
): Promise<unknown> {
  const definition = resolveMethod(dispatcher, methodName);
  const args = Array.isArray(params) ? argumentsFromPositional(definition, params) : params;
  return dispatcher.call(methodName, args, context);
}
