/**
 * QEMU's view of UTF-8 ("modified UTF-8": NUL may be written as C0 80). Both its JSON
 * parser (to refuse bad strings) and its JSON writer (to print U+FFFD for bad bytes)
 * decode with the same rules, which differ from Node's decoder: noncharacters
 * (U+FDD0..U+FDEF, U+xxFFFE/U+xxFFFF) are invalid, an invalid sequence is consumed up
 * to the first byte that is not a continuation byte, and 5/6-byte forms are decoded
 * (then refused as beyond U+10FFFF).
 */

const MIN_CODE_POINT = [0x80, 0x800, 0x10000, 0x200000, 0x4000000];

/** Decoded code point (-1 when invalid) and the index after the bytes it consumed. */
export interface DecodedCodePoint {
  cp: number;
  next: number;
}

/** Decodes the code point at `pos` (pos < end). Reuses `out` to avoid allocation. */
export function decodeCodePoint(bytes: Uint8Array, pos: number, end: number, out: DecodedCodePoint): void {
  let byte = bytes[pos++]!;
  if (byte < 0x80) {
    out.cp = byte;
    out.next = pos;
    return;
  }
  if (byte >= 0xfe || (byte & 0x40) === 0) {
    out.cp = -1;
    out.next = pos;
    return;
  }
  let length = 0;
  let mask = 0x80;
  while (byte & mask) {
    length++;
    mask >>= 1;
  }
  let cp = byte & (mask - 1);
  for (let i = 1; i < length; i++) {
    byte = pos < end ? bytes[pos]! : 0;
    if ((byte & 0xc0) !== 0x80) {
      out.cp = -1;
      out.next = pos;
      return;
    }
    pos++;
    cp = cp * 64 + (byte & 0x3f);
  }
  out.next = pos;
  if (!isValidCodePoint(cp) || (cp < MIN_CODE_POINT[length - 2]! && !(cp === 0 && length === 2))) {
    out.cp = -1;
    return;
  }
  out.cp = cp;
}

/** QEMU's is_valid_codepoint(): in range, not a noncharacter, not a surrogate. */
export function isValidCodePoint(cp: number): boolean {
  if (cp < 0 || cp > 0x10ffff) return false;
  if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe) return false;
  return !(cp >= 0xd800 && cp <= 0xdfff);
}

/**
 * Decodes bytes as QEMU's JSON writer does: invalid sequences become U+FFFD, and a NUL
 * byte ends the string (C strings). Used for texts built from raw input bytes.
 */
export function decodeLossy(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let result = '';
  const decoded: DecodedCodePoint = { cp: 0, next: 0 };
  let pos = start;
  while (pos < end) {
    const byte = bytes[pos]!;
    if (byte === 0) break;
    if (byte < 0x80) {
      result += String.fromCharCode(byte);
      pos++;
      continue;
    }
    decodeCodePoint(bytes, pos, end, decoded);
    result += decoded.cp < 0 ? '\ufffd' : String.fromCodePoint(decoded.cp);
    pos = decoded.next;
  }
  return result;
}
