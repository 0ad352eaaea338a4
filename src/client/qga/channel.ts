/**
 * Opens the byte stream to an agent: a socket (Unix or TCP) or a character device.
 * Everything above this file sees only {@link QgaChannel}: write bytes, get bytes, learn
 * when the stream ends.
 *
 * Character devices: a tty (a host-side pty from QEMU's `-chardev pty`) is read with
 * Node's tty streams, which use epoll and so never tie up a thread, after switching it
 * to raw mode (no echo, no line editing: a 6 MB request line would not survive a
 * canonical-mode tty). A FIFO goes through net.Socket the same way. Any other character
 * device is opened non-blocking and polled, so that closing it never waits on a read
 * blocked in the thread pool (which would keep the process alive).
 */
import { constants as fsConstants, open as openFd, read, write, close as closeFd, fstatSync, realpathSync } from 'node:fs';
import { promisify } from 'node:util';
import { createConnection, Socket } from 'node:net';
import { ReadStream as TtyReadStream, isatty } from 'node:tty';
import { describeAddress, type QgaAddress } from './address.js';
import { QgaConnectionError } from './errors.js';

export interface QgaChannel {
  write(data: Buffer): void;
  /** Ends the stream; no more data or close events are delivered after it. */
  destroy(): void;
}

export interface ChannelEvents {
  data(chunk: Buffer): void;
  /** The stream ended or failed; `error` is a connection error when it failed. */
  close(error?: QgaConnectionError): void;
}

/** Opens the channel or rejects with a QgaConnectionError carrying a hint. */
export async function openChannel(address: QgaAddress, events: ChannelEvents, connectTimeoutMs: number): Promise<QgaChannel> {
  if (address.kind === 'device') return openDevice(address.path, events);
  const socket =
    address.kind === 'unix' ? createConnection({ path: address.path }) : createConnection({ host: address.host, port: address.port });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new QgaConnectionError(`cannot connect to ${describeAddress(address)}: no answer within ${connectTimeoutMs} ms`, HINTS.ETIMEDOUT!, { code: 'ETIMEDOUT' }));
    }, connectTimeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(connectionError(address, error));
    });
  });
  socket.setNoDelay(true);
  return socketChannel(socket, address, events);
}

function socketChannel(socket: Socket, address: QgaAddress, events: ChannelEvents): QgaChannel {
  let open = true;
  let failure: QgaConnectionError | undefined;
  socket.on('data', (chunk: Buffer) => {
    if (open) events.data(chunk);
  });
  socket.on('error', (error: NodeJS.ErrnoException) => {
    failure = new QgaConnectionError(`connection to ${describeAddress(address)} failed: ${error.message}`, HINTS.EPIPE!, { code: error.code, cause: error });
  });
  socket.on('close', () => {
    if (!open) return;
    open = false;
    events.close(failure ?? new QgaConnectionError(`${describeAddress(address)} closed the connection`, HINTS.EPIPE!, { code: 'ECONNRESET' }));
  });
  return {
    write(data) {
      if (open) socket.write(data);
    },
    destroy() {
      open = false;
      socket.destroy();
    },
  };
}

async function openDevice(path: string, events: ChannelEvents): Promise<QgaChannel> {
  const address: QgaAddress = { kind: 'device', path };
  let fd: number;
  try {
    fd = await promisify(openFd)(path, fsConstants.O_RDWR | fsConstants.O_NOCTTY | fsConstants.O_NONBLOCK);
  } catch (error) {
    throw connectionError(address, error as NodeJS.ErrnoException);
  }
  try {
    if (isatty(fd) && realpathSync(path).startsWith('/dev/pts/')) return ttyChannel(fd, address, events);
    if (fstatSync(fd).isFIFO()) return socketChannel(new Socket({ fd, readable: true, writable: true }), address, events);
  } catch (error) {
    closeFd(fd, () => undefined);
    throw connectionError(address, error as NodeJS.ErrnoException);
  }
  return polledDeviceChannel(fd, address, events);
}

/**
 * A pty slave, read and written through one tty stream (a net.Socket over libuv's tty
 * handle, non-blocking). Not tty.WriteStream: Node makes those blocking, and a write to
 * a full pty would then stop the whole event loop, timers included. libuv reopens a pty
 * slave for its handle (and dup2s the new file description onto the descriptor given),
 * so the descriptor opened here stays ours to close. Other ttys are not reopened by
 * libuv and go to the polled channel instead.
 */
function ttyChannel(fd: number, address: QgaAddress, events: ChannelEvents): QgaChannel {
  const stream = new TtyReadStream(fd);
  stream.setRawMode(true);
  let open = true;
  const finish = (error?: Error) => {
    if (!open) return;
    open = false;
    events.close(new QgaConnectionError(`${describeAddress(address)} ${error ? `failed: ${error.message}` : 'was closed'}`, HINTS.EPIPE!, { cause: error }));
  };
  stream.on('data', (chunk: Buffer) => {
    if (open) events.data(chunk);
  });
  stream.on('error', finish);
  stream.on('end', () => finish());
  return {
    write(data) {
      if (open) stream.write(data);
    },
    destroy() {
      if (!open) return;
      open = false;
      stream.destroy();
      closeFd(fd, () => undefined);
    },
  };
}

/**
 * A character device that is neither a tty nor a FIFO: non-blocking reads polled with
 * a backoff from 1 ms to 20 ms (reset whenever data arrives), writes retried on EAGAIN.
 */
function polledDeviceChannel(fd: number, address: QgaAddress, events: ChannelEvents): QgaChannel {
  let open = true;
  let delay = 1;
  const buffer = Buffer.allocUnsafe(256 * 1024);
  const fail = (error: NodeJS.ErrnoException) => {
    if (!open) return;
    open = false;
    events.close(new QgaConnectionError(`${describeAddress(address)} failed: ${error.message}`, HINTS.EPIPE!, { code: error.code, cause: error }));
  };
  const poll = () => {
    if (!open) return;
    read(fd, buffer, 0, buffer.length, null, (error, bytes) => {
      if (!open) return;
      if (error && error.code !== 'EAGAIN') return fail(error);
      if (bytes > 0) {
        delay = 1;
        events.data(Buffer.from(buffer.subarray(0, bytes)));
        setImmediate(poll);
      } else {
        delay = Math.min(delay * 2, 20);
        setTimeout(poll, delay).unref();
      }
    });
  };
  const writes: Buffer[] = [];
  let writing = false;
  const pump = () => {
    const next = writes[0];
    if (!open || writing || !next) return;
    writing = true;
    write(fd, next, (error, written) => {
      writing = false;
      if (error && error.code !== 'EAGAIN') return fail(error);
      if (written > 0) {
        if (written === next.length) writes.shift();
        else writes[0] = next.subarray(written);
        setImmediate(pump);
      } else {
        setTimeout(pump, 1);
      }
    });
  };
  poll();
  return {
    write(data) {
      writes.push(data);
      pump();
    },
    destroy() {
      if (!open) return;
      open = false;
      closeFd(fd, () => undefined);
    },
  };
}

const HINTS: Record<string, string> = {
  ENOENT: 'no such socket or device: is the VM running, and is the path right (virsh dumpxml shows the channel\'s path)?',
  ECONNREFUSED: 'nothing is listening there: is the VM running with a guest agent channel, and is the path or port right?',
  EACCES: 'permission denied: run as a user allowed to open it (often root, or a member of the libvirt/kvm group)',
  EPERM: 'permission denied: run as a user allowed to open it (often root, or a member of the libvirt/kvm group)',
  ENOTSOCK: 'that path is not a socket: for a character device (a pty or a virtio port) use --device',
  ECONNRESET: 'the connection was reset: the VM may have stopped, or another client holds the agent channel',
  ETIMEDOUT: 'the host did not answer: check the address and any firewall between',
  EHOSTUNREACH: 'the host is unreachable: check the address and the network',
  ENOTFOUND: 'the host name does not resolve: check the address',
  EPIPE: 'the VM may have stopped or the agent restarted; try again',
  EISDIR: 'that path is a directory: give the socket or device inside it',
};

/** Turns a Node connect/open error into a QgaConnectionError with a hint. */
export function connectionError(address: QgaAddress, error: NodeJS.ErrnoException): QgaConnectionError {
  const code = error.code ?? 'EIO';
  const hint = HINTS[code] ?? 'check that the VM is running and the address is right';
  return new QgaConnectionError(`cannot open ${describeAddress(address)} (${code})`, hint, { code, cause: error });
}
