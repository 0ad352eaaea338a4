/**
 * The agent's one outbound connection to its controller: a WebSocket that carries text
 * frames both ways. It reconnects with exponential backoff (with jitter) whenever the
 * connection fails or drops, and sends WebSocket pings: a controller that answers no
 * ping for two intervals is taken as gone and the connection is replaced. What the
 * frames mean is the fleet member's business, not this transport's.
 */
import WebSocket from 'ws';
import type { Logger } from '../core/logger.js';

export interface ControllerLinkOptions {
  /** ws://, wss://, http:// or https:// URL of the controller's agent endpoint. */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Bearer token sent with the handshake. */
  readonly token?: string;
  /** TLS: CA to trust (PEM) and an optional client certificate. */
  readonly ca?: string | Buffer;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  readonly log: Logger;
  /** Milliseconds between pings (default 10 s). */
  readonly heartbeatMs?: number;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  readonly onOpen: () => void;
  readonly onMessage: (text: string) => void;
  readonly onClose?: (why: string) => void;
}

/** ws:// for http://, wss:// for https://; other schemes as they are. */
export function toWebSocketUrl(url: string): string {
  if (url.startsWith('http://')) return `ws://${url.slice(7)}`;
  if (url.startsWith('https://')) return `wss://${url.slice(8)}`;
  return url;
}

export class ControllerLink {
  private socket: WebSocket | undefined;
  private open = false;
  private stopped = true;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private awaitingPong = 0;

  constructor(private readonly options: ControllerLinkOptions) {}

  get connected(): boolean {
    return this.open;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  /** Sends one text frame; false when not connected (the caller keeps what must not be lost). */
  send(text: string): boolean {
    if (!this.open || !this.socket) return false;
    this.socket.send(text);
    return true;
  }

  /** Drops the current connection and connects again at once. */
  reconnect(): void {
    this.attempt = 0;
    this.socket?.terminate();
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.stopHeartbeat();
    const socket = this.socket;
    this.socket = undefined;
    this.open = false;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        socket.terminate();
        resolve();
      }, 1000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.close(1000, 'agent stopping');
    });
  }

  private connect(): void {
    const { options } = this;
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const socket = new WebSocket(toWebSocketUrl(options.url), {
      headers,
      handshakeTimeout: 10_000,
      maxPayload: 64 * 1024 * 1024,
      ...(options.ca ? { ca: options.ca } : {}),
      ...(options.cert ? { cert: options.cert } : {}),
      ...(options.key ? { key: options.key } : {}),
    });
    this.socket = socket;
    let refusal: string | undefined;
    socket.on('unexpected-response', (_request, response) => {
      refusal = `controller refused the connection: HTTP ${response.statusCode}${response.headers['x-hostlink-reason'] ? ` (${String(response.headers['x-hostlink-reason'])})` : ''}`;
      response.resume();
      socket.terminate();
    });
    socket.on('open', () => {
      this.open = true;
      this.attempt = 0;
      this.startHeartbeat(socket);
      options.log.info({ controller: options.url }, 'connected to the controller');
      options.onOpen();
    });
    socket.on('message', (data, isBinary) => {
      if (!isBinary) options.onMessage(data.toString());
    });
    socket.on('pong', () => {
      this.awaitingPong = 0;
    });
    socket.on('error', (error) => {
      refusal ??= error.message;
    });
    socket.on('close', (code, reason) => {
      const wasOpen = this.open;
      if (this.socket === socket) {
        this.open = false;
        this.stopHeartbeat();
      }
      if (this.stopped) return;
      const why = refusal ?? `closed (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`;
      if (wasOpen) options.log.warn({ controller: options.url, why }, 'connection to the controller lost');
      else options.log.warn({ controller: options.url, why }, 'cannot connect to the controller');
      if (wasOpen) options.onClose?.(why);
      if (this.socket === socket && !this.stopped) this.scheduleRetry();
    });
  }

  private scheduleRetry(): void {
    const initial = this.options.backoffInitialMs ?? 250;
    const max = this.options.backoffMaxMs ?? 5_000;
    const delay = Math.min(max, initial * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    // Jitter spreads the reconnects of many agents after a controller restart.
    const jittered = delay / 2 + Math.random() * (delay / 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopped) this.connect();
    }, jittered);
  }

  private startHeartbeat(socket: WebSocket): void {
    const interval = this.options.heartbeatMs ?? 10_000;
    this.awaitingPong = 0;
    this.heartbeatTimer = setInterval(() => {
      if (this.awaitingPong >= 2) {
        this.options.log.warn('the controller answers no pings: reconnecting');
        socket.terminate();
        return;
      }
      this.awaitingPong++;
      socket.ping();
    }, interval);
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }
}
