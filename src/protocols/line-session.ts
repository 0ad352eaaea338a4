/**
 * A byte stream of newline-delimited requests (JSON-RPC lines, nova lines): splits lines,
 * runs up to `concurrency` answers at a time, writes each answer as one line, and stops
 * reading while too much waits or the client does not read its answers, so memory per
 * connection stays bounded. With concurrency 1 answers come back strictly in order.
 */
import type { StreamConnection } from '../core/listener.js';
import type { Logger } from '../core/logger.js';

/** What a line protocol's answer function knows about its connection. */
export interface LineCallInfo {
  readonly clientId: string;
  readonly log: Logger;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
}

export interface LineSessionOptions {
  /** Longest request line in bytes; a longer one is refused once, then the connection closes. */
  readonly maxLine: number;
  /** Answers running at once; 1 keeps them in request order. */
  readonly concurrency: number;
  /** Lines read ahead of the running ones before reading pauses. */
  readonly maxQueued: number;
  /** The answer line for a request (without "\n"), or null to send nothing. Must not reject. */
  answer(text: string, info: LineCallInfo): Promise<string | null>;
  /** The one line sent before hanging up on an over-long request. */
  tooLongAnswer(maxLine: number): string;
}

export class LineSession {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly queue: string[] = [];
  private running = 0;
  private ended = false;
  private closed = false;
  private writeBlocked = false;
  private readonly abort = new AbortController();
  private readonly info: LineCallInfo;

  constructor(
    private readonly connection: StreamConnection,
    private readonly options: LineSessionOptions,
    log: Logger,
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
      this.next();
    });
    stream.on('error', (error: Error) => {
      this.info.log.debug({ err: error.message }, 'connection error');
      this.close();
    });
    stream.on('close', () => this.close());
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    const { maxLine } = this.options;
    let from = 0;
    for (let newline = chunk.indexOf(0x0a); newline >= 0; newline = chunk.indexOf(0x0a, from)) {
      const piece = chunk.subarray(from, newline);
      const line = this.pending.length === 0 ? piece : Buffer.concat([...this.pending, piece]);
      this.pending = [];
      this.pendingBytes = 0;
      from = newline + 1;
      if (line.length > maxLine) return this.refuseLongLine();
      const text = line.toString('utf8').trim();
      if (text.length > 0) this.queue.push(text);
    }
    if (from < chunk.length) {
      const rest = chunk.subarray(from);
      this.pending.push(rest);
      this.pendingBytes += rest.length;
      if (this.pendingBytes > maxLine) return this.refuseLongLine();
    }
    this.next();
  }

  /** A line beyond the limit: answer once, then hang up (the stream cannot resync cheaply). */
  private refuseLongLine(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.queue.length = 0;
    this.connection.stream.end(`${this.options.tooLongAnswer(this.options.maxLine)}\n`);
    this.closed = true;
  }

  /** Starts what may start, adjusts the flow, and ends the stream once all is answered. */
  private next(): void {
    if (this.closed) return;
    while (this.running < this.options.concurrency && this.queue.length > 0) {
      const text = this.queue.shift()!;
      this.running++;
      void this.options.answer(text, this.info).then((answer) => {
        this.running--;
        if (answer !== null && !this.closed && !this.connection.stream.write(`${answer}\n`)) this.writeBlocked = true;
        this.next();
      });
    }
    const { stream } = this.connection;
    if (this.ended) {
      if (this.running === 0 && this.queue.length === 0) {
        this.closed = true;
        stream.end();
      }
    } else if (this.queue.length >= this.options.maxQueued || this.running >= this.options.concurrency || this.writeBlocked) {
      stream.pause();
    } else {
      stream.resume();
    }
  }

  private close(): void {
    if (this.closed && this.abort.signal.aborted) return;
    this.closed = true;
    this.abort.abort();
  }
}
