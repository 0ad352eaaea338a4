/**
 * A small, strict XML reader for XML-RPC bodies: it reports start tags, end tags and
 * text to a handler and checks well-formedness (one root, matching tags, legal
 * characters). Written here rather than taken from npm because XML-RPC needs a sliver of
 * XML and that sliver must be safe: a DOCTYPE is refused outright, so no entity can be
 * declared (no billion laughs, no external entities), and only the five predefined
 * entities and character references are understood.
 */
import { XmlError } from './xml-error.js';

export interface XmlHandler {
  /** An element opened (attributes are checked, then dropped: XML-RPC has none). */
  start(name: string): void;
  end(name: string): void;
  /** Character data, with references resolved and line ends normalised to "\n". */
  text(data: string): void;
}

export interface XmlReaderLimits {
  /** Deepest element nesting accepted. */
  readonly maxDepth: number;
}

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

// Characters XML 1.0 forbids anywhere in a document (lone surrogates are caught by the
// strict UTF-8 decoding before we get here).
const ILLEGAL_CHARS = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
const NAME = /^[A-Za-z_:\u00C0-\uFFFF][-A-Za-z0-9._:\u00B7\u00C0-\uFFFF]*$/;
const WHITESPACE = /^[ \t\r\n]*$/;

function isLegalCodePoint(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** Resolves `&name;` and `&#N;` references; anything else is an undefined entity. */
export function decodeReferences(raw: string, offset: number): string {
  let out = '';
  let from = 0;
  for (let amp = raw.indexOf('&'); amp >= 0; amp = raw.indexOf('&', from)) {
    out += raw.slice(from, amp);
    const semi = raw.indexOf(';', amp);
    if (semi < 0 || semi - amp > 12) throw new XmlError('not well-formed (invalid token)', offset + amp);
    const ref = raw.slice(amp + 1, semi);
    if (ref.startsWith('#')) {
      const hex = ref[1] === 'x';
      const digits = ref.slice(hex ? 2 : 1);
      if (!(hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits)) throw new XmlError('not well-formed (invalid token)', offset + amp);
      const code = parseInt(digits, hex ? 16 : 10);
      if (!isLegalCodePoint(code)) throw new XmlError('reference to invalid character number', offset + amp);
      out += String.fromCodePoint(code);
    } else {
      const value = PREDEFINED[ref];
      if (value === undefined) throw new XmlError(`undefined entity &${ref};`, offset + amp);
      out += value;
    }
    from = semi + 1;
  }
  return out + raw.slice(from);
}

/** XML's end-of-line handling: "\r\n" and a lone "\r" both become "\n". */
function normaliseLineEnds(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

function characterData(raw: string, offset: number): string {
  const text = normaliseLineEnds(raw);
  return text.includes('&') ? decodeReferences(text, offset) : text;
}

/**
 * Reads a whole document from `source` (already decoded to a string) and drives the
 * handler. Throws XmlError at the first problem.
 */
export function readXml(source: string, handler: XmlHandler, limits: XmlReaderLimits): void {
  if (ILLEGAL_CHARS.test(source)) {
    const at = source.search(ILLEGAL_CHARS);
    throw new XmlError('not well-formed (invalid token)', at);
  }
  const stack: string[] = [];
  let rootSeen = false;
  let pos = source.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (source.startsWith('<?xml', pos) && /\s/.test(source[pos + 5] ?? '')) {
    const close = source.indexOf('?>', pos);
    if (close < 0) throw new XmlError('unclosed XML declaration', pos);
    pos = close + 2;
  }
  const length = source.length;
  while (pos < length) {
    const lt = source.indexOf('<', pos);
    const textEnd = lt < 0 ? length : lt;
    if (textEnd > pos) {
      const raw = source.slice(pos, textEnd);
      if (stack.length > 0) handler.text(characterData(raw, pos));
      else if (!WHITESPACE.test(raw)) throw new XmlError(rootSeen ? 'junk after document element' : 'syntax error', pos);
      pos = textEnd;
      if (lt < 0) break;
    }
    // pos is at '<'
    const next = source[pos + 1];
    if (next === '/') {
      const close = source.indexOf('>', pos);
      if (close < 0) throw new XmlError('unclosed token', pos);
      const name = source.slice(pos + 2, close).trimEnd();
      const open = stack.pop();
      if (open === undefined || open !== name) throw new XmlError('mismatched tag', pos);
      handler.end(name);
      pos = close + 1;
    } else if (next === '!') {
      if (source.startsWith('<!--', pos)) {
        const close = source.indexOf('-->', pos + 4);
        if (close < 0) throw new XmlError('unclosed comment', pos);
        pos = close + 3;
      } else if (source.startsWith('<![CDATA[', pos)) {
        if (stack.length === 0) throw new XmlError('syntax error', pos);
        const close = source.indexOf(']]>', pos + 9);
        if (close < 0) throw new XmlError('unclosed CDATA section', pos);
        handler.text(normaliseLineEnds(source.slice(pos + 9, close)));
        pos = close + 3;
      } else if (source.startsWith('<!DOCTYPE', pos)) {
        throw new XmlError('DOCTYPE is not allowed (entity declarations are refused)', pos);
      } else {
        throw new XmlError('syntax error', pos);
      }
    } else if (next === '?') {
      const close = source.indexOf('?>', pos);
      if (close < 0) throw new XmlError('unclosed processing instruction', pos);
      if (/^<\?xml[\s?]/i.test(source.slice(pos, pos + 6))) throw new XmlError('XML or text declaration not at start of entity', pos);
      pos = close + 2;
    } else {
      if (stack.length === 0 && rootSeen) throw new XmlError('junk after document element', pos);
      pos = readStartTag(source, pos, stack, handler, limits);
      rootSeen = true;
    }
  }
  if (stack.length > 0) throw new XmlError('no element found', length);
  if (!rootSeen) throw new XmlError('no element found', length);
}

/** Reads `<name attr="v" ...>` or `<name/>` at `pos`; returns the position after it. */
function readStartTag(source: string, pos: number, stack: string[], handler: XmlHandler, limits: XmlReaderLimits): number {
  let i = pos + 1;
  const length = source.length;
  while (i < length) {
    const c = source.charCodeAt(i);
    // whitespace, '/', '>'
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x2f || c === 0x3e) break;
    i++;
  }
  const name = source.slice(pos + 1, i);
  if (!NAME.test(name)) throw new XmlError('not well-formed (invalid token)', pos);
  const seen: string[] = [];
  for (;;) {
    const ws = i;
    while (i < length && /[ \t\r\n]/.test(source[i]!)) i++;
    const c = source[i];
    if (c === undefined) throw new XmlError('unclosed token', pos);
    if (c === '>' || (c === '/' && source[i + 1] === '>')) {
      if (stack.length >= limits.maxDepth) throw new XmlError(`elements nested deeper than ${limits.maxDepth}`, pos);
      handler.start(name);
      if (c === '/') {
        handler.end(name);
        return i + 2;
      }
      stack.push(name);
      return i + 1;
    }
    if (i === ws) throw new XmlError('not well-formed (invalid token)', i);
    i = readAttribute(source, i, seen);
  }
}

function readAttribute(source: string, pos: number, seen: string[]): number {
  const eq = source.indexOf('=', pos);
  if (eq < 0) throw new XmlError('not well-formed (invalid token)', pos);
  const name = source.slice(pos, eq).trimEnd();
  if (!NAME.test(name)) throw new XmlError('not well-formed (invalid token)', pos);
  if (seen.includes(name)) throw new XmlError('duplicate attribute', pos);
  seen.push(name);
  let i = eq + 1;
  while (/[ \t\r\n]/.test(source[i] ?? '')) i++;
  const quote = source[i];
  if (quote !== '"' && quote !== "'") throw new XmlError('not well-formed (invalid token)', i);
  const close = source.indexOf(quote, i + 1);
  if (close < 0) throw new XmlError('unclosed token', i);
  const value = source.slice(i + 1, close);
  if (value.includes('<')) throw new XmlError('not well-formed (invalid token)', i);
  if (value.includes('&')) decodeReferences(value, i + 1); // checked, then dropped
  return close + 1;
}
