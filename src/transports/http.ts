/**
 * HTTP(S) message transport: each POST body to an RPC path is one message, the reply is
 * the response body. Like Python's SimpleXMLRPCServer it answers POST on "/" and "/RPC2"
 * (other paths 404, other methods 501); unlike it, connections stay open (HTTP/1.1
 * keep-alive), gzip requests are accepted and answers are gzipped when the client asks
 * and they are big enough to gain. Binds 127.0.0.1 unless told otherwise; optional
 * bearer/basic auth and TLS; a body limit enforced before anything is parsed.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { IncomingMessageBody, MessageTransport, OutgoingMessageBody } from '../core/listener.js';
import { authRequired, challenges, isAuthorized, type HttpAuthOptions } from './http-auth.js';
import { decodeContent, declaredLength, HttpRefusal, readBody, tooLarge } from './http-body.js';
import { listen } from './listen.js';

const gzipAsync = promisify(gzip);

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
/** Python's xmlrpc.server compresses answers from this size on. */
export const DEFAULT_COMPRESS_THRESHOLD = 1400;
/** Lingering close of a refused request: at most this many more body bytes are read and dropped... */
const LINGER_BYTES = 256 * 1024 * 1024;
/** ...for at most this long, then the connection is cut. */
const LINGER_MS = 10_000;

/** Reads and drops the rest of a refused request's body, within LINGER_BYTES and LINGER_MS. */
function drainBounded(request: IncomingMessage): void {
  let drained = 0;
  const cut = (): void => {
    request.off('data', onData);
    request.socket.destroy();
  };
  const timer = setTimeout(cut, LINGER_MS);
  timer.unref();
  const onData = (chunk: Buffer): void => {
    drained += chunk.length;
    if (drained > LINGER_BYTES) {
      clearTimeout(timer);
      cut();
    }
  };
  request.on('data', onData);
  request.once('close', () => clearTimeout(timer));
  request.resume();
}

/** How long close() lets calls in progress finish before cutting connections. */
const CLOSE_GRACE_MS = 5000;

export interface HttpTlsOptions {
  /** PEM certificate (chain) and private key. */
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
}

export interface HttpTransportOptions {
  readonly host?: string;
  /** 0 picks a free port; `port` tells which after start(). */
  readonly port: number;
  /** Paths that take calls; ["/", "/RPC2"] by default. */
  readonly paths?: readonly string[];
  readonly maxBodyBytes?: number;
  readonly compressThreshold?: number;
  readonly auth?: HttpAuthOptions;
  readonly tls?: HttpTlsOptions;
  /** Idle keep-alive connections are closed after this long (ms); 60 s by default. */
  readonly keepAliveTimeoutMs?: number;
}

let nextRequestId = 1;

export class HttpTransport implements MessageTransport {
  readonly kind = 'message' as const;
  private server: Server | undefined;
  private boundPort: number;
  private readonly host: string;
  private readonly paths: ReadonlySet<string>;
  private readonly maxBody: number;
  private readonly compressThreshold: number;
  private inFlight = 0;
  private closing: (() => void) | undefined;

  constructor(private readonly options: HttpTransportOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.boundPort = options.port;
    this.paths = new Set(options.paths ?? ['/', '/RPC2']);
    this.maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.compressThreshold = options.compressThreshold ?? DEFAULT_COMPRESS_THRESHOLD;
  }

  get address(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `${this.options.tls ? 'https' : 'http'}:${host}:${this.boundPort}`;
  }

  get port(): number {
    return this.boundPort;
  }

  /** The URL clients use, e.g. http://127.0.0.1:8000/. */
  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `${this.options.tls ? 'https' : 'http'}://${host}:${this.boundPort}/`;
  }

  async start(onMessage: (request: IncomingMessageBody) => Promise<OutgoingMessageBody | null>): Promise<void> {
    const handler = (request: IncomingMessage, response: ServerResponse): void => {
      this.inFlight++;
      response.once('close', () => {
        this.inFlight--;
        if (this.inFlight === 0) this.closing?.();
      });
      if (this.closing) response.setHeader('Connection', 'close');
      this.serve(request, response, onMessage).catch((error: unknown) => this.fail(request, response, error));
    };
    const { tls } = this.options;
    const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler) : createHttpServer(handler);
    server.keepAliveTimeout = this.options.keepAliveTimeoutMs ?? 60_000;
    // Refuse an announced oversize body before the client sends it (Expect: 100-continue).
    server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
      const length = Number(request.headers['content-length'] ?? 0);
      if (length > this.maxBody) {
        this.refuse(response, tooLarge(this.maxBody), true);
        return;
      }
      response.writeContinue();
      handler(request, response);
    });
    server.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
    await listen(server, { port: this.boundPort, host: this.host });
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
  }

  private async serve(
    request: IncomingMessage,
    response: ServerResponse,
    onMessage: (request: IncomingMessageBody) => Promise<OutgoingMessageBody | null>,
  ): Promise<void> {
    const path = (request.url ?? '/').split('?', 1)[0]!;
    // A refused request's body is not read: the connection then closes after the answer,
    // so nobody can make the agent swallow unlimited bytes it will not use.
    const hasBody = request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
    if (request.method !== 'POST') {
      return this.refuse(response, new HttpRefusal(501, `Unsupported method ('${request.method ?? ''}')`), hasBody, request);
    }
    if (!this.paths.has(path)) return this.refuse(response, new HttpRefusal(404, 'No such page'), hasBody, request);
    const { auth } = this.options;
    if (authRequired(auth) && !isAuthorized(auth!, request.headers)) {
      response.setHeader('WWW-Authenticate', challenges(auth!));
      return this.refuse(response, new HttpRefusal(401, 'authentication required'), hasBody, request);
    }
    const length = declaredLength(request);
    if (length !== undefined && length > this.maxBody) return this.refuse(response, tooLarge(this.maxBody), true, request);
    const raw = await readBody(request, this.maxBody);
    const body = await decodeContent(raw, request.headers['content-encoding'], this.maxBody);
    const clientId = `http-${nextRequestId++}-${request.socket.remoteAddress ?? '?'}:${request.socket.remotePort ?? 0}`;
    const contentType = request.headers['content-type'];
    const answer = await onMessage(contentType === undefined ? { clientId, body } : { clientId, body, contentType });
    if (answer === null) {
      response.writeHead(204).end();
      return;
    }
    let payload = answer.body;
    const headers: Record<string, string | number> = { 'Content-Type': answer.contentType ?? 'application/octet-stream' };
    if (payload.length >= this.compressThreshold && acceptsGzip(request.headers['accept-encoding'])) {
      payload = await gzipAsync(payload);
      headers['Content-Encoding'] = 'gzip';
    }
    headers['Content-Length'] = payload.length;
    // Said explicitly, Node adds no Keep-Alive header: one header less for every client to parse.
    if (request.httpVersion === '1.1' && !this.closing && !/\bclose\b/i.test(request.headers.connection ?? '')) headers.Connection = 'keep-alive';
    response.writeHead(answer.status ?? 200, headers).end(payload);
  }

  /**
   * Answers with an HTTP error. When the body was left unread (`unread`), the client may
   * still be sending it: closing at once would reset the connection under it and it would
   * never read the answer. So the rest is read and discarded ("lingering close"), up to
   * LINGER_BYTES or LINGER_MS, after which the connection is cut: nobody can make the
   * agent swallow unlimited bytes. A body drained in time leaves the connection usable.
   */
  private refuse(response: ServerResponse, refusal: HttpRefusal, unread: boolean, request?: IncomingMessage): void {
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const text = `${refusal.message}\n`;
    const headers: Record<string, string | number> = { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) };
    const linger = unread && request !== undefined && !request.complete;
    if (unread && !linger) headers.Connection = 'close';
    response.writeHead(refusal.status, headers).end(text);
    if (linger) drainBounded(request);
  }

  private fail(request: IncomingMessage, response: ServerResponse, error: unknown): void {
    if (error instanceof HttpRefusal) {
      this.refuse(response, error, error.status === 413, request);
      return;
    }
    // Never a stack trace over the wire.
    if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' }).end('internal error\n');
    else response.destroy();
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    if (this.inFlight > 0) {
      // Let answers in progress (a quit() reply, for one) go out first.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CLOSE_GRACE_MS);
        this.closing = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    server.closeAllConnections();
    await closed;
  }
}

function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== 'x-gzip') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}
