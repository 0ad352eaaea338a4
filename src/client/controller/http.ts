/**
 * JSON over HTTP(S) to a controller, with node:http so a private CA can be trusted.
 * A controller's error body ({"error": {"class", "message"}}) becomes a HostlinkError of
 * that class; a controller that cannot be reached becomes a ControllerUnreachable error.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { HostlinkError, type ErrorClass } from '../../core/errors.js';

export interface HttpOptions {
  readonly baseUrl: string;
  readonly token?: string;
  readonly ca?: string | Buffer;
}

/** The controller could not be reached (refused, reset, timed out). */
export class ControllerUnreachable extends HostlinkError {
  constructor(url: string, cause: Error) {
    super('GenericError', `cannot reach the controller at ${url}: ${(cause as NodeJS.ErrnoException).code ?? cause.message}`, { cause });
  }
}

export interface JsonResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

const KNOWN_CLASSES: readonly string[] = ['GenericError', 'CommandNotFound', 'CommandDisabled', 'InvalidParameter', 'PermissionDenied', 'NotSupported', 'Timeout', 'ProtocolError', 'ServiceFault'];

export function errorFromBody(status: number, body: Record<string, unknown>): HostlinkError {
  const error = body.error as { class?: unknown; message?: unknown } | undefined;
  const errorClass = typeof error?.class === 'string' && KNOWN_CLASSES.includes(error.class) ? (error.class as ErrorClass) : 'GenericError';
  const message = typeof error?.message === 'string' ? error.message : `controller answered HTTP ${status}`;
  return new HostlinkError(errorClass, message, { data: { status } });
}

/** Starts a request; resolves with the response (the caller reads it). */
export function openRequest(options: HttpOptions, method: string, path: string, body: unknown, timeoutMs: number): Promise<IncomingMessage> {
  const url = new URL(path, options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const requestFn = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = requestFn(url, { method, headers, ...(options.ca ? { ca: options.ca } : {}) }, resolve);
    request.setTimeout(timeoutMs, () => request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    request.on('error', (error) => reject(new ControllerUnreachable(options.baseUrl, error)));
    request.end(payload);
  });
}

export async function requestJson(options: HttpOptions, method: string, path: string, body: unknown, timeoutMs = 30_000): Promise<JsonResponse> {
  const response = await openRequest(options, method, path, body, timeoutMs);
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  let parsed: unknown;
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new HostlinkError('ProtocolError', `controller answered HTTP ${response.statusCode} with a body that is not JSON`);
  }
  const status = response.statusCode ?? 0;
  return { status, body: (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown> };
}
