/**
 * JSON-RPC 2.0 as newline-delimited JSON on a byte stream (Unix socket, TCP): each line
 * is a request or a batch, each answer is one line. Requests run concurrently (answers
 * carry their ids, so they may come back in any order), at most MAX_IN_FLIGHT at a time
 * per connection; beyond that, and while the client does not read its answers, the
 * session stops reading, so memory per connection stays bounded.
 */
import type { Dispatcher } from '../../core/dispatcher.js';
import type { StreamConnection } from '../../core/listener.js';
import type { Logger } from '../../core/logger.js';
import { answerJsonRpcText, type JsonRpcCallInfo } from './jsonrpc-request.js';

export const MAX_IN_FLIGHT = 32;
const JSONRPC_INTERNAL_ERROR = -32603;
/** Longest request line accepted (bytes). */
export const DEFAULT_MAX_LINE = 16 * 1024 * 1024;

export class JsonRpcStreamSession {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private inFlight = 0;
  private ended = false;
  private closed = false;
  private writeBlocked = false;
  private readonly abort = new AbortController();
  private readonly info: JsonRpcCallInfo;

  constructor(
    private readonly connection: StreamConnection,
    private readonly dispatcher: Dispatcher,
    log: Logger,
    private readonly maxLine = DEFAULT_MAX_LINE,
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
      if (rest.length > 0) this.run(rest);
      this.finishIfDone();
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
      if (text.length > 0) this.run(text);
    }
    if (from < chunk.length) {
      const rest = chunk.subarray(from);
      this.pending.push(rest);
      this.pendingBytes += rest.length;
      if (this.pendingBytes > this.maxLine) this.refuseLongLine();
    }
  }

  /** A line beyond the limit: answer once, then hang up (the stream cannot resync cheaply). */
  private refuseLongLine(): void {
    const error = { jsonrpc: '2.0', error: { code: -32600, message: `Invalid Request: a request line is longer than ${this.maxLine} bytes`, data: { class: 'ProtocolError' } }, id: null };
    this.pending = [];
    this.pendingBytes = 0;
    this.connection.stream.end(`${JSON.stringify(error)}\n`);
    this.closed = true;
  }

  private run(text: string): void {
    if (this.closed) return;
    this.inFlight++;
    this.updateFlow();
    answerJsonRpcText(text, this.dispatcher, this.info)
      .catch((error: unknown) => {
        // answerJsonRpcText turns handler errors into responses; this is a last resort.
        this.info.log.error({ err: error instanceof Error ? error.message : String(error) }, 'json-rpc session failure');
        return JSON.stringify({ jsonrpc: '2.0', error: { code: JSONRPC_INTERNAL_ERROR, message: 'Internal error', data: { class: 'GenericError' } }, id: null });
      })
      .then((answer) => {
        this.inFlight--;
        if (answer !== null && !this.closed) {
          if (!this.connection.stream.write(`${answer}\n`)) this.writeBlocked = true;
        }
        this.updateFlow();
        this.finishIfDone();
      });
  }

  private updateFlow(): void {
    if (this.closed) return;
    const stream = this.connection.stream;
    if (this.inFlight >= MAX_IN_FLIGHT || this.writeBlocked) stream.pause();
    else if (!this.ended) stream.resume();
  }

  private finishIfDone(): void {
    if (this.ended && this.inFlight === 0 && !this.closed) {
      this.closed = true;
      this.connection.stream.end();
    }
  }

  private close(): void {
    if (this.closed && this.abort.signal.aborted) return;
    this.closed = true;
    this.abort.abort();
  }
}
