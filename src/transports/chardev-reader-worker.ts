/**
 * The worker thread of the chardev transport: reads the character device with blocking
 * reads (Node's event loop cannot poll a virtio-serial port) and posts each chunk to
 * the main thread.
 *
 * Its code is plain JavaScript run with `new Worker(source, { eval: true })`: a worker
 * loaded from a .ts file would not get tsx's loader during development, and this way the
 * built and the source trees behave the same. Keep it small; the types below describe it.
 *
 * Control words shared with the main thread (Int32Array over a SharedArrayBuffer):
 * STOP = 1 asks the loop to end; PAUSED = 1 asks it not to read until the main thread's
 * stream wants more (backpressure). Sleeps wait on these words, so a stop wakes them.
 */

export const STOP = 0;
export const PAUSED = 1;

export interface ReaderWorkerData {
  readonly fd: number;
  /** A tty set up with VMIN=0/VTIME>0: a read returning 0 bytes is a timeout, not a hang-up. */
  readonly isTty: boolean;
  readonly retryDelayMs: number;
  readonly control: SharedArrayBuffer;
}

export type ReaderMessage =
  | { readonly type: 'data'; readonly chunk: Uint8Array }
  /** Nothing on the other end (virtio port without a host connection, pty without a master). */
  | { readonly type: 'hangup'; readonly reason: string }
  | { readonly type: 'error'; readonly code: string; readonly message: string };

export const READER_WORKER_SOURCE = `
'use strict';
const { readSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const STOP = ${STOP}, PAUSED = ${PAUSED};
// Errors that mean "nobody on the other side for now": wait and read again.
const RETRY_CODES = new Set(['EAGAIN', 'EWOULDBLOCK', 'EIO', 'EINTR', 'EPIPE']);
const control = new Int32Array(workerData.control);
const buffer = new Uint8Array(64 * 1024);
let hungUp = false;
function hangup(reason) {
  if (!hungUp) parentPort.postMessage({ type: 'hangup', reason });
  hungUp = true;
  Atomics.wait(control, STOP, 0, workerData.retryDelayMs);
}
while (Atomics.load(control, STOP) === 0) {
  if (Atomics.load(control, PAUSED) === 1) {
    Atomics.wait(control, PAUSED, 1, 1000);
    continue;
  }
  let count;
  try {
    count = readSync(workerData.fd, buffer, 0, buffer.length, null);
  } catch (error) {
    if (RETRY_CODES.has(error.code)) { hangup(error.code); continue; }
    parentPort.postMessage({ type: 'error', code: String(error.code), message: String(error.message) });
    break;
  }
  if (count === 0) {
    // On a tty: the VTIME timeout that lets the loop see STOP. On a virtio port:
    // qemu-ga's POLLHUP, no host connected.
    if (!workerData.isTty) hangup('end of file');
    continue;
  }
  hungUp = false;
  const chunk = buffer.slice(0, count);
  parentPort.postMessage({ type: 'data', chunk }, [chunk.buffer]);
}
`;
