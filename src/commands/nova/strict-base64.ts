/**
 * Base64 as nova hosts send it (the standard alphabet, padded; line breaks allowed).
 * Buffer.from(..., 'base64') skips anything it does not know, so garbage would decode
 * to something; this refuses it instead.
 */
export function decodeStrictBase64(text: string): Buffer | undefined {
  const compact = text.replace(/[\r\n]/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0) return undefined;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, 'base64');
}
