/**
 * Base64 as qemu-ga decodes it (qbase64_decode): the text may hold only the base64
 * alphabet, '=' and '\n'; it is then decoded by GLib's lenient decoder, which ignores
 * newlines, drops an incomplete last group, and lets '=' stand anywhere (a group ending
 * in '=' yields fewer bytes). Well-formed text takes Node's fast decoder, whose output is
 * the same.
 */
import { genericError } from '../../core/errors.js';

const ALLOWED = /^[A-Za-z0-9+/=\n]*$/;

const RANK = new Int16Array(256).fill(-1);
for (const [index, char] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) {
  RANK[char.charCodeAt(0)] = index;
}
RANK['='.charCodeAt(0)] = 0;

/** Groups of four, padding only at the very end, no newline. */
function isCanonical(text: string): boolean {
  if (text.length % 4 !== 0 || text.includes('\n')) return false;
  const firstPad = text.indexOf('=');
  if (firstPad < 0) return true;
  if (firstPad < text.length - 2) return false;
  return text.endsWith('=');
}

/** g_base64_decode()'s state machine, for text that is not canonical. */
function decodeLikeGlib(text: string): Buffer {
  const out = Buffer.alloc(Math.floor(text.length / 4) * 3);
  let length = 0;
  let value = 0;
  let count = 0;
  let last0 = 0;
  let last1 = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    const rank = RANK[code]!;
    if (rank < 0) continue;
    last1 = last0;
    last0 = code;
    value = ((value << 6) | rank) & 0xffffff;
    if (++count === 4) {
      out[length++] = value >> 16;
      if (last1 !== 0x3d) out[length++] = (value >> 8) & 0xff;
      if (last0 !== 0x3d) out[length++] = value & 0xff;
      count = 0;
    }
  }
  return out.subarray(0, length);
}

/** Decodes like qemu-ga or throws its GenericError. */
export function qbase64Decode(text: string): Buffer {
  if (!ALLOWED.test(text)) throw genericError('Base64 data contains invalid characters');
  return isCanonical(text) ? Buffer.from(text, 'base64') : decodeLikeGlib(text);
}
