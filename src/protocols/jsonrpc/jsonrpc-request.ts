/**
 * JSON-RPC 2.0 semantics, independent of how messages travel: one request or a batch
 * in, the response object(s) out, or nothing when every request was a notification.
 * Batch members run concurrently; each answers on its own.
 */
import type { Dispatcher } from '../../core/dispatcher.js';
import { HostlinkError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { CallContext } from '../../core/registry.js';
import { JSONRPC_PARSE_ERROR, jsonrpcErrorShape } from '../error-shapes.js';
import { callCommand } from '../xmlrpc/call-command.js';
import { callMethod, isIntrospectionMethod } from '../xmlrpc/introspection.js';
import { writeJson } from './json-writer.js';

type JsonRpcId = string | number | null;

export interface JsonRpcCallInfo {
  readonly clientId: string;
  readonly log: Logger;
  readonly signal: AbortSignal;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorResponse(id: JsonRpcId, error: unknown): Record<string, unknown> {
  return { jsonrpc: '2.0', error: jsonrpcErrorShape(error), id };
}

function invalidRequest(message: string): HostlinkError {
  return new HostlinkError('ProtocolError', `Invalid Request: ${message}`);
}

/** Answers one request object; null for a notification. */
async function answerOne(message: unknown, dispatcher: Dispatcher, info: JsonRpcCallInfo): Promise<Record<string, unknown> | null> {
  if (!isObject(message)) return errorResponse(null, invalidRequest('a request is a JSON object'));
  const notification = !('id' in message);
  const id = message.id;
  if (!notification && id !== null && typeof id !== 'string' && typeof id !== 'number') {
    return errorResponse(null, invalidRequest('"id" must be a string, a number or null'));
  }
  const replyId = notification ? null : (id as JsonRpcId);
  if (message.jsonrpc !== '2.0') return errorResponse(replyId, invalidRequest('"jsonrpc" must be "2.0"'));
  const { method, params } = message;
  if (typeof method !== 'string') return errorResponse(replyId, invalidRequest('"method" must be a string'));
  if (params !== undefined && typeof params !== 'object') return errorResponse(replyId, invalidRequest('"params" must be an array or an object'));
  const context: CallContext = { protocol: 'jsonrpc', clientId: info.clientId, log: info.log, signal: info.signal, dispatcher };
  try {
    const args = (params ?? undefined) as unknown[] | Record<string, unknown> | undefined;
    const result =
      isIntrospectionMethod(method) && method !== 'system.multicall'
        ? await callMethod(dispatcher, method, Array.isArray(args) ? args : [], context)
        : await callCommand(dispatcher, method, args, context);
    return notification ? null : { jsonrpc: '2.0', result: result === undefined ? null : result, id: replyId };
  } catch (error) {
    info.log.debug({ method, err: error instanceof Error ? error.message : String(error) }, 'json-rpc error');
    return notification ? null : errorResponse(replyId, error);
  }
}

/** Answers a parsed message (request or batch) with response JSON text, or null. */
export async function answerJsonRpc(message: unknown, dispatcher: Dispatcher, info: JsonRpcCallInfo): Promise<string | null> {
  if (Array.isArray(message)) {
    if (message.length === 0) return writeJson(errorResponse(null, invalidRequest('an empty batch')));
    const answers = await Promise.all(message.map((item) => answerOne(item, dispatcher, info)));
    const responses = answers.filter((answer) => answer !== null);
    return responses.length === 0 ? null : `[${responses.map(writeResponse).join(',')}]`;
  }
  const answer = await answerOne(message, dispatcher, info);
  return answer === null ? null : writeResponse(answer);
}

/** A result JSON cannot carry becomes that request's error, not a lost reply. */
function writeResponse(response: Record<string, unknown>): string {
  try {
    return writeJson(response);
  } catch (error) {
    return writeJson(errorResponse((response.id ?? null) as JsonRpcId, error));
  }
}

/** Answers raw JSON text: parse errors get JSON-RPC's -32700. */
export async function answerJsonRpcText(text: string, dispatcher: Dispatcher, info: JsonRpcCallInfo): Promise<string | null> {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return writeJson({ jsonrpc: '2.0', error: { code: JSONRPC_PARSE_ERROR, message: `Parse error: ${detail}`, data: { class: 'ProtocolError' } }, id: null });
  }
  return answerJsonRpc(message, dispatcher, info);
}
