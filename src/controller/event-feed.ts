/**
 * The controller-wide live feed behind GET /v1/events: jobs created, every target's
 * result state as it is recorded (QUEUED, RUNNING, final), agents connecting and going
 * away, for every controller sharing the store.
 *
 * The news comes through the store's events, not from local calls, so a listener on
 * controller B hears of an agent on controller A. The store announces it only while
 * someone listens somewhere (a lease in the store, renewed by the listeners' controllers
 * and lapsing by itself), so with no listener the feed costs nothing.
 *
 * Each event is serialised once, however many listeners there are. A reader that falls
 * behind is not buffered for without bound: once more than `bufferBytes` wait for it, it
 * gets {"type":"overflow"} and the stream ends (it reconnects and reads the current state).
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from '../core/logger.js';
import type { AgentInfo } from '../protocols/fleet/job-model.js';
import type { FeedEvent, FeedJob } from '../protocols/fleet/feed-events.js';
import { agentInfo, type ControllerStore, type CreatedJob, type StoreEvent } from './stores/store.js';

/** How long one renewal of the store's "someone listens" lease lasts; renewed every third of it. */
export const FEED_LEASE_MS = 15_000;
/** What may wait unread for one reader before it is dropped (overflow). */
export const FEED_BUFFER_BYTES = 4 * 1024 * 1024;
/** A job's `data` in the feed: its first this many characters (the whole is in GET /v1/jobs/ID). */
export const FEED_DATA_CHARS = 1000;
const PING_MS = 15_000;
/** After an overflow, how long the last lines may take to drain before the connection is cut. */
const OVERFLOW_GRACE_MS = 10_000;

/** One reader: takes NDJSON lines; end() when the controller shuts down. */
interface FeedReader {
  write(line: string): void;
  end(): void;
}

function line(event: FeedEvent): string {
  return `${JSON.stringify(event)}\n`;
}

const PING_LINE = line({ type: 'ping' });
const OVERFLOW_LINE = line({ type: 'overflow' });

export function feedJob(created: CreatedJob): FeedJob {
  const { command, created: at, targets } = created.record;
  const shown = command.data !== undefined && command.data.length > FEED_DATA_CHARS ? { ...command, data: command.data.slice(0, FEED_DATA_CHARS) } : command;
  return { id: command.id, cmd: command.cmd, created: at, tags: command.tags ?? '', targets, states: { [created.state]: targets.length }, command: shown };
}

function agentOf(event: Extract<StoreEvent, { type: 'agent' }>): AgentInfo {
  // As GET /v1/agents tells it: an online agent was seen now.
  return agentInfo(event.presence, event.online, event.online ? Date.now() : event.seen);
}

export class EventFeed {
  private readonly listeners = new Set<FeedReader>();
  private renewer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: ControllerStore,
    private readonly log: Logger,
  ) {}

  /** Whether anyone listens here (the controller hands store events over only then). */
  get listening(): boolean {
    return this.listeners.size > 0;
  }

  /**
   * Adds a reader once the store announces feed news, so everything that happens
   * afterwards reaches it, and gives it `first` before anything else; returns its removal.
   */
  async open(listener: FeedReader, first: string): Promise<() => void> {
    await this.store.feedListening(FEED_LEASE_MS);
    this.listeners.add(listener);
    listener.write(first);
    if (!this.renewer) {
      this.renewer = setInterval(() => {
        this.store.feedListening(FEED_LEASE_MS).catch((error: unknown) => this.log.warn({ err: (error as Error).message }, 'cannot renew the event feed lease'));
      }, FEED_LEASE_MS / 3);
      this.renewer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stopRenewing();
    };
  }

  /** A store event: the feed news in it, if any, goes to every listener. */
  handle(event: StoreEvent): void {
    if (event.type === 'result') {
      for (const created of event.jobs ?? []) this.emit({ type: 'job', job: feedJob(created) });
      for (const result of event.changes ?? []) this.emit({ type: 'result', result });
    } else if (event.type === 'agent') {
      this.emit({ type: 'agent', agent: agentOf(event) });
    }
  }

  private emit(event: FeedEvent): void {
    const text = line(event);
    for (const listener of this.listeners) listener.write(text);
  }

  private stopRenewing(): void {
    clearInterval(this.renewer);
    this.renewer = undefined;
  }

  /** The controller shuts down: every reader's stream ends cleanly. */
  close(): void {
    const readers = [...this.listeners];
    this.listeners.clear();
    this.stopRenewing();
    for (const reader of readers) reader.end();
  }
}

/**
 * Serves one GET /v1/events: {"type":"hello"} once the feed is live for this reader,
 * then the news as it happens, a ping every 15 s, until the reader leaves (or falls
 * more than `bufferBytes` behind: {"type":"overflow"}, then the end).
 */
export async function serveEventFeed(feed: EventFeed, controllerId: string, response: ServerResponse, bufferBytes = FEED_BUFFER_BYTES): Promise<void> {
  let open = true;
  let stop = (): void => undefined;
  let keepAlive: NodeJS.Timeout | undefined = undefined;
  const cleanup = (): void => {
    open = false;
    stop();
    clearInterval(keepAlive);
  };
  // Lines are gathered and written once per turn of the event loop: a burst (a fan-out's
  // results) costs one write, not one per line.
  let queued: string[] = [];
  let queuedChars = 0;
  let flushing = false;
  const flush = (): void => {
    flushing = false;
    if (!open || queued.length === 0) return;
    const text = queued.length === 1 ? queued[0]! : queued.join('');
    queued = [];
    queuedChars = 0;
    response.write(text);
  };
  const overflow = (): void => {
    cleanup();
    queued = [];
    response.end(OVERFLOW_LINE);
    const cut = setTimeout(() => response.destroy(), OVERFLOW_GRACE_MS);
    cut.unref();
    response.once('close', () => clearTimeout(cut));
  };
  const write = (text: string): void => {
    if (!open) return;
    // writableLength counts what waits in this response and in its socket.
    if (response.writableLength + queuedChars > bufferBytes) return overflow();
    queued.push(text);
    queuedChars += text.length;
    if (!flushing) {
      flushing = true;
      setImmediate(flush);
    }
  };
  const end = (): void => {
    if (!open) return;
    flush();
    cleanup();
    response.end();
  };
  response.on('close', cleanup);
  // Sent with the first line: a failure to open the feed can still be answered with an error.
  response.setHeader('content-type', 'application/x-ndjson');
  response.setHeader('cache-control', 'no-store');
  response.setHeader('x-content-type-options', 'nosniff');
  stop = await feed.open({ write, end }, line({ type: 'hello', controller: controllerId }));
  if (!open) {
    stop();
    return;
  }
  keepAlive = setInterval(() => write(PING_LINE), PING_MS);
}
