/**
 * JSON-RPC 2.0 over the same registry: as HTTP bodies (a message protocol, also reached
 * through the XML-RPC listener by Content-Type application/json) and as
 * newline-delimited JSON on Unix sockets and TCP (a stream protocol). Batches,
 * notifications, the standard error codes, and the error's class in `error.data.class`.
 */
import type { Dispatcher } from '../../core/dispatcher.js';
import type { MessageProtocol, StreamProtocol } from '../../core/listener.js';
import { answerJsonRpcText } from './jsonrpc-request.js';
import { LineSession, type LineCallInfo } from '../line-session.js';

const JSON_CONTENT_TYPE = 'application/json';
/** Longest request line accepted on a stream (bytes). */
export const DEFAULT_MAX_LINE = 16 * 1024 * 1024;
/** Requests of one stream connection answered at once (answers carry their ids, any order). */
export const MAX_IN_FLIGHT = 32;
const JSONRPC_INTERNAL_ERROR = -32603;

/** One answer line; handler errors are already responses, this catches the unexpected. */
async function answerLine(text: string, dispatcher: Dispatcher, info: LineCallInfo): Promise<string | null> {
  try {
    return await answerJsonRpcText(text, dispatcher, info);
  } catch (error) {
    info.log.error({ err: error instanceof Error ? error.message : String(error) }, 'json-rpc session failure');
    return JSON.stringify({ jsonrpc: '2.0', error: { code: JSONRPC_INTERNAL_ERROR, message: 'Internal error', data: { class: 'GenericError' } }, id: null });
  }
}

function tooLongAnswer(maxLine: number): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    error: { code: -32600, message: `Invalid Request: a request line is longer than ${maxLine} bytes`, data: { class: 'ProtocolError' } },
    id: null,
  });
}
const NEVER_ABORTED = new AbortController().signal;

/** application/json, application/json-rpc, application/jsonrequest, anything +json. */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/json' || type === 'application/json-rpc' || type === 'application/jsonrequest' || type.endsWith('+json');
}

/** Over HTTP: a response body, or null (HTTP 204) when the request held only notifications. */
export const jsonrpcMessageProtocol: MessageProtocol = {
  name: 'jsonrpc',
  async handle(request, dispatcher, log) {
    const answer = await answerJsonRpcText(request.body.toString('utf8'), dispatcher, { clientId: request.clientId, log, signal: NEVER_ABORTED });
    return answer === null ? null : { body: Buffer.from(answer, 'utf8'), contentType: JSON_CONTENT_TYPE };
  },
};

export interface JsonRpcStreamOptions {
  /** Longest request line in bytes (16 MiB by default). */
  readonly maxLineBytes?: number;
}

export function createJsonRpcStreamProtocol(options: JsonRpcStreamOptions = {}): StreamProtocol {
  const maxLine = options.maxLineBytes ?? DEFAULT_MAX_LINE;
  return {
    name: 'jsonrpc',
    serve(connection, dispatcher, log) {
      const answer = (text: string, info: LineCallInfo): Promise<string | null> => answerLine(text, dispatcher, info);
      new LineSession(connection, { maxLine, concurrency: MAX_IN_FLIGHT, maxQueued: MAX_IN_FLIGHT, answer, tooLongAnswer }, log).start();
    },
  };
}

/** Newline-delimited JSON-RPC with the default limits. */
export const jsonrpcStreamProtocol: StreamProtocol = createJsonRpcStreamProtocol();

/**
 * Both forms in one object, for listener tables keyed by protocol name: a Listener uses
 * `serve` on a stream transport (Unix, TCP) and `handle` on a message transport (HTTP).
 */
export const jsonrpcProtocol: StreamProtocol & MessageProtocol = {
  name: 'jsonrpc',
  serve: jsonrpcStreamProtocol.serve,
  handle: jsonrpcMessageProtocol.handle,
};

export { answerJsonRpc, answerJsonRpcText } from './jsonrpc-request.js';
export { writeJson } from './json-writer.js';
