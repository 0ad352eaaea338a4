/**
 * Whole-file transfers over guest-file-open/read/write/close, in chunks (4 MiB by
 * default; qemu-ga allows at most 48 MiB per read). Two chunk requests are kept in
 * flight, so the agent reads or writes the next chunk while this side decodes or
 * encodes the last one; the agent answers in order, so the chunks stay in order. The
 * guest file handle is closed whatever happens.
 */
import { QgaError } from './errors.js';
import type { GuestFileRead, GuestFileSeek, GuestFileWrite } from './types.js';

export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;
/** qemu-ga refuses reads of more than 48 MiB. */
export const MAX_READ_CHUNK = 48 * 1024 * 1024;
const IN_FLIGHT = 2;

/** Called after each chunk with the bytes done so far and the total when known. */
export type ProgressCallback = (done: number, total: number | undefined) => void;

export interface ReadFileOptions {
  /** Bytes per guest-file-read (default 4 MiB, at most 48 MiB). */
  readonly chunkSize?: number;
  readonly onProgress?: ProgressCallback;
}

export interface WriteFileOptions {
  /** Bytes per guest-file-write (default 4 MiB). */
  readonly chunkSize?: number;
  readonly onProgress?: ProgressCallback;
  /** fopen(3) mode: "w" (default, truncates) or "a" to append. */
  readonly mode?: 'w' | 'a' | 'wb' | 'ab';
}

/** What the transfers need from a client (QgaClient has it). */
export interface FileCapable {
  fileOpen(path: string, mode?: string): Promise<number>;
  fileClose(handle: number): Promise<void>;
  fileRead(handle: number, count?: number): Promise<GuestFileRead>;
  fileWrite(handle: number, data: Uint8Array): Promise<GuestFileWrite>;
  fileSeek(handle: number, offset: number, whence: 'set' | 'end'): Promise<GuestFileSeek>;
}

/** Yields a guest file's content chunk by chunk. */
export async function* readFileChunks(client: FileCapable, path: string, options: ReadFileOptions = {}): AsyncGenerator<Buffer> {
  const chunkSize = checkChunkSize(options.chunkSize ?? DEFAULT_CHUNK_SIZE, MAX_READ_CHUNK);
  const handle = await client.fileOpen(path, 'r');
  const queue: Array<Promise<GuestFileRead>> = [];
  let failed = true;
  try {
    const total = options.onProgress ? await sizeOf(client, handle) : undefined;
    let done = 0;
    let atEnd = false;
    const fill = () => {
      while (!atEnd && queue.length < IN_FLIGHT) {
        const read = client.fileRead(handle, chunkSize);
        read.catch(() => undefined); // awaited below; this only keeps it from being "unhandled" meanwhile
        queue.push(read);
      }
    };
    fill();
    while (queue.length > 0) {
      const result = await queue.shift()!;
      if (result.eof || result.count === 0) atEnd = true;
      else fill();
      if (result.count > 0) {
        const data = Buffer.from(result['buf-b64'], 'base64');
        done += data.length;
        options.onProgress?.(done, total);
        yield data;
      }
    }
    failed = false;
  } finally {
    await Promise.allSettled(queue);
    await closeHandle(client, handle, failed);
  }
}

/** Reads a whole guest file into one Buffer. */
export async function readFile(client: FileCapable, path: string, options?: ReadFileOptions): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of readFileChunks(client, path, options)) chunks.push(chunk);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/** Writes `data` to a guest file; returns the number of bytes written. */
export async function writeFile(
  client: FileCapable,
  path: string,
  data: Uint8Array | string | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: WriteFileOptions = {},
): Promise<number> {
  const chunkSize = checkChunkSize(options.chunkSize ?? DEFAULT_CHUNK_SIZE, Number.MAX_SAFE_INTEGER);
  const bytes = typeof data === 'string' ? Buffer.from(data) : data instanceof Uint8Array ? data : undefined;
  const total = bytes?.length;
  const source = bytes ? [bytes] : (data as AsyncIterable<Uint8Array> | Iterable<Uint8Array>);
  const handle = await client.fileOpen(path, options.mode ?? 'w');
  const queue: Array<Promise<void>> = [];
  let written = 0;
  let failed = true;
  try {
    for await (const chunk of rechunk(source, chunkSize)) {
      const write = client.fileWrite(handle, chunk).then((result) => {
        if (result.count !== chunk.length) throw new QgaError('GenericError', `short write to ${path}: ${result.count} of ${chunk.length} bytes (is the guest disk full?)`);
        written += chunk.length;
        options.onProgress?.(written, total);
      });
      write.catch(() => undefined);
      queue.push(write);
      if (queue.length >= IN_FLIGHT) await queue.shift();
    }
    while (queue.length > 0) await queue.shift();
    failed = false;
  } finally {
    await Promise.allSettled(queue);
    await closeHandle(client, handle, failed);
  }
  return written;
}

/** Yields `chunkSize` pieces (the last one shorter) from any sequence of byte arrays. */
async function* rechunk(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, chunkSize: number): AsyncGenerator<Uint8Array> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  for await (const piece of source) {
    let offset = 0;
    while (offset < piece.length) {
      const take = Math.min(chunkSize - pendingBytes, piece.length - offset);
      pending.push(piece.subarray(offset, offset + take));
      pendingBytes += take;
      offset += take;
      if (pendingBytes === chunkSize) {
        yield pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
      }
    }
  }
  if (pendingBytes > 0) yield pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
}

async function sizeOf(client: FileCapable, handle: number): Promise<number | undefined> {
  try {
    const end = await client.fileSeek(handle, 0, 'end');
    await client.fileSeek(handle, 0, 'set');
    return end.position > 0 ? end.position : undefined;
  } catch {
    return undefined; // not seekable (a pipe, a /proc file): progress without a total
  }
}

async function closeHandle(client: FileCapable, handle: number, failed: boolean): Promise<void> {
  if (!failed) return client.fileClose(handle);
  // Already failing: report that failure, not a second one from closing.
  await client.fileClose(handle).catch(() => undefined);
}

function checkChunkSize(size: number, max: number): number {
  if (!Number.isInteger(size) || size < 1 || size > max) {
    throw new RangeError(`chunkSize must be a whole number of bytes from 1 to ${max}, not ${size}`);
  }
  return size;
}
