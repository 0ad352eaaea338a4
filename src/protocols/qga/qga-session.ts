/**
 * Serves one QGA connection: bytes in, requests run strictly one at a time in arrival
 * order, reply lines out in the same order. Replies ready together go out in one write.
 *
 * Backpressure: when the client does not read its replies (the socket's write buffer is
 * full) or requests pile up behind a slow command, the session stops reading from this
 * socket until things drain, so memory per connection stays bounded; other connections
 * are not affected.
 */
import type { Dispatcher } from '../../core/dispatcher.js';
import { HostlinkError } from '../../core/errors.js';
import type { StreamConnection } from '../../core/listener.js';
import type { Logger } from '../../core/logger.js';
import type { CallContext } from '../../core/registry.js';
import { errorLine, runRequest, type ReplyLine } from './qga-request.js';
import { QmpSplitter, type SplitEvent } from './qmp-splitter.js';
import { parseMessage } from './qmp-value-parser.js';

/** Stop reading when this many requests wait to run. */
const QUEUE_HIGH_WATER = 4096;
/** Write out buffered replies once they reach this many characters. */
const OUTPUT_BATCH = 64 * 1024;

export class QgaSession {
  private readonly splitter: QmpSplitter;
  private queue: (SplitEvent | undefined)[] = [];
  private head = 0;
  private output = '';
  private pumping = false;
  /** A handler's promise is pending; later requests wait for it. */
  private waiting = false;
  /** The socket's write buffer is full; wait for 'drain'. */
  private outputBlocked = false;
  private inputPaused = false;
  private closed = false;
  private readonly abort = new AbortController();
  private readonly context: CallContext;

  constructor(
    private readonly connection: StreamConnection,
    private readonly dispatcher: Dispatcher,
    private readonly log: Logger,
  ) {
    this.splitter = new QmpSplitter((event) => this.queue.push(event));
    this.context = {
      protocol: 'qga',
      clientId: connection.id,
      log,
      signal: this.abort.signal,
      dispatcher,
    };
  }

  start(): void {
    const stream = this.connection.stream;
    stream.on('data', (chunk: Buffer | string) => this.receive(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk));
    stream.on('drain', () => {
      this.outputBlocked = false;
      this.pump();
    });
    stream.on('error', (error: Error) => {
      this.log.debug({ err: error.message }, 'connection error');
      this.close();
    });
    stream.on('end', () => {
      // The client finished sending; answer what it sent, then close our side.
      this.pump();
      this.endWhenIdle();
    });
    stream.on('close', () => this.close());
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    this.splitter.feed(chunk);
    this.pump();
  }

  private pump(): void {
    if (this.pumping || this.waiting || this.closed) return;
    this.pumping = true;
    while (!this.waiting && !this.outputBlocked && !this.closed && this.head < this.queue.length) {
      const event = this.queue[this.head]!;
      this.queue[this.head++] = undefined;
      const reply = this.process(event);
      if (reply instanceof Promise) {
        this.waiting = true;
        this.flush(); // earlier replies should not wait for a slow command
        void reply.then((line) => {
          this.waiting = false;
          if (line !== null) this.append(line);
          this.pump();
          this.endWhenIdle();
        });
      } else if (reply !== null) {
        this.append(reply);
      }
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.pumping = false;
    if (!this.waiting) this.flush();
    this.updateFlow();
  }

  private process(event: SplitEvent): ReplyLine | Promise<ReplyLine> {
    try {
      if (event.kind === 'error') return errorLine(new HostlinkError('GenericError', event.desc));
      const parsed = parseMessage(event.bytes);
      if (!parsed.ok) return errorLine(new HostlinkError('GenericError', parsed.desc));
      return runRequest(parsed.value, this.dispatcher, this.context);
    } catch (error) {
      // A bug, not the client's fault; answer without internals rather than crash.
      this.log.error({ err: error }, 'request failed unexpectedly');
      return errorLine(new HostlinkError('GenericError', 'internal error'));
    }
  }

  private append(line: string): void {
    this.output += line;
    if (this.output.length >= OUTPUT_BATCH) this.flush();
  }

  private flush(): void {
    if (this.output.length === 0 || this.closed) return;
    const stream = this.connection.stream;
    const data = this.output;
    this.output = '';
    if (!stream.writable) return;
    if (!stream.write(data, 'latin1')) this.outputBlocked = true;
  }

  private updateFlow(): void {
    if (this.closed) return;
    const backlog = this.queue.length - this.head;
    const stream = this.connection.stream;
    if (!this.inputPaused && (this.outputBlocked || backlog >= QUEUE_HIGH_WATER)) {
      this.inputPaused = true;
      stream.pause();
    } else if (this.inputPaused && !this.outputBlocked && backlog < QUEUE_HIGH_WATER / 2) {
      this.inputPaused = false;
      stream.resume();
    }
  }

  private endWhenIdle(): void {
    const stream = this.connection.stream;
    if (this.closed || stream.readableEnded !== true) return;
    if (this.waiting || this.head < this.queue.length) return;
    this.flush();
    stream.end();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    this.queue = [];
    this.head = 0;
    this.output = '';
    this.connection.stream.destroy();
    this.log.debug('client disconnected');
  }
}
