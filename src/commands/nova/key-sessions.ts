/**
 * The keys agreed by keyinit, one per client (a XenStore host is one client; each
 * socket connection is its own), used once by password and then wiped. Keys expire,
 * and only a bounded number are kept, so clients that never send a password cannot
 * fill the agent's memory.
 */
import type { AesKeyAndIv } from '../../protocols/nova/legacy-key-exchange.js';

export type SessionKey = { readonly kind: 'legacy'; readonly aes: AesKeyAndIv } | { readonly kind: 'x25519'; readonly key: Buffer };

const DEFAULT_TTL_MS = 10 * 60 * 1000;
const DEFAULT_MAX = 64;

interface Entry {
  readonly key: SessionKey;
  readonly expires: number;
}

export function wipeKey(key: SessionKey): void {
  if (key.kind === 'legacy') {
    key.aes.key.fill(0);
    key.aes.iv.fill(0);
  } else {
    key.key.fill(0);
  }
}

export class KeySessions {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs = DEFAULT_TTL_MS,
    private readonly max = DEFAULT_MAX,
  ) {}

  /** Replaces the client's key (a new keyinit starts over). */
  set(clientId: string, key: SessionKey): void {
    this.delete(clientId);
    this.prune();
    while (this.entries.size >= this.max) this.delete(this.entries.keys().next().value!);
    this.entries.set(clientId, { key, expires: Date.now() + this.ttlMs });
  }

  /** The client's key, removed from the store: it serves one password only. */
  take(clientId: string): SessionKey | undefined {
    const entry = this.entries.get(clientId);
    this.entries.delete(clientId);
    if (!entry) return undefined;
    if (entry.expires < Date.now()) {
      wipeKey(entry.key);
      return undefined;
    }
    return entry.key;
  }

  get size(): number {
    return this.entries.size;
  }

  private delete(clientId: string): void {
    const entry = this.entries.get(clientId);
    if (entry) wipeKey(entry.key);
    this.entries.delete(clientId);
  }

  private prune(): void {
    const now = Date.now();
    for (const [clientId, entry] of this.entries) if (entry.expires < now) this.delete(clientId);
  }
}
