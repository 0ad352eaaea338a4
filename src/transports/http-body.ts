/**
 * Reading an HTTP request body with a size limit that holds before anything is parsed:
 * a declared Content-Length beyond it is refused unread, a chunked body is counted as it
 * arrives, and a compressed body is inflated with the same limit on its output (no zip
 * bombs).
 */
import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { gunzip, inflate, type ZlibOptions } from 'node:zlib';

const gunzipAsync = promisify<Buffer, ZlibOptions, Buffer>(gunzip);
const inflateAsync = promisify<Buffer, ZlibOptions, Buffer>(inflate);

/** An HTTP-level refusal: the transport answers it with `status` and `message`. */
export class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpRefusal';
  }
}

export function tooLarge(limit: number): HttpRefusal {
  return new HttpRefusal(413, `request body larger than ${limit} bytes`);
}

/** The declared length, undefined when the body is chunked (or absent). */
export function declaredLength(request: IncomingMessage): number | undefined {
  const header = request.headers['content-length'];
  if (header === undefined) return undefined;
  const length = Number(header);
  if (!Number.isSafeInteger(length) || length < 0) throw new HttpRefusal(400, 'bad Content-Length');
  return length;
}

/** Reads the whole body, refusing it (HttpRefusal 413) once it passes `limit` bytes. */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        request.off('data', onData);
        request.resume(); // discard the rest so the client can read the refusal
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    request.once('error', reject);
    request.once('aborted', () => reject(new HttpRefusal(400, 'request aborted')));
  });
}

/** Undoes Content-Encoding (gzip, deflate, identity) with the size limit on the result. */
export async function decodeContent(body: Buffer, encoding: string | undefined, limit: number): Promise<Buffer> {
  const coding = (encoding ?? 'identity').trim().toLowerCase();
  if (coding === 'identity' || coding === '') return body;
  const inflateWith = coding === 'gzip' || coding === 'x-gzip' ? gunzipAsync : coding === 'deflate' ? inflateAsync : undefined;
  if (!inflateWith) throw new HttpRefusal(415, `Content-Encoding "${coding}" is not supported (gzip and deflate are)`);
  try {
    return await inflateWith(body, { maxOutputLength: limit });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) throw tooLarge(limit);
    throw new HttpRefusal(400, `error decoding ${coding} content`);
  }
}
