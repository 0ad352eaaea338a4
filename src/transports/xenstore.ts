/**
 * The XenStore exchange of nova-agent as a message transport: the host writes a request
 * at `data/host/<id>` of the guest's domain; the agent removes it, hands its body to the
 * protocol, and writes the reply at `data/guest/<id>`. (The request is removed before it
 * runs, so a request is never run twice, even across an agent restart.)
 *
 * New requests are noticed through a XenStore watch on `data/host`, with a poll as a
 * fallback (every second, as the original polled, when the watch cannot be set; slower
 * otherwise). Many requests run at once, up to a limit. A lost connection is reopened
 * with a growing delay; replies that could not be written are written once it is back.
 */
import type { IncomingMessageBody, MessageTransport, OutgoingMessageBody } from '../core/listener.js';
import type { Logger } from '../core/logger.js';
import { XenstoreClient, XenstoreError } from './xenstore-client.js';
import { XS_PAYLOAD_MAX } from './xenstore-wire.js';

export interface XenstoreTransportOptions {
  /** xenstored's Unix socket, or the xenbus device in a guest. */
  readonly path: string;
  readonly requestDir?: string;
  readonly replyDir?: string;
  /** Poll period when the watch works (ms); a failed watch polls every `fallbackPollMs`. */
  readonly pollMs?: number;
  readonly fallbackPollMs?: number;
  readonly maxConcurrent?: number;
  /** First reconnect delay (ms); doubles up to maxReconnectDelayMs. */
  readonly reconnectDelayMs?: number;
  readonly maxReconnectDelayMs?: number;
  readonly log?: Logger;
}

const WATCH_TOKEN = 'hostlink-nova-requests';
/** Sent in place of a reply that does not fit in one XenStore node write. */
const OVERSIZED_REPLY = Buffer.from('{"returncode": "500", "message": "the reply is too large for XenStore"}');

export class XenstoreTransport implements MessageTransport {
  readonly kind = 'message' as const;
  readonly address: string;
  private client: XenstoreClient | undefined;
  private onMessage: ((request: IncomingMessageBody) => Promise<OutgoingMessageBody | null>) | undefined;
  private readonly requestDir: string;
  private readonly replyDir: string;
  private readonly inFlight = new Set<string>();
  private readonly waiting: string[] = [];
  private readonly unsent = new Map<string, Buffer>();
  private running = 0;
  private scanning = false;
  private rescan = false;
  private watching = false;
  private stopped = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelay: number;

  constructor(private readonly options: XenstoreTransportOptions) {
    this.address = `xenstore:${options.path}`;
    this.requestDir = options.requestDir ?? 'data/host';
    this.replyDir = options.replyDir ?? 'data/guest';
    this.reconnectDelay = options.reconnectDelayMs ?? 200;
  }

  async start(onMessage: (request: IncomingMessageBody) => Promise<OutgoingMessageBody | null>): Promise<void> {
    this.onMessage = onMessage;
    await this.connect();
  }

  /** Whether requests are noticed by the watch (false: by polling only). */
  get watchActive(): boolean {
    return this.watching;
  }

  private async connect(): Promise<void> {
    const client = await XenstoreClient.connect(this.options.path);
    if (this.stopped) {
      client.close();
      return;
    }
    this.client = client;
    this.reconnectDelay = this.options.reconnectDelayMs ?? 200;
    client.on('watch', (_path, token) => {
      if (token === WATCH_TOKEN) this.scan();
    });
    client.once('close', () => this.connectionLost(client));
    try {
      await client.watch(this.requestDir, WATCH_TOKEN);
      this.watching = true;
    } catch (error) {
      this.watching = false;
      this.options.log?.warn({ err: (error as Error).message }, 'XenStore watch refused; polling for requests');
    }
    this.schedulePoll();
    await this.flushUnsent(client);
    this.scan();
  }

  private schedulePoll(): void {
    clearInterval(this.pollTimer);
    const period = this.watching ? (this.options.pollMs ?? 10_000) : (this.options.fallbackPollMs ?? 1_000);
    this.pollTimer = setInterval(() => this.scan(), period);
    this.pollTimer.unref();
  }

  private connectionLost(client: XenstoreClient): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.watching = false;
    clearInterval(this.pollTimer);
    if (this.stopped) return;
    this.options.log?.warn({ address: this.address }, 'XenStore connection lost; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(delay * 2, this.options.maxReconnectDelayMs ?? 5_000);
    this.reconnectTimer = setTimeout(() => {
      this.connect().catch((error: unknown) => {
        this.options.log?.debug({ err: (error as Error).message }, 'XenStore reconnect failed');
        if (!this.stopped && !this.client) this.scheduleReconnect();
      });
    }, delay);
  }

  /** Lists pending requests; one scan at a time, another after it if asked meanwhile. */
  private scan(): void {
    if (this.scanning) {
      this.rescan = true;
      return;
    }
    const client = this.client;
    if (!client || this.stopped) return;
    this.scanning = true;
    client
      .tryDirectory(this.requestDir)
      .then((ids) => {
        for (const id of ids.sort(compareIds)) {
          if (this.inFlight.has(id)) continue;
          this.inFlight.add(id);
          this.waiting.push(id);
        }
        this.pump();
      })
      .catch((error: unknown) => this.options.log?.debug({ err: (error as Error).message }, 'XenStore scan failed'))
      .finally(() => {
        this.scanning = false;
        if (this.rescan) {
          this.rescan = false;
          this.scan();
        }
      });
  }

  private pump(): void {
    const limit = this.options.maxConcurrent ?? 8;
    while (this.running < limit && this.waiting.length > 0) {
      const id = this.waiting.shift()!;
      this.running++;
      void this.serve(id).finally(() => {
        this.running--;
        this.inFlight.delete(id);
        this.pump();
      });
    }
  }

  private async serve(id: string): Promise<void> {
    const client = this.client;
    if (!client || !this.onMessage) return;
    const requestPath = `${this.requestDir}/${id}`;
    let body: Buffer | undefined;
    try {
      body = await client.tryRead(requestPath);
      if (body === undefined) return; // the host gave up and removed it
      await client.rm(requestPath);
    } catch (error) {
      this.options.log?.debug({ id, err: (error as Error).message }, 'XenStore request could not be taken');
      return;
    }
    const reply = await this.onMessage({ clientId: this.address, body });
    if (reply === null) return;
    const replyPath = `${this.replyDir}/${id}`;
    const fits = replyPath.length + 1 + reply.body.length <= XS_PAYLOAD_MAX;
    if (!fits) this.options.log?.error({ id, bytes: reply.body.length }, 'reply too large for XenStore');
    await this.writeReply(id, fits ? reply.body : OVERSIZED_REPLY);
  }

  private async writeReply(id: string, body: Buffer): Promise<void> {
    const client = this.client;
    try {
      if (!client) throw new XenstoreError('ECONNRESET', 'not connected');
      await client.write(`${this.replyDir}/${id}`, body);
    } catch (error) {
      if (error instanceof XenstoreError && error.code === 'ECONNRESET' && !this.stopped) {
        this.unsent.set(id, body); // written after the reconnect
        return;
      }
      this.options.log?.error({ id, err: (error as Error).message }, 'XenStore reply could not be written');
    }
  }

  private async flushUnsent(client: XenstoreClient): Promise<void> {
    for (const [id, body] of [...this.unsent]) {
      try {
        await client.write(`${this.replyDir}/${id}`, body);
        this.unsent.delete(id);
      } catch (error) {
        this.options.log?.error({ id, err: (error as Error).message }, 'XenStore reply could not be written after reconnecting');
        if ((error as XenstoreError).code !== 'ECONNRESET') this.unsent.delete(id);
      }
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    if (client && !client.isClosed) {
      await client.unwatch(this.requestDir, WATCH_TOKEN).catch(() => undefined);
      client.close();
    }
  }
}

/** Numeric ids in numeric order, others after them in text order. */
function compareIds(a: string, b: string): number {
  const na = /^\d+$/.test(a) ? Number(a) : Number.NaN;
  const nb = /^\d+$/.test(b) ? Number(b) : Number.NaN;
  if (!Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  if (!Number.isNaN(na)) return -1;
  if (!Number.isNaN(nb)) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
