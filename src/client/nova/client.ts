/**
 * A client of nova-agent (or `hostlink agent` with a nova listener) that does the host's
 * half of the exchange: Diffie-Hellman and encryption for password, base64 for
 * injectfile. Requests go one at a time; a key agreed by keyinit is used by the next
 * password and then forgotten, as the agent forgets it.
 */
import { deriveX25519Key, gcmEncrypt, generateX25519KeyPair } from '../../protocols/nova/x25519-key-exchange.js';
import {
  legacyAesKey,
  legacyEncrypt,
  legacyPublicKey,
  legacySharedSecret,
  isValidLegacyPublicKey,
  randomLegacyPrivateKey,
  type AesKeyAndIv,
} from '../../protocols/nova/legacy-key-exchange.js';
import { parseNovaAddress, type NovaAddress } from './address.js';
import type { NovaChannel, NovaReplyMessage } from './channel.js';
import { NovaProtocolError, NovaReplyError } from './errors.js';
import { StreamChannel } from './stream-channel.js';
import { XenstoreChannel } from './xenstore-channel.js';

export type KeyExchange = 'auto' | 'legacy' | 'x25519';

export interface NovaClientOptions {
  /** Per-request timeout (ms); 30 s by default (resetnetwork and agentupdate take time). */
  readonly timeoutMs?: number;
}

type AgreedKey = { readonly kind: 'legacy'; readonly aes: AesKeyAndIv } | { readonly kind: 'x25519'; readonly key: Buffer };

/** AAD the agent expects on an X25519-sealed password. */
const PASSWORD_AAD = 'password';

export class NovaClient {
  private key: AgreedKey | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly channel: NovaChannel,
    private readonly timeoutMs: number,
  ) {}

  static async connect(address: NovaAddress | string, options: NovaClientOptions = {}): Promise<NovaClient> {
    const where = typeof address === 'string' ? parseNovaAddress(address) : address;
    const channel =
      where.kind === 'unix'
        ? await StreamChannel.open({ path: where.path })
        : where.kind === 'tcp'
          ? await StreamChannel.open({ host: where.host, port: where.port })
          : await XenstoreChannel.open(where.path, where.domid);
    return new NovaClient(channel, options.timeoutMs ?? 30_000);
  }

  /** Sends any command; resolves with the reply whatever its code. */
  raw(name: string, value?: unknown): Promise<NovaReplyMessage> {
    const run = this.queue.then(() => this.channel.request(value === undefined ? { name } : { name, value }, this.timeoutMs));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Sends a command; a reply other than "0" (or `accept`) is a NovaReplyError. */
  async call(name: string, value?: unknown, accept: readonly string[] = ['0']): Promise<string> {
    const reply = await this.raw(name, value);
    if (!accept.includes(reply.returncode)) throw new NovaReplyError(name, reply.returncode, reply.message);
    return reply.message;
  }

  version(): Promise<string> {
    return this.call('version', 'agent');
  }

  async features(): Promise<string[]> {
    return (await this.call('features')).split(',').filter((name) => name !== '');
  }

  /** The original exchange; returns the agent's public key. */
  async keyinit(): Promise<bigint> {
    const privateKey = randomLegacyPrivateKey();
    const message = await this.call('keyinit', legacyPublicKey(privateKey).toString(10), ['D0']);
    if (!/^\d+$/.test(message) || !isValidLegacyPublicKey(BigInt(message))) throw new NovaProtocolError(`keyinit: not a public key: ${message}`);
    this.key = { kind: 'legacy', aes: legacyAesKey(legacySharedSecret(BigInt(message), privateKey)) };
    return BigInt(message);
  }

  /** The X25519 exchange (agents that list keyinit-x25519 in features). */
  async keyinitX25519(): Promise<Buffer> {
    const own = generateX25519KeyPair();
    const message = await this.call('keyinit-x25519', own.publicRaw.toString('base64'), ['D0']);
    const agentPublic = Buffer.from(message, 'base64');
    try {
      this.key = { kind: 'x25519', key: deriveX25519Key(own, agentPublic, own.publicRaw, agentPublic) };
    } catch (error) {
      throw new NovaProtocolError(`keyinit-x25519: ${(error as Error).message}`);
    }
    return agentPublic;
  }

  /** Sets root's password: key exchange (X25519 when offered, with 'auto'), then the encrypted password. */
  async password(password: string, exchange: KeyExchange = 'auto'): Promise<void> {
    if (password.includes('\n')) throw new Error('a password cannot contain a newline');
    let method = exchange;
    if (method === 'auto') method = (await this.features()).includes('keyinit-x25519') ? 'x25519' : 'legacy';
    if (method === 'x25519') await this.keyinitX25519();
    else await this.keyinit();
    const key = this.key!;
    this.key = undefined;
    // Hosts encrypt the password as `echo` prints it: with one trailing newline.
    const plaintext = Buffer.from(`${password}\n`, 'utf8');
    try {
      const sealed = key.kind === 'legacy' ? legacyEncrypt(plaintext, key.aes) : gcmEncrypt(key.key, plaintext, PASSWORD_AAD);
      await this.call('password', sealed.toString('base64'));
    } finally {
      plaintext.fill(0);
      if (key.kind === 'legacy') key.aes.key.fill(0);
      else key.key.fill(0);
    }
  }

  /** Writes a file in the guest (contents may be binary). */
  async injectfile(path: string, contents: Buffer | string): Promise<void> {
    const data = Buffer.concat([Buffer.from(`${path},`, 'utf8'), typeof contents === 'string' ? Buffer.from(contents, 'utf8') : contents]);
    await this.call('injectfile', data.toString('base64'));
  }

  /** From vm-data (no description), or from the given description {hostname, interfaces}. */
  async resetnetwork(description?: { readonly hostname?: string; readonly interfaces: readonly unknown[] }): Promise<void> {
    await this.call('resetnetwork', description ?? '');
  }

  async agentupdate(url: string, md5: string, sha256?: string): Promise<void> {
    await this.call('agentupdate', sha256 ? { url, md5sum: md5, sha256 } : `${url},${md5}`);
  }

  close(): void {
    this.channel.close();
  }
}
