/**
 * Unix socket transport: listens on a path, hands out each client as a connection.
 * A socket file left behind by a dead process is replaced; one that another process is
 * listening on is refused. The file gets mode 0600 unless told otherwise and is removed
 * on close.
 */
import { chmod, lstat, unlink } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { StreamConnection, StreamTransport } from '../core/listener.js';
import { listen } from './listen.js';

export interface UnixTransportOptions {
  readonly path: string;
  /** File mode of the socket; 0o600 by default. */
  readonly mode?: number;
}

let nextUnixId = 1;

/** Resolves true when something accepts connections on `path`. */
function someoneListens(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

export class UnixTransport implements StreamTransport {
  readonly kind = 'stream' as const;
  readonly address: string;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly options: UnixTransportOptions) {
    this.address = `unix:${options.path}`;
  }

  async start(onConnection: (connection: StreamConnection) => void): Promise<void> {
    const { path } = this.options;
    await this.removeStaleSocket(path);
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      onConnection({ id: `unix-${nextUnixId++}`, stream: socket });
    });
    await listen(server, { path });
    this.server = server;
    await chmod(path, this.options.mode ?? 0o600);
  }

  private async removeStaleSocket(path: string): Promise<void> {
    let stats;
    try {
      stats = await lstat(path);
    } catch {
      return; // nothing there
    }
    if (!stats.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
    if (await someoneListens(path)) throw new Error(`another process is listening on ${path}`);
    await unlink(path);
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await unlink(this.options.path).catch(() => undefined);
  }
}
