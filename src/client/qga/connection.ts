/**
 * QgaConnection: one connection to a QEMU guest agent, speaking the wire protocol.
 *
 * - Connects lazily, on the first call, retrying a few times with backoff when the agent
 *   is not up yet (ENOENT, ECONNREFUSED: a VM still booting).
 * - On connect, and after any timeout, resynchronises as the protocol asks: writes 0xFF
 *   and `guest-sync-delimited` with a random id, and ignores everything until a 0xFF
 *   followed by the reply carrying that id. The handshake's timeout counts silence: a
 *   large stale reply still draining does not make it fail.
 * - Requests may be pipelined. The agent answers strictly in order; every request carries
 *   an `id` (echoed by the agent) which is used to check the pairing.
 * - Commands without a success reply (guest-shutdown, guest-suspend-*): the request is
 *   followed by a guest-ping. If the ping's reply comes first, the command succeeded; if
 *   the connection closes or the call times out first, that is counted as success too
 *   (the guest went down or froze, which is what was asked), as virsh does. An error reply
 *   is still reported as an error.
 */
import { randomInt } from 'node:crypto';
import { parseQgaAddress, describeAddress, type QgaAddress } from './address.js';
import { openChannel, type QgaChannel } from './channel.js';
import { QgaConnectionError, QgaError, QgaProtocolError, QgaReplyError, QgaTimeoutError } from './errors.js';
import { ReplySplitter, type ReplyLine } from './reply-splitter.js';
import type { QgaReply, QgaRequest } from './types.js';

/** Commands that send no reply when they succeed (qemu-ga's success-response: false). */
export const NO_REPLY_COMMANDS: ReadonlySet<string> = new Set(['guest-shutdown', 'guest-suspend-disk', 'guest-suspend-ram', 'guest-suspend-hybrid']);

export interface QgaRetryOptions {
  /** Extra attempts after the first failed connect (0 disables retrying). Default 3. */
  readonly retries?: number;
  /** Wait before the first retry; doubles each time. Default 100 ms. */
  readonly initialDelayMs?: number;
  /** Longest wait between two attempts. Default 2000 ms. */
  readonly maxDelayMs?: number;
}

export interface QgaConnectionOptions {
  /** Default per-call timeout. Default 10 s. */
  readonly timeoutMs?: number;
  /** Timeout of one connect attempt (sockets). Default 5 s. */
  readonly connectTimeoutMs?: number;
  /** Timeout of the guest-sync-delimited handshake. Default: `timeoutMs`. */
  readonly syncTimeoutMs?: number;
  /** Retrying a connect that failed because the agent is not up yet. */
  readonly retry?: QgaRetryOptions;
  /** A reply larger than this fails the call (guards against a runaway peer). Default 256 MiB. */
  readonly maxReplyBytes?: number;
}

export interface QgaCallOptions {
  /** This call's timeout, instead of the connection's default. */
  readonly timeoutMs?: number;
  /** The command sends no reply on success; defaults to whether it is in {@link NO_REPLY_COMMANDS}. */
  readonly noReply?: boolean;
}

/** Connect errors worth retrying: the socket or device is not there yet, or not listening yet. */
const TRANSIENT_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'EAGAIN', 'ECONNRESET']);

type PendingKind = 'call' | 'sync' | 'probe';

interface Pending {
  readonly kind: PendingKind;
  readonly command: string;
  /** JSON text of the request's `id` (calls and probes). */
  readonly key?: string;
  /** The number a guest-sync-delimited must echo. */
  readonly syncId?: number;
  readonly noReply: boolean;
  readonly timeoutMs: number;
  timer?: NodeJS.Timeout;
  resolve(reply: QgaReply): void;
  reject(error: QgaError): void;
}

const SUCCESS_WITHOUT_REPLY: QgaReply = Object.freeze({ return: {} });
const SENTINEL = Buffer.from([0xff]);

export class QgaConnection implements AsyncDisposable {
  /** Where this connection goes. */
  readonly address: QgaAddress;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly syncTimeoutMs: number;
  private readonly retry: Required<QgaRetryOptions>;
  private readonly splitter: ReplySplitter;

  private channel: QgaChannel | undefined;
  private preparing: Promise<void> | undefined;
  private needsSync = true;
  private inflight: Pending[] = [];
  private nextId = 1;
  private generation = 0;
  /** Calls waiting for the connection to be ready; later calls queue behind them. */
  private waiting = 0;

  /**
   * @param address a {@link QgaAddress}, or text: "/path/to.sock", "unix:PATH",
   *   "HOST:PORT", "tcp:HOST:PORT", "device:/dev/pts/3".
   */
  constructor(address: QgaAddress | string, options: QgaConnectionOptions = {}) {
    this.address = typeof address === 'string' ? parseQgaAddress(address) : address;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.syncTimeoutMs = options.syncTimeoutMs ?? this.timeoutMs;
    this.retry = { retries: 3, initialDelayMs: 100, maxDelayMs: 2_000, ...options.retry };
    this.splitter = new ReplySplitter(options.maxReplyBytes);
  }

  /** true while a channel to the agent is open. */
  get connected(): boolean {
    return this.channel !== undefined;
  }

  /** Opens the connection and resynchronises now rather than on the first call. */
  async connect(): Promise<void> {
    await this.ready();
  }

  /**
   * Runs one command and returns its `return` value. Calls are written to the agent in
   * the order they are made.
   * @throws QgaProtocolError when the agent answers with an error
   * @throws QgaTimeoutError, QgaConnectionError, QgaReplyError
   */
  async execute<T = unknown>(command: string, args?: Readonly<Record<string, unknown>>, options: QgaCallOptions = {}): Promise<T> {
    const reply = await this.request(args === undefined ? { execute: command } : { execute: command, arguments: args }, options);
    if (reply.error) throw new QgaProtocolError(command, String(reply.error.class), String(reply.error.desc));
    return reply.return as T;
  }

  /**
   * Sends one request object as given (like `virsh qemu-agent-command`) and returns the
   * whole reply object, error replies included. An `id` is added for matching when the
   * request has none, and removed from the reply again.
   */
  request(request: QgaRequest, options: QgaCallOptions = {}): Promise<QgaReply> {
    if (typeof request?.execute !== 'string') return Promise.reject(new TypeError('a QGA request needs an "execute" member naming the command'));
    // Written now when the connection is ready, so that calls keep the order they were made in.
    if (this.channel && !this.needsSync && this.waiting === 0) return this.sendRequest(request, options);
    this.waiting++;
    return this.ready().then(
      () => {
        this.waiting--;
        return this.sendRequest(request, options);
      },
      (error: unknown) => {
        this.waiting--;
        throw error;
      },
    );
  }

  private async sendRequest(request: QgaRequest, options: QgaCallOptions): Promise<QgaReply> {
    const ownId = !('id' in request);
    const withId = ownId ? { ...request, id: this.nextId++ } : request;
    const noReply = options.noReply ?? NO_REPLY_COMMANDS.has(request.execute);
    const reply = await this.send(withId, noReply, options.timeoutMs ?? this.timeoutMs);
    if (ownId && reply !== SUCCESS_WITHOUT_REPLY && 'id' in reply) {
      const { id: _id, ...rest } = reply;
      return rest;
    }
    return reply;
  }

  /** Closes the connection; calls still waiting fail with a QgaConnectionError. A later call reconnects. */
  async close(): Promise<void> {
    const channel = this.channel;
    this.dropChannel(new QgaConnectionError('the connection was closed by the client', 'open a new connection to go on'));
    channel?.destroy();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- connection and resynchronisation ----

  private async ready(): Promise<void> {
    while (!this.channel || this.needsSync) {
      this.preparing ??= this.prepare().finally(() => {
        this.preparing = undefined;
      });
      await this.preparing;
    }
  }

  private async prepare(): Promise<void> {
    if (!this.channel) {
      this.channel = await this.connectWithRetry();
      this.needsSync = true;
    }
    if (this.needsSync) {
      await this.sync();
      this.needsSync = false;
    }
  }

  private async connectWithRetry(): Promise<QgaChannel> {
    let delay = this.retry.initialDelayMs;
    for (let attempt = 0; ; attempt++) {
      const generation = ++this.generation;
      try {
        return await openChannel(
          this.address,
          {
            data: (chunk) => {
              if (generation === this.generation) this.onData(chunk);
            },
            close: (error) => {
              if (generation === this.generation) this.dropChannel(error ?? new QgaConnectionError('the agent closed the connection', 'try again'));
            },
          },
          this.connectTimeoutMs,
        );
      } catch (error) {
        const code = error instanceof QgaConnectionError ? error.code : undefined;
        if (attempt >= this.retry.retries || code === undefined || !TRANSIENT_CODES.has(code)) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, this.retry.maxDelayMs);
      }
    }
  }

  private sync(): Promise<void> {
    // Anything still waiting belongs to the stream being thrown away.
    this.abandonAll('the connection was resynchronised');
    const syncId = randomInt(1, 2 ** 47);
    this.splitter.discardUntilSentinel();
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = {
        kind: 'sync',
        command: 'guest-sync-delimited',
        syncId,
        noReply: false,
        timeoutMs: this.syncTimeoutMs,
        resolve: () => resolve(),
        reject,
      };
      this.push(pending);
      this.channel!.write(Buffer.concat([SENTINEL, Buffer.from(JSON.stringify({ execute: 'guest-sync-delimited', arguments: { id: syncId } }) + '\n')]));
    });
  }

  // ---- sending ----

  private send(request: QgaRequest, noReply: boolean, timeoutMs: number): Promise<QgaReply> {
    const channel = this.channel!;
    const reply = new Promise<QgaReply>((resolve, reject) => {
      this.push({ kind: 'call', command: request.execute, key: JSON.stringify(request.id), noReply, timeoutMs, resolve, reject });
    });
    channel.write(Buffer.from(JSON.stringify(request) + '\n'));
    if (noReply) {
      const probeId = this.nextId++;
      this.push({ kind: 'probe', command: 'guest-ping', key: JSON.stringify(probeId), noReply: false, timeoutMs: 0, resolve: () => undefined, reject: () => undefined });
      channel.write(Buffer.from(JSON.stringify({ execute: 'guest-ping', id: probeId }) + '\n'));
    }
    return reply;
  }

  private push(pending: Pending): void {
    if (pending.timeoutMs > 0) pending.timer = setTimeout(() => this.onTimeout(pending), pending.timeoutMs);
    this.inflight.push(pending);
  }

  // ---- receiving ----

  private onData(chunk: Buffer): void {
    // While resynchronising, bytes still arriving (a stale reply draining, maybe 64 MiB of
    // it) show the agent is alive: the sync's timeout counts silence, not total time.
    const head = this.inflight[0];
    if (head?.kind === 'sync' && head.timer) head.timer.refresh();
    let lines: ReplyLine[];
    try {
      lines = this.splitter.push(chunk);
    } catch (error) {
      this.failStream(new QgaReplyError(`the agent sent ${(error as Error).message}`));
      return;
    }
    for (const line of lines) this.onLine(line);
  }

  private onLine(line: ReplyLine): void {
    const head = this.inflight[0];
    let reply: QgaReply;
    try {
      reply = JSON.parse(line.bytes.toString('utf8')) as QgaReply;
    } catch {
      if (head?.kind === 'sync') return this.splitter.discardUntilSentinel();
      return this.failStream(new QgaReplyError(`the agent sent a line that is not JSON (${line.bytes.subarray(0, 60).toString('utf8')}...)`));
    }
    if (head?.kind === 'sync') {
      if (line.delimited && reply.return === head.syncId) this.settle(head, reply);
      else this.splitter.discardUntilSentinel(); // an older sync's reply, or leftovers
      return;
    }
    if (typeof reply !== 'object' || reply === null || (!('return' in reply) && !('error' in reply))) {
      return this.failStream(new QgaReplyError('the agent sent a JSON value that is not a reply object'));
    }
    if (!head) return; // nobody waits: a late reply to a call that already gave up
    if (!('id' in reply)) {
      // qemu-ga omits the id only when it could not parse a request: for requests sent
      // here that is the stray-byte complaint after a sentinel, not an answer.
      if (head.key !== undefined && isParseComplaint(reply)) return;
      this.settle(head, reply);
      return;
    }
    const key = JSON.stringify(reply.id);
    const index = this.inflight.findIndex((pending) => pending.key === key);
    if (index === -1) return; // a reply to something abandoned
    // Requests before the answered one got no reply: fine for no-reply commands only.
    for (const skipped of this.inflight.slice(0, index)) {
      if (skipped.noReply || skipped.kind === 'probe') this.settle(skipped, SUCCESS_WITHOUT_REPLY);
      else this.settle(skipped, undefined, new QgaReplyError(`the agent answered a later request before ${skipped.command}`));
    }
    this.settle(this.inflight[0]!, reply);
  }

  /** Removes `pending` (which must be first in line) and resolves or rejects it. */
  private settle(pending: Pending, reply: QgaReply | undefined, error?: QgaError): void {
    const index = this.inflight.indexOf(pending);
    if (index !== -1) this.inflight.splice(index, 1);
    clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve(reply!);
  }

  private onTimeout(pending: Pending): void {
    if (!this.inflight.includes(pending)) return;
    this.needsSync = true;
    if (pending.noReply) {
      // The guest went quiet after a shutdown or suspend: what was asked happened.
      this.settle(pending, SUCCESS_WITHOUT_REPLY);
    } else if (pending.kind === 'sync') {
      this.settle(
        pending,
        undefined,
        new QgaTimeoutError(
          'guest-sync-delimited',
          pending.timeoutMs,
          `the agent at ${describeAddress(this.address)} did not answer guest-sync-delimited within ${pending.timeoutMs} ms: is the guest agent running inside the guest, and is no other client connected to it (qemu-ga serves one at a time)?`,
        ),
      );
    } else {
      this.settle(pending, undefined, new QgaTimeoutError(pending.command, pending.timeoutMs));
    }
    this.abandonAll(`an earlier request (${pending.command}) timed out and the connection resynchronises before the next call`);
  }

  /** Fails every waiting call; their replies, if they come, are discarded by the next sync. */
  private abandonAll(reason: string): void {
    const waiting = this.inflight;
    this.inflight = [];
    for (const pending of waiting) {
      clearTimeout(pending.timer);
      if (pending.noReply) pending.resolve(SUCCESS_WITHOUT_REPLY);
      else pending.reject(new QgaTimeoutError(pending.command, pending.timeoutMs, `${pending.command}: abandoned: ${reason}; send it again`));
    }
  }

  /** The stream cannot be trusted any more: fail everything waiting and resync before the next call. */
  private failStream(error: QgaError): void {
    this.needsSync = true;
    const waiting = this.inflight;
    this.inflight = [];
    for (const pending of waiting) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
  }

  private dropChannel(error: QgaConnectionError): void {
    this.generation++;
    this.channel = undefined;
    this.needsSync = true;
    const waiting = this.inflight;
    this.inflight = [];
    for (const pending of waiting) {
      clearTimeout(pending.timer);
      if (pending.noReply) pending.resolve(SUCCESS_WITHOUT_REPLY);
      else pending.reject(error);
    }
  }
}

function isParseComplaint(reply: QgaReply): boolean {
  return reply.error !== undefined && typeof reply.error.desc === 'string' && reply.error.desc.startsWith('JSON parse error');
}
