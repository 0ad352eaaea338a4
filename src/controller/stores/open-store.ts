/** The store a controller was asked for: Redis with a URL, else memory. */
import type { Logger } from '../../core/logger.js';
import { MemoryStore } from './memory-store.js';
import type { ControllerStore } from './store.js';

export interface OpenStoreOptions {
  readonly redis?: string | undefined;
  readonly ttlMs?: number;
  readonly log: Logger;
}

export async function openStore(options: OpenStoreOptions): Promise<ControllerStore> {
  if (options.redis !== undefined) {
    const { RedisStore } = await import('./redis-store.js');
    return RedisStore.connect({ url: options.redis, log: options.log, ...(options.ttlMs !== undefined ? { ttlMs: options.ttlMs } : {}) });
  }
  return new MemoryStore(options.ttlMs !== undefined ? { ttlMs: options.ttlMs } : {});
}
