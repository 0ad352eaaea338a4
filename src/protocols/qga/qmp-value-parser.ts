/**
 * Parses one complete message (as cut by QmpSplitter, so lexically valid) into a value
 * the way QEMU's JSON parser does, with its error texts ("JSON parse error, ..."; the
 * first error found wins).
 *
 * Values: objects (plain, member order as written; duplicate keys refused), arrays,
 * strings (double or single quoted; UTF-8 checked by QEMU's rules), true/false/null,
 * and numbers: an integer is a number when it is safe in JavaScript, a bigint when it
 * fits int64/uint64 but not 2^53, else a float; a float whose value looks integral
 * (1.0, 1e5, -0.0, inf) is a JsonFloat so that it is still known as a float.
 */
import { isAscii } from 'node:buffer';
import { JsonFloat } from '../../core/json-float.js';
import { decodeCodePoint, decodeLossy, isValidCodePoint, type DecodedCodePoint } from './mod-utf8.js';

export type ParseResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly desc: string };

const enum T {
  LCurly,
  RCurly,
  LSquare,
  RSquare,
  Comma,
  Colon,
  String,
  Integer,
  Float,
  Keyword,
  End,
}

class JsonParseError extends Error {}

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  return -1;
}

/** QEMU's cvt4hex(): four hex digits, or -1 (reads no further than the token's end). */
function fourHex(bytes: Buffer, pos: number, end: number): number {
  let cp = 0;
  for (let i = 0; i < 4; i++) {
    const digit = pos + i < end ? hexValue(bytes[pos + i]!) : -1;
    if (digit < 0) return -1;
    cp = cp * 16 + digit;
  }
  return cp;
}

export function parseMessage(bytes: Buffer): ParseResult {
  try {
    return { ok: true, value: new Parser(bytes).parseTop() };
  } catch (error) {
    if (error instanceof JsonParseError) return { ok: false, desc: error.message };
    throw error;
  }
}

class Parser {
  private pos = 0;
  // The current token: type and byte range.
  private type = T.End;
  private start = 0;
  private end = 0;
  private peeked = false;
  /** The current string token holds a backslash. */
  private escaped = false;
  private readonly decoded: DecodedCodePoint = { cp: 0, next: 0 };

  constructor(private readonly bytes: Buffer) {}

  parseTop(): unknown {
    return this.parseValue();
  }

  private fail(message: string): never {
    throw new JsonParseError(`JSON parse error, ${message}`);
  }

  /** Makes the next token current without consuming it. */
  private peek(): T {
    if (!this.peeked) {
      this.lex();
      this.peeked = true;
    }
    return this.type;
  }

  private pop(): T {
    const type = this.peek();
    this.peeked = false;
    return type;
  }

  /** Reads the next token; the splitter has already checked the message lexically. */
  private lex(): void {
    const bytes = this.bytes;
    let pos = this.pos;
    let b = bytes[pos];
    while (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) b = bytes[++pos];
    this.start = pos;
    if (b === undefined) {
      this.type = T.End;
      this.end = pos;
      this.pos = pos;
      return;
    }
    pos++;
    switch (b) {
      case 0x7b:
        this.type = T.LCurly;
        break;
      case 0x7d:
        this.type = T.RCurly;
        break;
      case 0x5b:
        this.type = T.LSquare;
        break;
      case 0x5d:
        this.type = T.RSquare;
        break;
      case 0x2c:
        this.type = T.Comma;
        break;
      case 0x3a:
        this.type = T.Colon;
        break;
      case 0x22:
      case 0x27: {
        // Native searches: long strings (file data in base64) are the common big token.
        this.type = T.String;
        let close = bytes.indexOf(b, pos);
        const backslash = bytes.indexOf(0x5c, pos);
        this.escaped = backslash >= 0 && backslash < close;
        if (this.escaped) {
          pos = backslash;
          for (;;) {
            const c = bytes[pos++]!;
            if (c === b) break;
            if (c === 0x5c) pos++;
          }
          close = pos - 1;
        }
        pos = close + 1;
        break;
      }
      default:
        if (b >= 0x61 && b <= 0x7a) {
          this.type = T.Keyword;
          while (pos < bytes.length && bytes[pos]! >= 0x61 && bytes[pos]! <= 0x7a) pos++;
        } else {
          // A number: -?digits(.digits)?([eE][+-]?digits)?
          let float = false;
          while (pos < bytes.length) {
            const c = bytes[pos]!;
            if (isDigit(c)) pos++;
            else if (c === 0x2e || c === 0x65 || c === 0x45) {
              float = true;
              pos++;
            } else if ((c === 0x2b || c === 0x2d) && (bytes[pos - 1] === 0x65 || bytes[pos - 1] === 0x45)) pos++;
            else break;
          }
          this.type = float ? T.Float : T.Integer;
        }
    }
    this.end = pos;
    this.pos = pos;
  }

  private parseValue(): unknown {
    switch (this.peek()) {
      case T.End:
        this.fail('premature EOI');
      // eslint-disable-next-line no-fallthrough
      case T.LCurly:
        return this.parseObject();
      case T.LSquare:
        return this.parseArray();
      case T.String:
        this.pop();
        return this.parseString(this.start, this.end);
      case T.Integer:
        this.pop();
        return this.parseInteger(this.start, this.end);
      case T.Float:
        this.pop();
        return this.parseFloat(this.start, this.end);
      case T.Keyword: {
        this.pop();
        const word = this.bytes.toString('latin1', this.start, this.end);
        if (word === 'true') return true;
        if (word === 'false') return false;
        if (word === 'null') return null;
        this.fail(`invalid keyword '${word}'`);
      }
      // eslint-disable-next-line no-fallthrough
      default:
        this.fail('expecting value');
    }
  }

  private parseObject(): Record<string, unknown> {
    this.pop();
    const object: Record<string, unknown> = {};
    if (this.peek() === T.End) this.fail('premature EOI');
    if (this.peek() === T.RCurly) {
      this.pop();
      return object;
    }
    this.parsePair(object);
    let type = this.pop();
    while (type !== T.RCurly) {
      if (type === T.End) this.fail('premature EOI');
      if (type !== T.Comma) this.fail('expected separator in dict');
      this.parsePair(object);
      type = this.pop();
    }
    return object;
  }

  private parsePair(object: Record<string, unknown>): void {
    if (this.peek() === T.End) this.fail('premature EOI');
    const key = this.parseValue();
    if (typeof key !== 'string') this.fail('key is not a string in object');
    const colon = this.pop();
    if (colon === T.End) this.fail('premature EOI');
    if (colon !== T.Colon) this.fail('missing : in object pair');
    const value = this.parseValue();
    if (Object.prototype.hasOwnProperty.call(object, key)) this.fail('duplicate key');
    if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
    else object[key] = value;
  }

  private parseArray(): unknown[] {
    this.pop();
    const array: unknown[] = [];
    if (this.peek() === T.End) this.fail('premature EOI');
    if (this.peek() === T.RSquare) {
      this.pop();
      return array;
    }
    array.push(this.parseValue());
    let type = this.pop();
    while (type !== T.RSquare) {
      if (type === T.End) this.fail('premature EOI');
      if (type !== T.Comma) this.fail('expected separator in list');
      array.push(this.parseValue());
      type = this.pop();
    }
    return array;
  }

  private parseInteger(start: number, end: number): unknown {
    const text = this.bytes.toString('latin1', start, end);
    if (end - start <= 15) {
      const value = Number(text);
      return value === 0 ? 0 : value; // "-0" is the integer 0
    }
    const big = BigInt(text);
    if (big >= INT64_MIN && big <= UINT64_MAX) {
      return Number.isSafeInteger(Number(big)) ? Number(big) : big;
    }
    return floatValue(Number(text));
  }

  private parseFloat(start: number, end: number): unknown {
    return floatValue(Number(this.bytes.toString('latin1', start, end)));
  }

  /** A string token [start, end) including its quotes. */
  private parseString(start: number, end: number): string {
    const bytes = this.bytes;
    const last = end - 1;
    if (!this.escaped && isAscii(bytes.subarray(start + 1, last))) return bytes.toString('latin1', start + 1, last);
    let result = '';
    let runStart = start + 1;
    let pos = start + 1;
    // Runs between escapes hold only checked UTF-8, which Node decodes the same way.
    const flush = (to: number): void => {
      if (to > runStart) result += bytes.toString('utf8', runStart, to);
    };
    while (pos < last) {
      const b = bytes[pos]!;
      if (b === 0x5c) {
        flush(pos);
        const escapeStart = pos;
        const kind = bytes[pos + 1]!;
        pos += 2;
        switch (kind) {
          case 0x22:
            result += '"';
            break;
          case 0x27:
            result += "'";
            break;
          case 0x5c:
            result += '\\';
            break;
          case 0x2f:
            result += '/';
            break;
          case 0x62:
            result += '\b';
            break;
          case 0x66:
            result += '\f';
            break;
          case 0x6e:
            result += '\n';
            break;
          case 0x72:
            result += '\r';
            break;
          case 0x74:
            result += '\t';
            break;
          case 0x75: {
            let cp = fourHex(bytes, pos, end);
            pos += 4;
            if (cp >= 0xd800 && cp <= 0xdbff && bytes[pos] === 0x5c && bytes[pos + 1] === 0x75) {
              const trailing = fourHex(bytes, pos + 2, end);
              if (trailing >= 0xdc00 && trailing <= 0xdfff) {
                cp = 0x10000 + ((cp & 0x3ff) << 10) + (trailing & 0x3ff);
                pos += 6;
              } else {
                cp = -1;
              }
            }
            if (!isValidCodePoint(cp)) {
              const text = Buffer.concat([
                Buffer.from('JSON parse error, '),
                bytes.subarray(escapeStart, Math.min(pos, end)),
                Buffer.from(' is not a valid Unicode character'),
              ]);
              throw new JsonParseError(decodeLossy(text));
            }
            result += String.fromCodePoint(cp);
            break;
          }
          default:
            this.fail('invalid escape sequence in string');
        }
        runStart = pos;
        continue;
      }
      if (b < 0x80) {
        pos++;
        continue;
      }
      decodeCodePoint(bytes, pos, last, this.decoded);
      if (this.decoded.cp < 0) this.fail('invalid UTF-8 sequence in string');
      if (this.decoded.cp === 0) {
        // C0 80: modified UTF-8 for NUL, which Node would not decode.
        flush(pos);
        result += '\0';
        runStart = this.decoded.next;
      }
      pos = this.decoded.next;
    }
    flush(last);
    return result;
  }
}

function floatValue(value: number): number | JsonFloat {
  return Number.isInteger(value) || !Number.isFinite(value) ? new JsonFloat(value) : value;
}
