/**
 * nova requests as newline-delimited JSON on a byte stream (Unix socket, TCP, a
 * virtio-serial port): one request per line, one reply line each, in order. Requests
 * of one connection run one at a time (keyinit must be done before password); while
 * requests wait or the client does not read its replies, the session stops reading.
 */
import type { Dispatcher } from '../../core/dispatcher.js';
import type { StreamConnection } from '../../core/listener.js';
import type { Logger } from '../../core/logger.js';
import { answerNovaText, type NovaCallInfo } from './nova-request.js';

/** Longest request line accepted (bytes): injectfile carries whole files. */
export const DEFAULT_MAX_NOVA_LINE = 16 * 1024 * 1024;
const MAX_QUEUED = 16;

export class NovaStreamSession {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly queue: string[] = [];
  private running = false;
  private ended = false;
  private closed = false;
  private writeBlocked = false;
  private readonly abort = new AbortController();
  private readonly info: NovaCallInfo;

  constructor(
    private readonly connection: StreamConnection,
    private readonly dispatcher: Dispatcher,
    log: Logger,
    private readonly maxLine = DEFAULT_MAX_NOVA_LINE,
  ) {
    this.info = { clientId: connection.id, log, signal: this.abort.signal };
  }

  start(): void {
    const { stream } = this.connection;
    stream.on('data', (chunk: Buffer | string) => this.receive(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    stream.on('end', () => {
      this.ended = true;
      const rest = Buffer.concat(this.pending).toString('utf8').trim();
      this.pending = [];
      this.pendingBytes = 0;
      if (rest.length > 0) this.queue.push(rest);
      this.next();
    });
    stream.on('drain', () => {
      this.writeBlocked = false;
      this.updateFlow();
    });
    stream.on('error', (error: Error) => {
      this.info.log.debug({ err: error.message }, 'connection error');
      this.close();
    });
    stream.on('close', () => this.close());
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    let from = 0;
    for (let newline = chunk.indexOf(0x0a); newline >= 0; newline = chunk.indexOf(0x0a, from)) {
      const piece = chunk.subarray(from, newline);
      const line = this.pending.length === 0 ? piece : Buffer.concat([...this.pending, piece]);
      this.pending = [];
      this.pendingBytes = 0;
      from = newline + 1;
      if (line.length > this.maxLine) return this.refuseLongLine();
      const text = line.toString('utf8').trim();
      if (text.length > 0) this.queue.push(text);
    }
    if (from < chunk.length) {
      const rest = chunk.subarray(from);
      this.pending.push(rest);
      this.pendingBytes += rest.length;
      if (this.pendingBytes > this.maxLine) return this.refuseLongLine();
    }
    this.next();
  }

  /** A line beyond the limit: answer once, then hang up (the stream cannot resync cheaply). */
  private refuseLongLine(): void {
    const reply = { returncode: '500', message: `Request is malformed: a request line is longer than ${this.maxLine} bytes` };
    this.pending = [];
    this.pendingBytes = 0;
    this.queue.length = 0;
    this.connection.stream.end(`${JSON.stringify(reply)}\n`);
    this.closed = true;
  }

  private next(): void {
    this.updateFlow();
    if (this.running || this.closed) return;
    const text = this.queue.shift();
    if (text === undefined) {
      if (this.ended) this.finish();
      return;
    }
    this.running = true;
    void answerNovaText(text, this.dispatcher, this.info).then((reply) => {
      this.running = false;
      if (!this.closed && !this.connection.stream.write(`${reply}\n`)) this.writeBlocked = true;
      this.next();
    });
  }

  private updateFlow(): void {
    if (this.closed) return;
    const { stream } = this.connection;
    if (this.queue.length >= MAX_QUEUED || this.writeBlocked) stream.pause();
    else if (!this.ended) stream.resume();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.connection.stream.end();
  }

  private close(): void {
    if (this.closed && this.abort.signal.aborted) return;
    this.closed = true;
    this.abort.abort();
  }
}
