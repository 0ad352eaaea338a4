/**
 * A QGA client for large replies: reply lines of tens of megabytes are gathered as a
 * list of chunks and joined once (only the newest chunk is searched for the newline).
 */
import { connect, type Socket } from 'node:net';

export class LineClient {
  private chunks: Buffer[] = [];
  private lines: Buffer[] = [];
  private waiter: (() => void) | undefined;
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    socket.on('error', () => undefined);
  }

  static connect(socketPath: string): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(socketPath);
      socket.once('connect', () => resolve(new LineClient(socket)));
      socket.once('error', reject);
    });
  }

  private onData(chunk: Buffer): void {
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline >= 0; newline = chunk.indexOf(0x0a, start)) {
      this.chunks.push(chunk.subarray(start, newline));
      this.lines.push(Buffer.concat(this.chunks));
      this.chunks = [];
      start = newline + 1;
    }
    if (start < chunk.length) this.chunks.push(chunk.subarray(start));
    this.waiter?.();
  }

  /** Sends one request; returns the reply line (without "\n") as text. */
  async request(execute: string, args?: Record<string, unknown>, timeoutMs = 20_000): Promise<string> {
    this.socket.write(JSON.stringify(args === undefined ? { execute } : { execute, arguments: args }));
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (this.closed) throw new Error('connection closed before a reply');
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no reply to ${execute} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.lines.shift()!.toString('utf8');
  }

  close(): void {
    this.socket.destroy();
  }
}
