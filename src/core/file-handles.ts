/**
 * Objects (open files) addressed by handle numbers that are never reused, not even
 * across restarts: the next number lives in the agent's state file and is committed
 * there before a new handle is handed out, as qemu-ga does with its fd_counter.
 */
import { loadPersistentState, savePersistentState, type PersistentState } from './state-file.js';

/** Hands out handle numbers. */
export interface HandleCounter {
  /** The next number; rejects (with the number used up) when it cannot be committed. */
  next(): Promise<number>;
}

export class HandleCounterError extends Error {
  override readonly name = 'HandleCounterError';
}

/** The counter kept in the `fd_counter` value of a qemu-ga style state file. */
export class PersistentHandleCounter implements HandleCounter {
  private readonly state: PersistentState;
  private writes: Promise<unknown> = Promise.resolve();

  /** Reads (or creates) the state file now; throws StateFileError when it is unusable. */
  constructor(readonly statePath: string) {
    this.state = loadPersistentState(statePath);
  }

  /** The number the next call will hand out. */
  peek(): number {
    return this.state.fdCounter;
  }

  next(): Promise<number> {
    const handle = this.state.fdCounter++;
    const snapshot = { ...this.state };
    // Writes are chained so the file always ends with the latest counter.
    const written = this.writes.then(() => savePersistentState(this.statePath, snapshot));
    this.writes = written.catch(() => undefined);
    return written.then(
      () => handle,
      (error: unknown) => {
        throw new HandleCounterError('failed to commit persistent state to disk', { cause: error });
      },
    );
  }
}

/** A counter that lives in memory only (tests, agents without a state folder). */
export class MemoryHandleCounter implements HandleCounter {
  constructor(private counter = 1000) {}

  next(): Promise<number> {
    return Promise.resolve(this.counter++);
  }
}

/** Handle number -> object. Numbers arrive from the wire as number or bigint. */
export class HandleTable<T> {
  private readonly entries = new Map<number, T>();

  constructor(private readonly counter: HandleCounter) {}

  /** Stores `value` under a fresh number and returns the number. */
  async add(value: T): Promise<number> {
    const handle = await this.counter.next();
    this.entries.set(handle, value);
    return handle;
  }

  get(handle: number | bigint): T | undefined {
    const key = typeof handle === 'bigint' ? Number(handle) : handle;
    if (!Number.isSafeInteger(key)) return undefined;
    return this.entries.get(key);
  }

  delete(handle: number | bigint): boolean {
    const key = typeof handle === 'bigint' ? Number(handle) : handle;
    return Number.isSafeInteger(key) && this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  values(): IterableIterator<T> {
    return this.entries.values();
  }
}
