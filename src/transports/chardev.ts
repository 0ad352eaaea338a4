/**
 * Character-device transport: a virtio-serial port (/dev/virtio-ports/org.qemu.guest_agent.0)
 * or a serial line (/dev/ttyS0), as qemu-ga's virtio-serial and isa-serial methods.
 *
 * The device is one byte stream for its whole lifetime, so the transport hands out one
 * connection at a time (a new one only if the protocol closed the previous). Reads block
 * and Node cannot poll such a device, so they run in a worker thread
 * (chardev-reader-worker.ts); writes go through fs.write from this thread.
 *
 * A tty is put in raw mode with `stty raw -echo min 0 time 2` (no echo, no line
 * editing, and reads that return every 0.2 s so the reader can stop). A virtio port
 * cannot be woken that way: a reader blocked on it stops only when bytes come or the
 * host disconnects, which blockedReaderCount() reports so the daemon can exit anyway.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, constants, openSync, write } from 'node:fs';
import { Duplex } from 'node:stream';
import { isatty } from 'node:tty';
import { Worker } from 'node:worker_threads';
import type { StreamConnection, StreamTransport } from '../core/listener.js';
import type { Logger } from '../core/logger.js';
import { PAUSED, READER_WORKER_SOURCE, STOP, type ReaderMessage, type ReaderWorkerData } from './chardev-reader-worker.js';

export interface ChardevTransportOptions {
  readonly path: string;
  /** Wait this long before reading again after a hang-up (no host connected); 100 ms by default. */
  readonly retryDelayMs?: number;
  /** How long close() waits for the reader thread; 1 s by default. */
  readonly stopTimeoutMs?: number;
  readonly log?: Logger;
}

/** Write errors that mean the other side is gone: the bytes are dropped, as qemu-ga does. */
const DROP_WRITE_CODES = new Set(['EPIPE', 'EIO', 'EAGAIN', 'ECONNRESET']);

const blockedReaders = new Set<Worker>();

/** Reader threads still blocked in read() after their transport closed (virtio ports). */
export function blockedReaderCount(): number {
  return blockedReaders.size;
}

function writeAll(fd: number, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const next = (offset: number): void => {
      write(fd, data, offset, data.length - offset, null, (error, written) => {
        if (error) reject(error);
        else if (offset + written < data.length) next(offset + written);
        else resolve();
      });
    };
    next(0);
  });
}

/** The stream the protocol sees: bytes from the reader thread, writes to the device. */
class DeviceStream extends Duplex {
  constructor(
    private readonly fd: number,
    private readonly control: Int32Array,
    private readonly log: Logger | undefined,
  ) {
    super({ allowHalfOpen: true });
  }

  deliver(chunk: Buffer): void {
    if (!this.push(chunk)) Atomics.store(this.control, PAUSED, 1);
  }

  override _read(): void {
    if (Atomics.load(this.control, PAUSED) === 1) {
      Atomics.store(this.control, PAUSED, 0);
      Atomics.notify(this.control, PAUSED);
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    writeAll(this.fd, chunk).then(
      () => callback(),
      (error: NodeJS.ErrnoException) => {
        if (error.code && DROP_WRITE_CODES.has(error.code)) {
          this.log?.debug({ code: error.code }, 'reply dropped: nobody on the other end of the device');
          callback();
        } else {
          callback(error);
        }
      },
    );
  }

  override _final(callback: () => void): void {
    // The device stays open: ending a conversation does not close the port.
    callback();
  }
}

let nextChardevId = 1;

export class ChardevTransport implements StreamTransport {
  readonly kind = 'stream' as const;
  readonly address: string;
  private fd: number | undefined;
  private worker: Worker | undefined;
  private stream: DeviceStream | undefined;
  private control: Int32Array | undefined;
  private onConnection: ((connection: StreamConnection) => void) | undefined;
  private closing = false;

  constructor(private readonly options: ChardevTransportOptions) {
    this.address = `chardev:${options.path}`;
  }

  async start(onConnection: (connection: StreamConnection) => void): Promise<void> {
    const { path } = this.options;
    // O_NOCTTY: a serial line must not become this process's controlling terminal.
    const fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY);
    const isTty = isatty(fd);
    try {
      if (isTty) makeRaw(fd, path);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    this.fd = fd;
    this.control = new Int32Array(new SharedArrayBuffer(8));
    this.onConnection = onConnection;
    const workerData: ReaderWorkerData = {
      fd,
      isTty,
      retryDelayMs: this.options.retryDelayMs ?? 100,
      control: this.control.buffer as SharedArrayBuffer,
    };
    const worker = new Worker(READER_WORKER_SOURCE, { eval: true, workerData });
    this.worker = worker;
    worker.on('message', (message: ReaderMessage) => this.onReaderMessage(message));
    worker.on('error', (error) => this.options.log?.error({ err: error.message, device: path }, 'device reader failed'));
    worker.once('exit', () => {
      blockedReaders.delete(worker);
      if (this.worker === worker) this.worker = undefined;
      // The fd is closed only once no thread can be reading it (the number could be reused).
      if (this.closing && this.fd !== undefined) {
        closeSync(this.fd);
        this.fd = undefined;
      }
    });
    this.connect();
  }

  private connect(): void {
    if (this.closing || this.fd === undefined || !this.control || !this.onConnection) return;
    const stream = new DeviceStream(this.fd, this.control, this.options.log);
    this.stream = stream;
    stream.once('close', () => {
      if (this.stream === stream) this.stream = undefined;
      // The protocol gave up on this conversation (e.g. a write failed); the device is
      // still there, so the next bytes start a new one.
      if (!this.closing) this.connect();
    });
    Atomics.store(this.control, PAUSED, 0);
    Atomics.notify(this.control, PAUSED);
    this.onConnection({ id: `chardev-${nextChardevId++}`, stream });
  }

  private onReaderMessage(message: ReaderMessage): void {
    switch (message.type) {
      case 'data':
        this.stream?.deliver(Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength));
        break;
      case 'hangup':
        this.options.log?.debug({ device: this.options.path, reason: message.reason }, 'nobody on the other end; waiting');
        break;
      case 'error':
        this.options.log?.error({ device: this.options.path, code: message.code }, `cannot read the device: ${message.message}`);
        this.stream?.destroy(new Error(message.message));
        break;
    }
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.stream?.destroy();
    this.stream = undefined;
    const worker = this.worker;
    if (!worker) {
      if (this.fd !== undefined) closeSync(this.fd);
      this.fd = undefined;
      return;
    }
    Atomics.store(this.control!, STOP, 1);
    Atomics.notify(this.control!, STOP);
    Atomics.notify(this.control!, PAUSED);
    const exited = new Promise<boolean>((resolve) => worker.once('exit', () => resolve(true)));
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), this.options.stopTimeoutMs ?? 1000).unref());
    if (!(await Promise.race([exited, timeout]))) {
      // Blocked in read() on a device nobody writes to: leave it, let the process exit.
      blockedReaders.add(worker);
      worker.unref();
    }
  }
}

/** Raw mode for a serial line or pty, through stty reading the device as its stdin. */
function makeRaw(fd: number, path: string): void {
  const result = spawnSync('stty', ['raw', '-echo', 'min', '0', 'time', '2'], { stdio: [fd, 'ignore', 'pipe'] });
  if (result.error) throw new Error(`cannot run stty to set ${path} to raw mode: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`stty could not set ${path} to raw mode: ${result.stderr.toString().trim() || `exit status ${result.status}`}`);
  }
}
