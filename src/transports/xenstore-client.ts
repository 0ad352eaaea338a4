/**
 * A XenStore client speaking the wire protocol itself, over xenstored's Unix socket
 * (`/var/run/xenstored/socket`, dom0 tools) or a guest's `/dev/xen/xenbus` device.
 * Requests are pipelined and matched to replies by request id; watch events arrive as
 * 'watch' events. Relative paths are relative to the connection's domain home
 * (/local/domain/<domid>). A lost connection rejects what was pending and emits
 * 'close'; reconnecting is the caller's choice (XenstoreTransport does it).
 */
import { EventEmitter } from 'node:events';
import { open, type FileHandle } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { encodeMessage, nulStrings, splitNulStrings, XsFrameDecoder, XsType, type XsMessage } from './xenstore-wire.js';

export const DEFAULT_XENBUS_DEVICE = '/dev/xen/xenbus';
export const DEFAULT_XENSTORED_SOCKET = '/var/run/xenstored/socket';

/** An error reply (payload "ENOENT", "EAGAIN", ...) or a lost connection ("ECONNRESET"). */
export class XenstoreError extends Error {
  override readonly name = 'XenstoreError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Pending {
  readonly resolve: (payload: Buffer) => void;
  readonly reject: (error: Error) => void;
  readonly what: string;
}

/** Byte pipe to xenstored: a socket, or the xenbus device read in a loop. */
interface XsPipe {
  write(data: Buffer): void;
  close(): void;
}

export interface XenstoreClientEvents {
  watch: [path: string, token: string];
  close: [];
}

export class XenstoreClient extends EventEmitter<XenstoreClientEvents> {
  private readonly pending = new Map<number, Pending>();
  private readonly decoder = new XsFrameDecoder();
  private nextReqId = 1;
  private closed = false;
  private closeEmitted = false;

  private constructor(
    private readonly pipe: XsPipe,
    readonly address: string,
  ) {
    super();
  }

  /** Connects to a Unix socket, or opens a character device (a path under /dev). */
  static async connect(path: string): Promise<XenstoreClient> {
    let client!: XenstoreClient;
    const onData = (chunk: Buffer): void => client.receive(chunk);
    const onClose = (): void => client.lost();
    if (path.startsWith('/dev/')) {
      const pipe = await openDevicePipe(path, onData, onClose);
      client = new XenstoreClient(pipe, path);
      return client;
    }
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(path);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(s);
      });
      s.once('error', reject);
    });
    client = new XenstoreClient({ write: (data) => socket.write(data), close: () => socket.destroy() }, path);
    socket.on('data', onData);
    socket.on('error', () => undefined);
    socket.on('close', onClose);
    return client;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private receive(chunk: Buffer): void {
    let messages: XsMessage[];
    try {
      messages = this.decoder.push(chunk);
    } catch {
      this.close();
      return;
    }
    for (const message of messages) {
      if (message.type === XsType.WATCH_EVENT) {
        const [path, token] = splitNulStrings(message.payload);
        if (path !== undefined && token !== undefined) this.emit('watch', path, token);
        continue;
      }
      const waiter = this.pending.get(message.reqId);
      if (!waiter) continue;
      this.pending.delete(message.reqId);
      if (message.type === XsType.ERROR) {
        const code = splitNulStrings(message.payload)[0] ?? 'EIO';
        waiter.reject(new XenstoreError(code, `${waiter.what}: ${code}`));
      } else {
        waiter.resolve(message.payload);
      }
    }
  }

  /** Once, whoever notices first (the pipe closing or close()). */
  private lost(): void {
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    this.closed = true;
    for (const waiter of this.pending.values()) waiter.reject(new XenstoreError('ECONNRESET', `${waiter.what}: the XenStore connection was lost`));
    this.pending.clear();
    this.emit('close');
  }

  /** Sends one request and resolves with the reply payload. */
  request(type: number, payload: Buffer, txId = 0, what = `XenStore request ${type}`): Promise<Buffer> {
    if (this.closed) return Promise.reject(new XenstoreError('ECONNRESET', `${what}: the XenStore connection is closed`));
    const reqId = this.nextReqId;
    this.nextReqId = this.nextReqId >= 0xfffffff0 ? 1 : this.nextReqId + 1;
    return new Promise((resolve, reject) => {
      let frame: Buffer;
      try {
        frame = encodeMessage({ type, reqId, txId, payload });
      } catch (error) {
        reject(new XenstoreError('E2BIG', `${what}: ${(error as Error).message}`));
        return;
      }
      this.pending.set(reqId, { resolve, reject, what });
      this.pipe.write(frame);
    });
  }

  async read(path: string, txId = 0): Promise<Buffer> {
    return this.request(XsType.READ, nulStrings(path), txId, `read ${path}`);
  }

  /** The value, or undefined when the node does not exist. */
  async tryRead(path: string, txId = 0): Promise<Buffer | undefined> {
    try {
      return await this.read(path, txId);
    } catch (error) {
      if (error instanceof XenstoreError && error.code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async write(path: string, value: Buffer | string, txId = 0): Promise<void> {
    const data = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    await this.request(XsType.WRITE, Buffer.concat([nulStrings(path), data]), txId, `write ${path}`);
  }

  async mkdir(path: string, txId = 0): Promise<void> {
    await this.request(XsType.MKDIR, nulStrings(path), txId, `mkdir ${path}`);
  }

  async rm(path: string, txId = 0): Promise<void> {
    await this.request(XsType.RM, nulStrings(path), txId, `rm ${path}`);
  }

  async directory(path: string, txId = 0): Promise<string[]> {
    return splitNulStrings(await this.request(XsType.DIRECTORY, nulStrings(path), txId, `directory ${path}`));
  }

  /** Children of a node; empty when it does not exist. */
  async tryDirectory(path: string, txId = 0): Promise<string[]> {
    try {
      return await this.directory(path, txId);
    } catch (error) {
      if (error instanceof XenstoreError && error.code === 'ENOENT') return [];
      throw error;
    }
  }

  async watch(path: string, token: string): Promise<void> {
    await this.request(XsType.WATCH, nulStrings(path, token), 0, `watch ${path}`);
  }

  async unwatch(path: string, token: string): Promise<void> {
    await this.request(XsType.UNWATCH, nulStrings(path, token), 0, `unwatch ${path}`);
  }

  async transactionStart(): Promise<number> {
    const reply = splitNulStrings(await this.request(XsType.TRANSACTION_START, nulStrings(''), 0, 'transaction start'))[0];
    const txId = Number(reply);
    if (!Number.isInteger(txId) || txId <= 0) throw new XenstoreError('EIO', `transaction start: unexpected reply ${reply}`);
    return txId;
  }

  /** Commits (or aborts); a conflicting commit rejects with EAGAIN. */
  async transactionEnd(txId: number, commit: boolean): Promise<void> {
    await this.request(XsType.TRANSACTION_END, nulStrings(commit ? 'T' : 'F'), txId, 'transaction end');
  }

  async getDomainPath(domid: number): Promise<string> {
    return splitNulStrings(await this.request(XsType.GET_DOMAIN_PATH, nulStrings(String(domid)), 0, 'get domain path'))[0] ?? '';
  }

  close(): void {
    if (this.closed) return;
    this.pipe.close();
    this.lost();
  }
}

/**
 * The xenbus device: writes go straight to it, reads loop on the thread pool (a read
 * blocks until xenstored has something for this guest).
 */
async function openDevicePipe(path: string, onData: (chunk: Buffer) => void, onClose: () => void): Promise<XsPipe> {
  const handle: FileHandle = await open(path, 'r+');
  let open_ = true;
  let writing = Promise.resolve();
  void (async () => {
    const buffer = Buffer.alloc(4096 + 16);
    try {
      while (open_) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        onData(Buffer.from(buffer.subarray(0, bytesRead)));
      }
    } catch {
      // closed or failed: both end the connection
    }
    open_ = false;
    onClose();
  })();
  return {
    write(data) {
      writing = writing.then(() => handle.write(data).then(() => undefined)).catch(() => undefined);
    },
    close() {
      open_ = false;
      void writing.finally(() => handle.close().catch(() => undefined));
    },
  };
}
