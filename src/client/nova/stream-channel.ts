/**
 * nova over a byte stream (Unix socket, TCP): a request per line, replies in order. One
 * connection for the client's life, so the key agreed by keyinit stays with it.
 */
import { connect, type Socket } from 'node:net';
import { parseReply, type NovaChannel, type NovaReplyMessage } from './channel.js';
import { NovaConnectionError, NovaProtocolError, NovaTimeoutError } from './errors.js';

interface Waiter {
  readonly resolve: (reply: NovaReplyMessage) => void;
  readonly reject: (error: Error) => void;
}

export class StreamChannel implements NovaChannel {
  private readonly waiters: Waiter[] = [];
  private pending = '';
  private broken: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('error', (error) => this.fail(new NovaConnectionError(`nova agent connection: ${error.message}`)));
    socket.on('close', () => this.fail(new NovaConnectionError('the nova agent closed the connection')));
  }

  static open(options: { path: string } | { host: string; port: number }): Promise<StreamChannel> {
    return new Promise((resolve, reject) => {
      const socket = 'path' in options ? connect(options.path) : connect(options.port, options.host);
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        resolve(new StreamChannel(socket));
      });
      socket.once('error', (error) => reject(new NovaConnectionError(`cannot reach the nova agent: ${error.message}`)));
    });
  }

  private receive(chunk: string): void {
    this.pending += chunk;
    for (let newline = this.pending.indexOf('\n'); newline >= 0; newline = this.pending.indexOf('\n')) {
      const line = this.pending.slice(0, newline);
      this.pending = this.pending.slice(newline + 1);
      const waiter = this.waiters.shift();
      if (!waiter) continue;
      try {
        waiter.resolve(parseReply(line));
      } catch (error) {
        waiter.reject(new NovaProtocolError((error as Error).message));
      }
    }
  }

  private fail(error: Error): void {
    this.broken ??= error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  request(request: { readonly name: string; readonly value?: unknown }, timeoutMs: number): Promise<NovaReplyMessage> {
    if (this.broken) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        // Replies come in order: a late one would be taken for the next request's.
        this.fail(new NovaTimeoutError(`no reply to ${request.name} within ${timeoutMs} ms`));
        this.socket.destroy();
      }, timeoutMs);
      this.waiters.push({
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.socket.write(`${JSON.stringify(request)}\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
