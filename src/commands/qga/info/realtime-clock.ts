/**
 * Wall-clock time in microseconds, which qemu-ga reports (g_get_real_time() * 1000).
 * Node's Date.now() has only millisecond resolution, so the monotonic clock is anchored
 * to the instant Date.now() ticks over to a new millisecond, and the anchor is renewed
 * often enough that clock slewing (at most 0.5 ms per second) stays negligible.
 */
const ANCHOR_LIFETIME_NS = 1_000_000_000n;

let anchor: { wallMs: bigint; monotonicNs: bigint } | undefined;

function takeAnchor(): { wallMs: bigint; monotonicNs: bigint } {
  const start = Date.now();
  let now = start;
  // Busy-wait (at most 1 ms) for the next millisecond boundary.
  while (now === start) now = Date.now();
  return { wallMs: BigInt(now), monotonicNs: process.hrtime.bigint() };
}

/** Microseconds since the Epoch. */
export function realTimeMicros(): bigint {
  const monotonic = process.hrtime.bigint();
  if (!anchor || monotonic - anchor.monotonicNs > ANCHOR_LIFETIME_NS) {
    anchor = takeAnchor();
  }
  const micros = anchor.wallMs * 1000n + (process.hrtime.bigint() - anchor.monotonicNs) / 1000n;
  // Never contradict Date.now(): if the wall clock was stepped, start again.
  const wallMs = BigInt(Date.now());
  if (micros / 1000n < wallMs - 1n || micros / 1000n > wallMs + 1n) {
    anchor = takeAnchor();
    return anchor.wallMs * 1000n + (process.hrtime.bigint() - anchor.monotonicNs) / 1000n;
  }
  return micros;
}
