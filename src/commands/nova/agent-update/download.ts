/**
 * Downloads the update into a file, with a size cap and a time limit, computing its MD5
 * and SHA-256 on the way. Redirects are followed a few times, never from https to http.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { genericError } from '../../../core/errors.js';

export interface DownloadOptions {
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly allowHttp: boolean;
  /** Extra CA certificates (PEM) to trust for https. */
  readonly ca?: string | Buffer;
}

export interface Downloaded {
  readonly bytes: number;
  readonly md5: string;
  readonly sha256: string;
}

const MAX_REDIRECTS = 5;

function request(url: URL, options: DownloadOptions, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const onResponse = (response: IncomingMessage): void => resolve(response);
    const req = url.protocol === 'https:' ? httpsGet(url, { signal, ...(options.ca ? { ca: options.ca } : {}) }, onResponse) : httpGet(url, { signal }, onResponse);
    req.on('error', reject);
  });
}

export async function download(url: URL, file: string, options: DownloadOptions): Promise<Downloaded> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let current = url;
  for (let redirects = 0; ; redirects++) {
    let response: IncomingMessage;
    try {
      response = await request(current, options, signal);
    } catch (error) {
      throw genericError(`agentupdate: download failed: ${(error as Error).message}`);
    }
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location && redirects < MAX_REDIRECTS) {
      response.resume();
      const next = new URL(response.headers.location, current);
      if (next.protocol !== 'https:' && !(options.allowHttp && next.protocol === 'http:')) throw genericError('agentupdate: refused a redirect away from https');
      current = next;
      continue;
    }
    if (status !== 200) {
      response.resume();
      throw genericError(`agentupdate: download failed: HTTP ${status}`);
    }
    return save(response, file, options.maxBytes);
  }
}

function save(response: IncomingMessage, file: string, maxBytes: number): Promise<Downloaded> {
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  let bytes = 0;
  return new Promise((resolve, reject) => {
    const out = createWriteStream(file, { mode: 0o600 });
    const fail = (error: Error): void => {
      response.destroy();
      out.destroy();
      reject(error);
    };
    response.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) return fail(genericError(`agentupdate: the download is larger than ${maxBytes} bytes`));
      md5.update(chunk);
      sha256.update(chunk);
    });
    response.on('error', (error) => fail(genericError(`agentupdate: download failed: ${error.message}`)));
    out.on('error', (error) => fail(genericError(`agentupdate: cannot save the download: ${error.message}`)));
    out.on('finish', () => resolve({ bytes, md5: md5.digest('hex'), sha256: sha256.digest('hex') }));
    response.pipe(out);
  });
}
