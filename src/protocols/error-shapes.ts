/**
 * The one place where HostlinkError classes become each protocol's error shape.
 * Each protocol gets one function here; the message travels as it is (it was made safe
 * for the wire by toHostlinkError), never a stack trace.
 */
import { toHostlinkError, type ErrorClass, type HostlinkError } from '../core/errors.js';

/** QEMU guest agent: `{"error": {"class": ..., "desc": ...}}`. */
export interface QgaErrorShape {
  readonly class: string;
  readonly desc: string;
}

/**
 * qemu-ga knows few classes: an unknown command and a disabled one (blocked with -b, or
 * disabled while the file systems are frozen) are both CommandNotFound; everything
 * else, argument errors included, is GenericError.
 */
const QGA_CLASSES: Readonly<Record<ErrorClass, string>> = {
  GenericError: 'GenericError',
  CommandNotFound: 'CommandNotFound',
  CommandDisabled: 'CommandNotFound',
  InvalidParameter: 'GenericError',
  PermissionDenied: 'GenericError',
  NotSupported: 'GenericError',
  Timeout: 'GenericError',
  ProtocolError: 'GenericError',
  ServiceFault: 'GenericError',
};

export function qgaErrorShape(error: unknown): QgaErrorShape {
  const hostlinkError = toHostlinkError(error);
  return { class: QGA_CLASSES[hostlinkError.errorClass] ?? 'GenericError', desc: hostlinkError.message };
}

/** XML-RPC: a `<fault>` struct. */
export interface XmlRpcFaultShape {
  readonly faultCode: number;
  readonly faultString: string;
}

/**
 * Python exception names for the faultString's `exc_type`: the newest vt_agent client
 * rebuilds the remote exception from it (builtins by name), so these are names Python
 * knows. An unknown method is `Exception('method "X" is not supported')`, as in
 * SimpleXMLRPCServer; bad arguments are a TypeError, as a Python call would raise.
 */
const PYTHON_EXCEPTION_TYPES: Readonly<Record<ErrorClass, string>> = {
  GenericError: 'Exception',
  CommandNotFound: 'Exception',
  CommandDisabled: 'Exception',
  InvalidParameter: 'TypeError',
  PermissionDenied: 'PermissionError',
  NotSupported: 'NotImplementedError',
  Timeout: 'TimeoutError',
  ProtocolError: 'ValueError',
  ServiceFault: 'Exception',
};

/** Node system error codes as the OSError subclasses Python raises for them. */
const PYTHON_OS_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'FileNotFoundError',
  EEXIST: 'FileExistsError',
  EACCES: 'PermissionError',
  EPERM: 'PermissionError',
  EISDIR: 'IsADirectoryError',
  ENOTDIR: 'NotADirectoryError',
  ECONNREFUSED: 'ConnectionRefusedError',
  ETIMEDOUT: 'TimeoutError',
};

function pythonExceptionType(error: HostlinkError): string {
  const declared = error.data?.excType;
  if (typeof declared === 'string' && declared.length > 0) return declared;
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return PYTHON_OS_ERRORS[code] ?? 'OSError';
  return PYTHON_EXCEPTION_TYPES[error.errorClass] ?? 'Exception';
}

/** JSON text as Python's json.dumps writes it (", " and ": " separators, ASCII only). */
function pythonJsonDumps(fields: Readonly<Record<string, string>>): string {
  const members = Object.entries(fields).map(([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(value)}`);
  return `{${members.join(', ')}}`.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A service's own fault (ServiceFault with data.faultCode) keeps its code and string.
 * Anything else is fault code 1 whose faultString is the JSON object vt_agent sends,
 * {"exc_type", "exc_value", "tb_info"}. tb_info is the service's own traceback when a
 * Python service raised (its frames only), else one line "Type: message": never the
 * agent's internals.
 */
export function xmlrpcFaultShape(error: unknown): XmlRpcFaultShape {
  const hostlinkError = toHostlinkError(error);
  const faultCode = hostlinkError.data?.faultCode;
  if (hostlinkError.errorClass === 'ServiceFault' && typeof faultCode === 'number' && Number.isSafeInteger(faultCode)) {
    return { faultCode, faultString: hostlinkError.message };
  }
  const excType = pythonExceptionType(hostlinkError);
  const traceback = hostlinkError.data?.traceback;
  const tbInfo = typeof traceback === 'string' && traceback.length > 0 ? traceback : `${excType}: ${hostlinkError.message}\n`;
  return { faultCode: 1, faultString: pythonJsonDumps({ exc_type: excType, exc_value: hostlinkError.message, tb_info: tbInfo }) };
}

/** JSON-RPC 2.0: the response's `error` member. */
export interface JsonRpcErrorShape {
  readonly code: number;
  readonly message: string;
  readonly data: { readonly class: ErrorClass } & Readonly<Record<string, unknown>>;
}

/** The spec's codes where one fits; -32000 to -32099 ("server error") for the rest. */
const JSONRPC_CODES: Readonly<Record<ErrorClass, number>> = {
  GenericError: -32000,
  CommandNotFound: -32601,
  CommandDisabled: -32601,
  InvalidParameter: -32602,
  PermissionDenied: -32001,
  NotSupported: -32002,
  Timeout: -32003,
  ProtocolError: -32600,
  ServiceFault: -32004,
};

/** JSON-RPC's invalid-JSON code; the protocol uses it before any HostlinkError exists. */
export const JSONRPC_PARSE_ERROR = -32700;

/**
 * The error's class always travels in `data.class`. A service's own fault code becomes
 * the error code (unless it falls in the range JSON-RPC reserves); a Python service's
 * exception type travels in `data.exc_type`.
 */
export function jsonrpcErrorShape(error: unknown): JsonRpcErrorShape {
  const hostlinkError = toHostlinkError(error);
  const data: Record<string, unknown> = { class: hostlinkError.errorClass };
  let code = JSONRPC_CODES[hostlinkError.errorClass] ?? -32000;
  const faultCode = hostlinkError.data?.faultCode;
  if (hostlinkError.errorClass === 'ServiceFault' && typeof faultCode === 'number' && Number.isSafeInteger(faultCode)) {
    data.faultCode = faultCode;
    if (faultCode > -32000 || faultCode < -32768) code = faultCode;
  }
  const excType = hostlinkError.data?.excType;
  if (typeof excType === 'string') data.exc_type = excType;
  return { code, message: hostlinkError.message, data: data as JsonRpcErrorShape['data'] };
}

/** nova-agent: the reply `{"returncode": ..., "message": ...}`, codes as strings. */
export interface NovaReplyShape {
  readonly returncode: string;
  readonly message: string;
}

/** The original's texts for requests that name no command. */
export const NOVA_MALFORMED_REQUEST = 'Request is malformed';
export const NOVA_MISSING_NAME = "Request is missing 'name' key";

/**
 * nova-agent knows two error codes: "404" for a command it does not have (`No such
 * agent command 'X'`; a disabled one is also absent to the host, with the reason as
 * the message) and "500" for everything else, with the error's text. A command may
 * choose its code with `data.returncode`.
 */
export function novaErrorShape(error: unknown, commandName?: string): NovaReplyShape {
  const hostlinkError = toHostlinkError(error);
  const own = hostlinkError.data?.returncode;
  if (typeof own === 'string' && own.length > 0) return { returncode: own, message: hostlinkError.message };
  if (hostlinkError.errorClass === 'CommandNotFound') {
    return { returncode: '404', message: commandName === undefined ? hostlinkError.message : `No such agent command '${commandName}'` };
  }
  if (hostlinkError.errorClass === 'CommandDisabled') return { returncode: '404', message: hostlinkError.message };
  return { returncode: '500', message: hostlinkError.message };
}
