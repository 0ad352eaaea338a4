// The lifetime of what a view started: its requests and streams (one AbortSignal), its
// timers and listeners. Leaving the view disposes the scope, and everything stops.
import { ApiError, isAbort } from './api.js';
import { messageOf } from './dom.js';
import { clearNotice, showNotice } from './notice.js';

export { isAbort };

/** Waits `ms`, or less when `signal` aborts first. */
export function sleep(ms, signal) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve(undefined);
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/** What a failed background refresh tells the user (401 is handled by the login form). */
export function reportRefreshError(error) {
  if (isAbort(error) || (error instanceof ApiError && error.status === 401)) return;
  showNotice(error instanceof ApiError && error.status === 0 ? 'The controller does not answer; retrying…' : `Refresh failed: ${messageOf(error)}`, 'error');
}

export class Scope {
  constructor(parent) {
    this.controller = new AbortController();
    this.cleanups = [];
    if (parent) parent.onDispose(() => this.dispose());
  }

  get signal() {
    return this.controller.signal;
  }

  get active() {
    return !this.controller.signal.aborted;
  }

  onDispose(cleanup) {
    if (this.active) this.cleanups.push(cleanup);
    else cleanup();
  }

  listen(target, type, handler) {
    target.addEventListener(type, handler);
    this.onDispose(() => target.removeEventListener(type, handler));
  }

  /**
   * Runs `task` now and then every `ms` while the tab is visible (none while hidden; one
   * at once when it shows again). `ms` may be a function giving the next delay, or null
   * for none (until now() or the tab showing again). Returns { now() } to refresh at once
   * (after the run under way, if one is), and { stop() }.
   */
  poll(task, ms) {
    let timer;
    let running = false;
    let again = false;
    let stopped = false;
    const visible = () => document.visibilityState === 'visible';
    const run = async () => {
      clearTimeout(timer);
      timer = undefined;
      if (stopped || !this.active || !visible()) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          again = false;
          await task();
        } while (again && !stopped && this.active);
        clearNotice('error');
      } catch (error) {
        reportRefreshError(error);
      } finally {
        running = false;
      }
      const delay = typeof ms === 'function' ? ms() : ms;
      if (!stopped && this.active && visible() && delay !== null && timer === undefined) timer = setTimeout(run, delay);
    };
    const stop = () => {
      stopped = true;
      clearTimeout(timer);
    };
    this.listen(document, 'visibilitychange', () => {
      if (visible() && timer === undefined) void run();
    });
    this.onDispose(stop);
    void run();
    return { now: run, stop };
  }

  every(ms, task) {
    const timer = setInterval(task, ms);
    this.onDispose(() => clearInterval(timer));
  }

  dispose() {
    if (!this.active) return;
    this.controller.abort();
    for (const cleanup of this.cleanups.splice(0).reverse()) cleanup();
  }
}
