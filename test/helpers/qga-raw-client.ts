/**
 * A deliberately dumb QGA client for conformance tests: sends exact bytes, reads reply
 * lines exactly as they arrive (including a leading 0xFF), no resync, no cleverness.
 */
import { connect, type Socket } from 'node:net';
import { LineBuffer } from './line-buffer.js';

export class QgaRawClient {
  private readonly buffer = new LineBuffer();
  private waiters: Array<() => void> = [];
  private closed = false;
  private received = 0;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      this.buffer.push(chunk);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static connect(socketPath: string): Promise<QgaRawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(socketPath);
      socket.once('connect', () => resolve(new QgaRawClient(socket)));
      socket.once('error', reject);
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Next reply line as raw bytes without the trailing "\n". Rejects after timeoutMs. */
  async readLineBytes(timeoutMs = 5000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.buffer.shift();
      if (line !== undefined) return line;
      if (this.closed) throw new Error('connection closed before a full reply line');
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no reply line within ${timeoutMs} ms (have ${this.buffer.partialBytes} bytes)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Next reply line parsed as JSON (a leading 0xFF is stripped and reported). */
  async readReply(timeoutMs?: number): Promise<{ delimited: boolean; reply: Record<string, unknown> }> {
    let line = await this.readLineBytes(timeoutMs);
    const delimited = line[0] === 0xff;
    if (delimited) line = line.subarray(1);
    return { delimited, reply: JSON.parse(line.toString('utf8')) as Record<string, unknown> };
  }

  /** Sends one request object and returns its reply object. */
  async request(execute: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<Record<string, unknown>> {
    this.send(JSON.stringify(args === undefined ? { execute } : { execute, arguments: args }));
    return (await this.readReply(timeoutMs)).reply;
  }

  /** Resolves if no byte arrives within `ms` (for commands that send no reply). */
  async expectSilence(ms = 300): Promise<boolean> {
    const before = this.received;
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.received === before;
  }

  close(): void {
    this.socket.destroy();
  }
}
