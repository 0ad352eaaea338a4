/**
 * nova-agent's JSON parser plugin, independent of how messages travel: a request
 * `{"name": CMD, "value": ARG}` in, a reply `{"returncode": STRING, "message": STRING}`
 * out. "0" is success; a command may answer its own code (keyinit's "D0").
 *
 * The value reaches a command this way: a command whose schema has a `value` member
 * (the nova commands) gets `{value}` ("" when the request had none); any other command
 * of the registry (guest-info, ...) gets the value as its arguments when it is an
 * object, and no arguments when it is "" or missing. A result that is not a reply is
 * sent as the message: a string as it is, anything else as JSON text.
 */
import type { Dispatcher } from '../../core/dispatcher.js';
import { HostlinkError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { CallContext, CommandDefinition } from '../../core/registry.js';
import { NOVA_MALFORMED_REQUEST, NOVA_MISSING_NAME, novaErrorShape, type NovaReplyShape } from '../error-shapes.js';
import { parseNovaJson, writeNovaJson } from './nova-json.js';

export interface NovaCallInfo {
  readonly clientId: string;
  readonly log: Logger;
  readonly signal: AbortSignal;
}

export type NovaReply = NovaReplyShape;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A handler's own reply: exactly the two string members. */
function isReply(value: unknown): value is NovaReply {
  return isObject(value) && typeof value.returncode === 'string' && typeof value.message === 'string' && Object.keys(value).length === 2;
}

export function takesNovaValue(definition: CommandDefinition): boolean {
  return definition.args?.members.value !== undefined;
}

function argumentsFor(definition: CommandDefinition, value: unknown): unknown {
  if (takesNovaValue(definition)) return { value };
  if (value === '' || value === null || value === undefined) return undefined;
  return value;
}

function replyFromResult(result: unknown): NovaReply {
  if (isReply(result)) return { returncode: result.returncode, message: result.message };
  if (typeof result === 'string') return { returncode: '0', message: result };
  if (result === undefined || result === null) return { returncode: '0', message: '' };
  return { returncode: '0', message: writeNovaJson(result) };
}

/** Answers a parsed request. Never throws: every failure is a "500" or "404" reply. */
export async function answerNova(request: unknown, dispatcher: Dispatcher, info: NovaCallInfo): Promise<NovaReply> {
  if (!isObject(request)) return novaErrorShape(new HostlinkError('ProtocolError', NOVA_MALFORMED_REQUEST));
  if (!('name' in request)) return novaErrorShape(new HostlinkError('ProtocolError', NOVA_MISSING_NAME));
  const { name } = request;
  if (typeof name !== 'string') return novaErrorShape(new HostlinkError('ProtocolError', NOVA_MALFORMED_REQUEST));
  const value = 'value' in request ? request.value : '';
  const context: CallContext = { protocol: 'nova', clientId: info.clientId, log: info.log, signal: info.signal, dispatcher };
  let reply: NovaReply;
  try {
    const definition = dispatcher.resolve(name);
    reply = replyFromResult(await dispatcher.call(name, argumentsFor(definition, value), context));
  } catch (error) {
    reply = novaErrorShape(error, name);
  }
  // Values carry passwords and file contents: only the name and the code are logged.
  info.log.debug({ command: name, returncode: reply.returncode }, 'nova request');
  return reply;
}

/** Answers request text with reply text (one JSON object, no newline). */
export async function answerNovaText(text: string, dispatcher: Dispatcher, info: NovaCallInfo): Promise<string> {
  let request: unknown;
  try {
    request = parseNovaJson(text);
  } catch {
    return JSON.stringify(novaErrorShape(new HostlinkError('ProtocolError', NOVA_MALFORMED_REQUEST)));
  }
  return JSON.stringify(await answerNova(request, dispatcher, info));
}
