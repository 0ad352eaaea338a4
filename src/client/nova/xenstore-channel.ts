/**
 * The host's side of nova's XenStore exchange: the request goes to
 * /local/domain/DOMID/data/host/ID, the reply is awaited at data/guest/ID (a watch, and
 * a poll in case watches are not delivered), read and removed. On timeout the request is
 * taken back, as nova's host does, so the agent does not run it later.
 */
import { randomUUID } from 'node:crypto';
import { XenstoreClient } from '../../transports/xenstore-client.js';
import { parseReply, type NovaChannel, type NovaReplyMessage } from './channel.js';
import { NovaConnectionError, NovaProtocolError, NovaTimeoutError } from './errors.js';

const POLL_MS = 250;

export class XenstoreChannel implements NovaChannel {
  private constructor(
    private readonly client: XenstoreClient,
    private readonly home: string,
  ) {}

  static async open(path: string, domid: number): Promise<XenstoreChannel> {
    try {
      const client = await XenstoreClient.connect(path);
      return new XenstoreChannel(client, await client.getDomainPath(domid));
    } catch (error) {
      throw new NovaConnectionError(`cannot reach xenstored at ${path}: ${(error as Error).message}`);
    }
  }

  async request(request: { readonly name: string; readonly value?: unknown }, timeoutMs: number): Promise<NovaReplyMessage> {
    const id = randomUUID();
    const requestPath = `${this.home}/data/host/${id}`;
    const replyPath = `${this.home}/data/guest/${id}`;
    const token = `hostlink-nova-${id}`;
    let wake: () => void = () => undefined;
    const onWatch = (_path: string, watchToken: string): void => {
      if (watchToken === token) wake();
    };
    this.client.on('watch', onWatch);
    try {
      await this.client.watch(replyPath, token).catch(() => undefined);
      await this.client.write(requestPath, JSON.stringify(request));
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const reply = await this.client.tryRead(replyPath);
        if (reply !== undefined) {
          await this.client.rm(replyPath).catch(() => undefined);
          try {
            return parseReply(reply.toString('utf8'));
          } catch (error) {
            throw new NovaProtocolError((error as Error).message);
          }
        }
        const left = deadline - Date.now();
        if (left <= 0) {
          await this.client.rm(requestPath).catch(() => undefined);
          throw new NovaTimeoutError(`no reply to ${request.name} within ${timeoutMs} ms (request taken back)`);
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(POLL_MS, left));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } catch (error) {
      if (error instanceof NovaTimeoutError || error instanceof NovaProtocolError) throw error;
      throw new NovaConnectionError(`XenStore: ${(error as Error).message}`);
    } finally {
      this.client.off('watch', onWatch);
      await this.client.unwatch(replyPath, token).catch(() => undefined);
    }
  }

  close(): void {
    this.client.close();
  }
}
