/**
 * Sends the same bytes to two QGA agents (the real qemu-ga and hostlink) and collects
 * what each answers, so a test can compare them. Values that differ by nature (times,
 * pids, versions) are passed through a normaliser first.
 *
 * qemu-ga serves one client at a time and keeps its parser state between clients, so
 * each exchange uses a fresh connection and ends with the stream back at a clean state.
 */
import { connect } from 'node:net';

export interface Exchange {
  /** Raw bytes received, split into lines (each without its "\n"; a leading 0xFF kept). */
  readonly lines: Buffer[];
  /** Bytes after the last "\n" (should be empty). */
  readonly rest: Buffer;
}

export interface ExchangeOptions {
  /** How many reply lines to wait for before closing (unless untilLine is given). */
  readonly expectLines?: number;
  /** Wait until a reply line equal to this (latin1 text, without "\n") arrives. */
  readonly untilLine?: string;
  /** Give up waiting after this long (then return what came). */
  readonly timeoutMs?: number;
  /** Extra time to wait after the expected lines, to catch unexpected extra replies. */
  readonly settleMs?: number;
}

/** Writes `parts` (each a separate write) on a new connection to `socketPath`; collects reply lines. */
export async function exchange(
  socketPath: string,
  parts: readonly (string | Buffer)[],
  options: ExchangeOptions,
): Promise<Exchange> {
  const socket = connect(socketPath);
  const received: Buffer[] = [];
  let count = 0;
  let lineStart: Buffer[] = []; // bytes of the line being received, for untilLine
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, options.timeoutMs ?? 5000);
    const finish = (): void => {
      clearTimeout(timer);
      if (options.settleMs) setTimeout(resolve, options.settleMs);
      else resolve();
    };
    if (options.untilLine === undefined && !options.expectLines) finish();
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      let from = 0;
      for (let i = 0; i < chunk.length; i++) {
        if (chunk[i] !== 0x0a) continue;
        count++;
        if (options.untilLine !== undefined) {
          lineStart.push(chunk.subarray(from, i));
          if (Buffer.concat(lineStart).toString('latin1') === options.untilLine) finish();
          lineStart = [];
        }
        from = i + 1;
      }
      if (options.untilLine !== undefined) lineStart.push(chunk.subarray(from));
      else if (count === options.expectLines) finish();
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  for (const part of parts) {
    socket.write(typeof part === 'string' ? Buffer.from(part, 'latin1') : part);
    // Separate writes should arrive as separate reads: let the event loop turn.
    if (parts.length > 1) await new Promise((resolve) => setImmediate(resolve));
  }
  await done;
  socket.destroy();
  const all = Buffer.concat(received);
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < all.length; i++) {
    if (all[i] === 0x0a) {
      lines.push(all.subarray(start, i));
      start = i + 1;
    }
  }
  return { lines, rest: all.subarray(start) };
}

/** Turns one reply line into a comparable string; the default keeps it as it is (latin1). */
export type Normaliser = (line: string) => string;

export const identity: Normaliser = (line) => line;

/** Reply lines as latin1 strings (so a leading 0xFF shows as "\u00ff"), normalised. */
export function replyTexts(result: Exchange, normalise: Normaliser = identity): string[] {
  const texts = result.lines.map((line) => normalise(line.toString('latin1')));
  if (result.rest.length > 0) texts.push('<partial>' + normalise(result.rest.toString('latin1')));
  return texts;
}

export interface ComparedReplies {
  readonly reference: string[];
  readonly hostlink: string[];
}

/** Sends the same bytes to both agents and returns both normalised reply lists. */
export async function compareAgents(
  referenceSocket: string,
  hostlinkSocket: string,
  parts: readonly (string | Buffer)[],
  options: ExchangeOptions & { normalise?: Normaliser },
): Promise<ComparedReplies> {
  const reference = await exchange(referenceSocket, parts, options);
  const hostlink = await exchange(hostlinkSocket, parts, options);
  return { reference: replyTexts(reference, options.normalise), hostlink: replyTexts(hostlink, options.normalise) };
}

/** Replaces the value of each named JSON member (anywhere in the line) with a placeholder. */
export function maskMembers(...names: string[]): Normaliser {
  return (line) =>
    names.reduce(
      (text, name) =>
        text.replace(new RegExp(`("${name}": )("(?:[^"\\\\]|\\\\.)*"|-?[0-9.e+]+|true|false|null)`, 'g'), `$1<${name}>`),
      line,
    );
}
