/**
 * XML-RPC over a message transport (HTTP): one <methodCall> in, one <methodResponse>
 * out, always HTTP 200 (faults included), as Python's SimpleXMLRPCServer answers. A body
 * sent as application/json is JSON-RPC 2.0 instead, so one HTTP listener serves both.
 */
import type { Dispatcher } from '../../core/dispatcher.js';
import { HostlinkError } from '../../core/errors.js';
import type { IncomingMessageBody, MessageProtocol, OutgoingMessageBody } from '../../core/listener.js';
import type { Logger } from '../../core/logger.js';
import type { CallContext } from '../../core/registry.js';
import { xmlrpcFaultShape } from '../error-shapes.js';
import { isJsonContentType, jsonrpcMessageProtocol } from '../jsonrpc/index.js';
import { callMethod } from './introspection.js';
import { decodeMethodCall } from './xmlrpc-decoder.js';
import { encodeFault, encodeResponse, MarshalError } from './xmlrpc-encoder.js';

const XML_CONTENT_TYPE = 'text/xml';
/** Handlers may watch it; nothing aborts a call once its request arrived whole. */
const NEVER_ABORTED = new AbortController().signal;

function faultBody(error: unknown): string {
  // A result XML-RPC cannot carry is the TypeError Python's marshaller raises.
  const reported = error instanceof MarshalError ? new HostlinkError('GenericError', error.message, { data: { excType: 'TypeError' } }) : error;
  const { faultCode, faultString } = xmlrpcFaultShape(reported);
  return encodeFault(faultCode, faultString);
}

/** Answers one XML-RPC request body with a methodResponse document. */
export async function answerXmlRpc(body: Buffer, dispatcher: Dispatcher, log: Logger, clientId: string): Promise<string> {
  let methodName: string | undefined;
  try {
    const call = decodeMethodCall(body);
    methodName = call.methodName;
    const context: CallContext = { protocol: 'xmlrpc', clientId, log, signal: NEVER_ABORTED, dispatcher };
    const result = await callMethod(dispatcher, call.methodName, call.params, context);
    return encodeResponse(result);
  } catch (error) {
    log.debug({ method: methodName, err: error instanceof Error ? error.message : String(error) }, 'xml-rpc fault');
    return faultBody(error);
  }
}

export const xmlrpcProtocol: MessageProtocol = {
  name: 'xmlrpc',
  async handle(request: IncomingMessageBody, dispatcher: Dispatcher, log: Logger): Promise<OutgoingMessageBody | null> {
    if (isJsonContentType(request.contentType)) return jsonrpcMessageProtocol.handle(request, dispatcher, log);
    const answer = await answerXmlRpc(request.body, dispatcher, log, request.clientId);
    return { body: Buffer.from(answer, 'utf8'), contentType: XML_CONTENT_TYPE };
  },
};

export { decodeMethodCall, decodeMethodResponse, MAX_XML_DEPTH, type XmlRpcCall, type XmlRpcResponse } from './xmlrpc-decoder.js';
export { encodeCall, encodeFault, encodeResponse, MarshalError } from './xmlrpc-encoder.js';
export { argumentsFromPositional } from './argument-mapping.js';
export { INTROSPECTION_METHODS } from './introspection.js';
export { plainValues, type XmlRpcValue } from './values.js';
