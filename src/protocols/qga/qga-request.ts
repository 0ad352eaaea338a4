/**
 * One QGA request, from a parsed JSON value to the reply line: the checks qemu-ga's
 * qmp_dispatch() makes on the request object (in QDict member order, first problem
 * wins), then lookup, policy, argument checks and the handler through the dispatcher.
 */
import { HostlinkError, toHostlinkError } from '../../core/errors.js';
import type { Dispatcher } from '../../core/dispatcher.js';
import { JsonFloat } from '../../core/json-float.js';
import type { CallContext } from '../../core/registry.js';
import { qgaErrorShape } from '../error-shapes.js';
import { qdictOrder } from '../../core/qemu-order.js';
import { writeJson } from './qmp-json-writer.js';

/** The byte qemu-ga puts before the reply to guest-sync-delimited (latin1 string form). */
export const SENTINEL = '\u00ff';

/** The reply line, or null when the command succeeded and sends no reply. */
export type ReplyLine = string | null;

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonFloat);
}

export function errorLine(error: unknown, id?: { value: unknown }): string {
  const shape = qgaErrorShape(error);
  return writeJson({ error: { class: shape.class, desc: shape.desc }, id: id?.value }) + '\n';
}

function genericError(message: string): HostlinkError {
  return new HostlinkError('GenericError', message);
}

/** qmp_dispatch_check_obj(): execute (string), arguments (object) and id; nothing else. */
function checkRequestObject(request: Record<string, unknown>): string {
  let execute: string | undefined;
  for (const key of qdictOrder(Object.keys(request))) {
    const value = request[key];
    if (key === 'execute') {
      if (typeof value !== 'string') throw genericError("QMP input member 'execute' must be a string");
      execute = value;
    } else if (key === 'arguments') {
      if (!isJsonObject(value)) throw genericError("QMP input member 'arguments' must be an object");
    } else if (key !== 'id') {
      throw genericError(`QMP input member '${key}' is unexpected`);
    }
  }
  if (execute === undefined) throw genericError("QMP input lacks member 'execute'");
  return execute;
}

/**
 * Runs one request. Returns the reply line synchronously when the handler is
 * synchronous (the common fast path), else a promise of it. Never throws or rejects.
 */
export function runRequest(
  request: unknown,
  dispatcher: Dispatcher,
  context: CallContext,
): ReplyLine | Promise<ReplyLine> {
  if (!isJsonObject(request)) return errorLine(genericError('QMP input must be a JSON object'));
  const id = Object.prototype.hasOwnProperty.call(request, 'id') ? { value: request.id } : undefined;
  let name: string;
  let successResponse: boolean;
  let result: unknown;
  try {
    name = checkRequestObject(request);
    const definition = dispatcher.resolve(name);
    successResponse = definition.successResponse !== false;
    const args = dispatcher.checkArguments(definition, request.arguments);
    result = definition.handler(args, context);
  } catch (error) {
    return errorLine(error, id);
  }
  if (result instanceof Promise) {
    return result.then(
      (value: unknown) => successLine(name, successResponse, value, id),
      (error: unknown) => errorLine(toHostlinkError(error), id),
    );
  }
  return successLine(name, successResponse, result, id);
}

function successLine(name: string, successResponse: boolean, value: unknown, id?: { value: unknown }): ReplyLine {
  if (!successResponse) return null;
  const line = writeJson({ return: value === undefined ? {} : value, id: id?.value }) + '\n';
  // qemu-ga marks the reply to guest-sync-delimited so a client can find it after junk.
  return name === 'guest-sync-delimited' ? SENTINEL + line : line;
}
