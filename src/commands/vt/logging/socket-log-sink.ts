/**
 * Streams encoded log records to a TCP receiver, the way Python's SocketHandler does:
 * connect lazily, and when the connection fails or breaks, drop records and retry after
 * a delay that starts at 1 s and doubles up to 30 s. Records written while connecting
 * wait in a bounded queue. Logging never blocks or fails a service call.
 */
import { connect, type Socket } from 'node:net';
import type { ServiceLogRecord } from '../../../services/log-record.js';
import type { ServiceLogSink } from '../../../services/service-log-hub.js';

const RETRY_START_MS = 1000;
const RETRY_MAX_MS = 30_000;
const MAX_QUEUED = 10_000;

export interface SocketLogSinkOptions {
  readonly host: string;
  readonly port: number;
  readonly accepts: (loggerName: string) => boolean;
  readonly encode: (record: ServiceLogRecord) => Buffer;
}

export class SocketLogSink implements ServiceLogSink {
  private socket: Socket | undefined;
  private connecting = false;
  private queue: Buffer[] = [];
  private retryAt = 0;
  private retryDelay = RETRY_START_MS;
  private closed = false;

  constructor(private readonly options: SocketLogSinkOptions) {
    this.connect();
  }

  accepts(loggerName: string): boolean {
    return this.options.accepts(loggerName);
  }

  write(record: ServiceLogRecord): void {
    if (this.closed) return;
    const frame = this.options.encode(record);
    if (this.socket && !this.connecting) {
      this.socket.write(frame);
      return;
    }
    if (!this.connecting && Date.now() >= this.retryAt) this.connect();
    if (this.connecting && this.queue.length < MAX_QUEUED) this.queue.push(frame);
  }

  private connect(): void {
    this.connecting = true;
    const socket = connect({ host: this.options.host, port: this.options.port });
    socket.setNoDelay(true);
    this.socket = socket;
    socket.once('connect', () => {
      this.connecting = false;
      this.retryDelay = RETRY_START_MS;
      const queued = this.queue;
      this.queue = [];
      if (queued.length > 0) socket.write(Buffer.concat(queued));
      if (this.closed) socket.end();
    });
    socket.on('error', () => this.dropConnection(socket));
    socket.on('close', () => this.dropConnection(socket));
    // The receiver never talks back; reading keeps a half-closed peer from piling up.
    socket.resume();
  }

  private dropConnection(socket: Socket): void {
    if (this.socket !== socket) return;
    socket.destroy();
    this.socket = undefined;
    this.connecting = false;
    this.queue = [];
    this.retryAt = Date.now() + this.retryDelay;
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
  }

  close(): Promise<void> {
    this.closed = true;
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        socket.destroy();
        resolve();
      }, 2000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      // While still connecting, the 'connect' handler flushes the queue and ends.
      if (!this.connecting) socket.end();
    });
  }
}
