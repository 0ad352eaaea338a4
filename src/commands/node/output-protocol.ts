/**
 * The JumpScale output protocol, read from a job's stdout and stderr:
 *
 *   N::text        one message at level N
 *   N:::           opens a multi-line message at level N, closed by a line ":::"
 *   anything else  a message at level 1 (stdout) or 2 (stderr)
 *
 * Fixed against the original: blank lines inside a block are kept, and a block still
 * open when the stream ends (the process exited without ":::") is emitted, not lost.
 * Only known levels count as prefixes; "99::x" is an ordinary line.
 */
import { StringDecoder } from 'node:string_decoder';
import { isKnownLevel } from '../../protocols/fleet/job-model.js';

export type EmitMessage = (level: number, text: string) => void;

const SINGLE = /^(\d{1,2})::(.*)$/s;
const BLOCK_START = /^(\d{1,2}):::$/;
const BLOCK_END = ':::';

export class OutputParser {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private block: { level: number; lines: string[] } | undefined;

  constructor(
    private readonly defaultLevel: number,
    private readonly emit: EmitMessage,
    /** Every raw line as printed (for the result's streams). */
    private readonly onLine?: (line: string) => void,
  ) {}

  push(chunk: Buffer | string): void {
    const text = this.partial + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line.endsWith('\r') ? line.slice(0, -1) : line);
  }

  /** The stream ended: a last line without newline counts, and an open block is emitted. */
  end(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest !== '') this.line(rest);
    if (this.block) {
      const { level, lines } = this.block;
      this.block = undefined;
      this.emit(level, lines.join('\n'));
    }
  }

  private line(line: string): void {
    this.onLine?.(line);
    if (this.block) {
      if (line === BLOCK_END) {
        const { level, lines } = this.block;
        this.block = undefined;
        this.emit(level, lines.join('\n'));
      } else {
        this.block.lines.push(line);
      }
      return;
    }
    const start = BLOCK_START.exec(line);
    if (start && isKnownLevel(Number(start[1]))) {
      this.block = { level: Number(start[1]), lines: [] };
      return;
    }
    const single = SINGLE.exec(line);
    if (single && isKnownLevel(Number(single[1]))) {
      this.emit(Number(single[1]), single[2]!);
      return;
    }
    this.emit(this.defaultLevel, line);
  }
}

/** Keeps the last `limit` lines. */
export class LineTail {
  private readonly lines: string[] = [];

  constructor(private readonly limit = 1000) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.limit * 2) this.lines.splice(0, this.lines.length - this.limit);
  }

  text(): string {
    const kept = this.lines.length > this.limit ? this.lines.slice(-this.limit) : this.lines;
    return kept.length === 0 ? '' : kept.join('\n') + '\n';
  }
}

/** A statsd line of a level-10 message: `key:value|g`, `|c`, `|ms` or `|s`. */
export interface StatsdLine {
  readonly key: string;
  readonly value: number;
  readonly type: 'g' | 'c' | 'ms' | 's';
}

export function parseStatsdLine(text: string): StatsdLine | undefined {
  const match = /^([^:|\s]+):(-?\d+(?:\.\d+)?)\|(g|c|ms|s)$/.exec(text.trim());
  if (!match) return undefined;
  return { key: match[1]!, value: Number(match[2]), type: match[3] as StatsdLine['type'] };
}
