/**
 * Splits the agent's byte stream into reply lines in linear time, however large a reply
 * is: each byte is looked at once (newline and 0xFF searches start where the last one
 * stopped) and a line's pieces are joined once, when its newline arrives. A 48 MiB file
 * read is about 64 MiB of JSON on one line, so re-scanning or re-concatenating the
 * buffer on every chunk would be quadratic.
 *
 * The QGA protocol's 0xFF sentinel (sent by the agent before a guest-sync-delimited
 * reply) resets the parser: a partial line before it is dropped, and the next line is
 * flagged as delimited. In discard mode (while resynchronising) everything up to the
 * next 0xFF is dropped without being kept.
 */

export interface ReplyLine {
  /** The line's bytes, without the newline and without a leading 0xFF. */
  readonly bytes: Buffer;
  /** true when a 0xFF sentinel came right before this line. */
  readonly delimited: boolean;
}

const NEWLINE = 0x0a;
const SENTINEL = 0xff;

export class ReplySplitter {
  private pieces: Buffer[] = [];
  private pendingBytes = 0;
  private delimited = false;
  private discarding = false;

  /** @param maxLineBytes a line longer than this throws from {@link push} (a runaway peer). */
  constructor(private readonly maxLineBytes = 256 * 1024 * 1024) {}

  /** Drop everything until the next 0xFF sentinel (used while resynchronising). */
  discardUntilSentinel(): void {
    this.discarding = true;
    this.reset();
  }

  get isDiscarding(): boolean {
    return this.discarding;
  }

  /** Bytes of a line not yet complete. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** Feeds one chunk; returns the lines it completed, in order. */
  push(chunk: Buffer): ReplyLine[] {
    const lines: ReplyLine[] = [];
    let start = 0;
    // Position of the next 0xFF at or after `start`, or -1; recomputed only when passed.
    let sentinelAt = chunk.indexOf(SENTINEL);
    while (start < chunk.length) {
      if (sentinelAt !== -1 && sentinelAt < start) sentinelAt = chunk.indexOf(SENTINEL, start);
      if (this.discarding) {
        if (sentinelAt === -1) return lines;
        this.discarding = false;
        this.delimited = true;
        start = sentinelAt + 1;
        continue;
      }
      const newlineAt = chunk.indexOf(NEWLINE, start);
      if (sentinelAt !== -1 && (newlineAt === -1 || sentinelAt < newlineAt)) {
        // A sentinel mid-line: whatever came before it is stale.
        this.reset();
        this.delimited = true;
        start = sentinelAt + 1;
        continue;
      }
      if (newlineAt === -1) {
        this.keep(chunk.subarray(start));
        return lines;
      }
      this.keep(chunk.subarray(start, newlineAt));
      const bytes = this.pieces.length === 1 ? this.pieces[0]! : Buffer.concat(this.pieces, this.pendingBytes);
      const delimited = this.delimited;
      this.reset();
      if (!isBlank(bytes)) lines.push({ bytes, delimited });
      start = newlineAt + 1;
    }
    return lines;
  }

  private keep(piece: Buffer): void {
    if (piece.length === 0) return;
    this.pendingBytes += piece.length;
    if (this.pendingBytes > this.maxLineBytes) {
      this.reset();
      this.discarding = true;
      throw new RangeError(`a reply is larger than ${this.maxLineBytes} bytes`);
    }
    this.pieces.push(piece);
  }

  private reset(): void {
    this.pieces = [];
    this.pendingBytes = 0;
    this.delimited = false;
  }
}

function isBlank(bytes: Buffer): boolean {
  for (const byte of bytes) {
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  }
  return true;
}
