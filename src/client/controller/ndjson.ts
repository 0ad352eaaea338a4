/**
 * Reading the controller's NDJSON streams (GET /v1/jobs/ID/stream, GET /v1/events): one
 * JSON object per line, keep-alive pings skipped. A stream the controller refuses (any
 * status but 200) becomes the HostlinkError its body names; a connection that breaks or
 * stays silent past `idleTimeoutMs` becomes ControllerUnreachable; an abort through
 * `signal` just ends the iteration.
 */
import { HostlinkError } from '../../core/errors.js';
import { ControllerUnreachable, errorFromBody, openRequest, type HttpOptions } from './http.js';

/** Longest line taken (a job event carries its command): beyond, the stream is not NDJSON. */
const MAX_LINE_CHARS = 64 * 1024 * 1024;

export async function* readNdjson<T extends { readonly type: string }>(http: HttpOptions, path: string, idleTimeoutMs: number, signal?: AbortSignal): AsyncGenerator<T> {
  const response = await openRequest(http, 'GET', path, undefined, idleTimeoutMs);
  if (response.statusCode !== 200) {
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      // not JSON: a generic error below
    }
    throw errorFromBody(response.statusCode ?? 0, body);
  }
  const abort = (): void => void response.destroy();
  if (signal?.aborted) abort();
  signal?.addEventListener('abort', abort, { once: true });
  response.setEncoding('utf8');
  let buffer = '';
  try {
    for await (const chunk of response as AsyncIterable<string>) {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line === '') continue;
        let event: T;
        try {
          event = JSON.parse(line) as T;
        } catch {
          throw new HostlinkError('ProtocolError', 'the controller sent a stream line that is not JSON');
        }
        if (event.type !== 'ping') yield event;
      }
      if (buffer.length > MAX_LINE_CHARS) throw new HostlinkError('ProtocolError', `the controller sent a stream line longer than ${MAX_LINE_CHARS} characters`);
    }
  } catch (error) {
    if (signal?.aborted) return;
    if (error instanceof HostlinkError) throw error;
    throw new ControllerUnreachable(http.baseUrl, error as Error);
  } finally {
    signal?.removeEventListener('abort', abort);
    response.destroy();
  }
}
