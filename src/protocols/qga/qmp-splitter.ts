/**
 * Splits a QGA byte stream into JSON messages exactly where qemu-ga (7.2) does: its JSON
 * lexer and streamer, as a byte-at-a-time state machine that keeps no token objects.
 *
 * - Tokens: strings ("..." and '...'), numbers, keywords [a-z]+, and { } [ ] : ,.
 *   Whitespace separates tokens. Any other byte, a control byte or 0xFE/0xFF inside a
 *   string, or a malformed number is a lexical error: the bytes of the broken token are
 *   reported ("JSON parse error, stray '...'"), the message so far is dropped, and
 *   input is skipped until a structural character, a control character other than tab,
 *   or 0xFE/0xFF (so 0xFF always brings the stream back to a known state).
 * - A message ends when its braces and brackets balance (or one count goes negative);
 *   a scalar at top level is a whole message.
 * - Limits per message: token bytes + 1 at most 64 MiB, at most 2 Mi tokens, nesting at
 *   most 1024; checked as each token arrives. A single token longer than 64 MiB is cut
 *   off where it crosses the limit and lexing goes on from the next byte.
 *
 * Complete messages are handed on as bytes (a view into the input when the message lies
 * in one chunk); QmpValueParser turns them into values. Cost is linear in the input.
 */

import { decodeLossy } from './mod-utf8.js';

export const MAX_TOKEN_SIZE = 64 * 1024 * 1024;
export const MAX_TOKEN_COUNT = 2 * 1024 * 1024;
export const MAX_NESTING = 1024;

export type SplitEvent = { readonly kind: 'message'; readonly bytes: Buffer } | { readonly kind: 'error'; readonly desc: string };

const enum Lex {
  Start,
  Recovery,
  DqString,
  DqEscape,
  SqString,
  SqEscape,
  Zero,
  Sign,
  Digits,
  Mantissa,
  MantissaDigits,
  ExpE,
  ExpSign,
  ExpDigits,
  Keyword,
}

const enum Token {
  LCurly,
  RCurly,
  LSquare,
  RSquare,
  Other,
}

/** Bytes that end error recovery: structural characters, control characters but tab, 0xFE, 0xFF. */
const ENDS_RECOVERY = new Uint8Array(256);
for (let b = 0; b < 0x20; b++) if (b !== 0x09) ENDS_RECOVERY[b] = 1;
for (const c of '[]{}:,') ENDS_RECOVERY[c.charCodeAt(0)] = 1;
ENDS_RECOVERY[0xfe] = 1;
ENDS_RECOVERY[0xff] = 1;

const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const BACKSLASH = 0x5c;

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

export class QmpSplitter {
  private state = Lex.Start;
  // Retained input: chunks[0] starts at absolute offset `base`.
  private chunks: Buffer[] = [];
  private base = 0;
  private end = 0;
  /** Absolute offset where the current token started. */
  private tokenStart = 0;
  /** Absolute offset where the current message's first token started. */
  private messageStart = 0;
  private braces = 0;
  private brackets = 0;
  private tokenCount = 0;
  private tokenSize = 0;
  /** Retained bytes right after the last compaction (compaction is amortised linear). */
  private compactedSize = 0;

  constructor(private readonly emit: (event: SplitEvent) => void) {}

  feed(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const chunkBase = this.end;
    this.chunks.push(chunk);
    this.end += chunk.length;
    const length = chunk.length;
    let state = this.state;
    let i = 0;
    while (i < length) {
      const b = chunk[i]!;
      switch (state) {
        case Lex.Start:
          if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) {
            i++;
            continue;
          }
          this.tokenStart = chunkBase + i;
          i++;
          if (b === QUOTE) state = Lex.DqString;
          else if (b === APOSTROPHE) state = Lex.SqString;
          else if (b === 0x7b) this.token(Token.LCurly, chunkBase + i);
          else if (b === 0x7d) this.token(Token.RCurly, chunkBase + i);
          else if (b === 0x5b) this.token(Token.LSquare, chunkBase + i);
          else if (b === 0x5d) this.token(Token.RSquare, chunkBase + i);
          else if (b === 0x2c || b === 0x3a) this.token(Token.Other, chunkBase + i);
          else if (b === 0x30) state = Lex.Zero;
          else if (b >= 0x31 && b <= 0x39) state = Lex.Digits;
          else if (b === 0x2d) state = Lex.Sign;
          else if (b >= 0x61 && b <= 0x7a) state = Lex.Keyword;
          else state = this.stray(chunkBase + i);
          break;
        case Lex.Recovery:
          if (ENDS_RECOVERY[b]) state = Lex.Start;
          else i++;
          continue;
        case Lex.DqString:
        case Lex.SqString: {
          // Tight scan to the next byte that matters.
          const quote = state === Lex.DqString ? QUOTE : APOSTROPHE;
          let j = i;
          let c = b;
          while (c >= 0x20 && c <= 0xfd && c !== quote && c !== BACKSLASH) {
            if (++j === length) break;
            c = chunk[j]!;
          }
          if (this.tooLong(chunkBase + j)) {
            // The token crossed 64 MiB somewhere in this run: cut it there.
            i = this.tokenStart + MAX_TOKEN_SIZE + 1 - chunkBase;
            state = this.oversized();
            continue;
          }
          i = j;
          if (j === length) continue;
          i++;
          if (c === quote) {
            state = Lex.Start;
            this.token(Token.Other, chunkBase + i);
          } else if (c === BACKSLASH) {
            state = state === Lex.DqString ? Lex.DqEscape : Lex.SqEscape;
          } else {
            state = this.stray(chunkBase + i);
          }
          if (state !== Lex.Start && state !== Lex.Recovery && this.tooLong(chunkBase + i)) state = this.oversized();
          continue;
        }
        case Lex.DqEscape:
        case Lex.SqEscape:
          i++;
          if (b >= 0x20 && b <= 0xfd) state = state === Lex.DqEscape ? Lex.DqString : Lex.SqString;
          else state = this.stray(chunkBase + i);
          break;
        case Lex.Zero:
          if (b === 0x2e) {
            i++;
            state = Lex.Mantissa;
          } else if (isDigit(b)) {
            i++;
            state = this.stray(chunkBase + i);
          } else {
            state = Lex.Start;
            this.token(Token.Other, chunkBase + i);
            continue;
          }
          break;
        case Lex.Sign:
          i++;
          if (b === 0x30) state = Lex.Zero;
          else if (b >= 0x31 && b <= 0x39) state = Lex.Digits;
          else state = this.stray(chunkBase + i);
          break;
        case Lex.Digits:
          if (isDigit(b)) i++;
          else if (b === 0x65 || b === 0x45) {
            i++;
            state = Lex.ExpE;
          } else if (b === 0x2e) {
            i++;
            state = Lex.Mantissa;
          } else {
            state = Lex.Start;
            this.token(Token.Other, chunkBase + i);
            continue;
          }
          break;
        case Lex.Mantissa:
          i++;
          state = isDigit(b) ? Lex.MantissaDigits : this.stray(chunkBase + i);
          break;
        case Lex.MantissaDigits:
          if (isDigit(b)) i++;
          else if (b === 0x65 || b === 0x45) {
            i++;
            state = Lex.ExpE;
          } else {
            state = Lex.Start;
            this.token(Token.Other, chunkBase + i);
            continue;
          }
          break;
        case Lex.ExpE:
          i++;
          if (b === 0x2b || b === 0x2d) state = Lex.ExpSign;
          else if (isDigit(b)) state = Lex.ExpDigits;
          else state = this.stray(chunkBase + i);
          break;
        case Lex.ExpSign:
          i++;
          state = isDigit(b) ? Lex.ExpDigits : this.stray(chunkBase + i);
          break;
        case Lex.ExpDigits:
          if (isDigit(b)) i++;
          else {
            state = Lex.Start;
            this.token(Token.Other, chunkBase + i);
            continue;
          }
          break;
        case Lex.Keyword:
          if (b >= 0x61 && b <= 0x7a) i++;
          else {
            state = Lex.Start;
            this.token(Token.Other, chunkBase + i);
            continue;
          }
          break;
      }
      // A byte was consumed into a token still in progress: enforce the token size limit.
      if (state !== Lex.Start && state !== Lex.Recovery && this.tooLong(chunkBase + i)) state = this.oversized();
    }
    this.state = state;
    this.release();
  }

  private tooLong(endAbs: number): boolean {
    return endAbs - this.tokenStart > MAX_TOKEN_SIZE;
  }

  /**
   * A token in progress reached MAX_TOKEN_SIZE + 1 bytes: qemu's lexer hands it on
   * unfinished, which always fails the size limit; lexing resumes at the next byte.
   */
  private oversized(): Lex {
    this.resetMessage();
    this.emit({ kind: 'error', desc: 'JSON token size limit exceeded' });
    return Lex.Start;
  }

  /** A lexical error: report the broken token's bytes, drop the message, start recovery. */
  private stray(endAbs: number): Lex {
    const bytes = this.slice(this.tokenStart, endAbs);
    const prefix = Buffer.from("JSON parse error, stray '");
    let nul = bytes.indexOf(0);
    if (nul < 0) nul = bytes.length;
    const text = Buffer.concat([prefix, bytes.subarray(0, nul), Buffer.from("'")]);
    this.emit({ kind: 'error', desc: decodeLossy(text) });
    this.resetMessage();
    return Lex.Recovery;
  }

  /**
   * A complete token [tokenStart, endAbs): json_message_process_token(). The limits are
   * checked before the token joins the message (so even the closing brace of an
   * otherwise complete message can break one), then a balanced message is handed on.
   */
  private token(type: Token, endAbs: number): void {
    const length = endAbs - this.tokenStart;
    if (this.tokenCount === 0) this.messageStart = this.tokenStart;
    if (type === Token.LCurly) this.braces++;
    else if (type === Token.RCurly) this.braces--;
    else if (type === Token.LSquare) this.brackets++;
    else if (type === Token.RSquare) this.brackets--;
    let desc: string | undefined;
    if (this.tokenSize + length + 1 > MAX_TOKEN_SIZE) desc = 'JSON token size limit exceeded';
    else if (this.tokenCount + 1 > MAX_TOKEN_COUNT) desc = 'JSON token count limit exceeded';
    else if (this.braces + this.brackets > MAX_NESTING) desc = 'JSON nesting depth limit exceeded';
    if (desc !== undefined) {
      this.resetMessage();
      this.emit({ kind: 'error', desc });
      return;
    }
    this.tokenSize += length;
    this.tokenCount++;
    if ((this.braces > 0 || this.brackets > 0) && this.braces >= 0 && this.brackets >= 0) return;
    const bytes = this.slice(this.messageStart, endAbs);
    this.resetMessage();
    this.emit({ kind: 'message', bytes });
  }

  private resetMessage(): void {
    this.braces = 0;
    this.brackets = 0;
    this.tokenCount = 0;
    this.tokenSize = 0;
    this.compactedSize = 0;
  }

  /** Input bytes [from, to) as one Buffer (a view when they lie in one chunk). */
  private slice(from: number, to: number): Buffer {
    let offset = this.base;
    const parts: Buffer[] = [];
    for (const chunk of this.chunks) {
      const chunkEnd = offset + chunk.length;
      if (chunkEnd > from && offset < to) {
        parts.push(chunk.subarray(Math.max(from, offset) - offset, Math.min(to, chunkEnd) - offset));
      }
      offset = chunkEnd;
      if (offset >= to) break;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Drops retained input that no message or token in progress still needs. */
  private release(): void {
    const inToken = this.state !== Lex.Start && this.state !== Lex.Recovery;
    let keepFrom = this.end;
    if (this.tokenCount > 0) keepFrom = this.messageStart;
    if (inToken) keepFrom = Math.min(keepFrom, this.tokenStart);
    while (this.chunks.length > 0 && this.base + this.chunks[0]!.length <= keepFrom) {
      this.base += this.chunks.shift()!.length;
    }
    if (this.chunks.length > 1 && this.tokenCount > 0) this.maybeCompact(inToken);
  }

  /**
   * Whitespace between tokens is not limited by qemu but would be retained here; when the
   * finished part of a message grows past twice its size after the last compaction, its
   * runs of whitespace outside strings shrink to one space (amortised linear; the token
   * in progress is left alone).
   */
  private maybeCompact(inToken: boolean): void {
    const finishedEnd = inToken ? this.tokenStart : this.end;
    if (finishedEnd - this.messageStart < 2 * this.compactedSize + 1024 * 1024) return;
    const finished = this.slice(this.messageStart, finishedEnd);
    const out = Buffer.allocUnsafe(finished.length);
    let length = 0;
    let quote = 0;
    let escaped = false;
    let lastWasSpace = false;
    for (let i = 0; i < finished.length; i++) {
      const b = finished[i]!;
      if (quote !== 0) {
        out[length++] = b;
        if (escaped) escaped = false;
        else if (b === BACKSLASH) escaped = true;
        else if (b === quote) quote = 0;
        continue;
      }
      if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) {
        if (!lastWasSpace) out[length++] = 0x20;
        lastWasSpace = true;
        continue;
      }
      lastWasSpace = false;
      if (b === QUOTE || b === APOSTROPHE) quote = b;
      out[length++] = b;
    }
    const compacted = out.subarray(0, length);
    const rest: Buffer[] = [];
    let offset = this.base;
    for (const chunk of this.chunks) {
      const chunkEnd = offset + chunk.length;
      if (chunkEnd > finishedEnd) rest.push(chunk.subarray(Math.max(finishedEnd, offset) - offset));
      offset = chunkEnd;
    }
    this.chunks = [compacted, ...rest];
    this.base = finishedEnd - compacted.length;
    this.messageStart = this.base;
    this.compactedSize = compacted.length;
  }
}
