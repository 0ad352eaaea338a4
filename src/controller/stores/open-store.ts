/** The store a controller was asked for: Redis with a URL, else memory. */
import { HostlinkError } from '../../core/errors.js';
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
    throw new HostlinkError('NotSupported', '--redis: the Redis store is not built yet');
  }
  return new MemoryStore(options.ttlMs !== undefined ? { ttlMs: options.ttlMs } : {});
}
