/**
 * TCP transport: listens on 127.0.0.1 unless another host is given, hands out each
 * client as a connection. Port 0 picks a free port; `port` tells which after start().
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { StreamConnection, StreamTransport } from '../core/listener.js';
import { listen } from './listen.js';

export interface TcpTransportOptions {
  readonly host?: string;
  readonly port: number;
}

let nextTcpId = 1;

export class TcpTransport implements StreamTransport {
  readonly kind = 'stream' as const;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private boundPort: number;
  private readonly host: string;

  constructor(options: TcpTransportOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.boundPort = options.port;
  }

  get address(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `tcp:${host}:${this.boundPort}`;
  }

  /** The port listened on (the chosen one when started with port 0). */
  get port(): number {
    return this.boundPort;
  }

  async start(onConnection: (connection: StreamConnection) => void): Promise<void> {
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      onConnection({ id: `tcp-${nextTcpId++}-${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`, stream: socket });
    });
    await listen(server, { port: this.boundPort, host: this.host });
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
