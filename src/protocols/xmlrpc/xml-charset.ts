/**
 * Turns a request body into text the way an XML parser would: a byte-order mark or the
 * XML declaration's `encoding` picks the charset; UTF-8 is the default. Bytes that are
 * not valid in that charset are an error, not replacement characters.
 */
import { TextDecoder } from 'node:util';
import { XmlError } from './xml-error.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const UTF16LE = new TextDecoder('utf-16le', { fatal: true, ignoreBOM: false });
const UTF16BE = new TextDecoder('utf-16be', { fatal: true, ignoreBOM: false });

const DECLARED_ENCODING = /^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']/;

export function decodeXmlBytes(body: Uint8Array): string {
  if (body[0] === 0xfe && body[1] === 0xff) return decode(UTF16BE, body.subarray(2));
  if (body[0] === 0xff && body[1] === 0xfe) return decode(UTF16LE, body.subarray(2));
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return decode(UTF8, body.subarray(3));
  const head = Buffer.from(body.buffer, body.byteOffset, Math.min(body.length, 200)).toString('latin1');
  const declared = DECLARED_ENCODING.exec(head)?.[1]?.toLowerCase();
  switch (declared) {
    case undefined:
    case 'utf-8':
    case 'utf8':
      return decode(UTF8, body);
    case 'us-ascii':
    case 'ascii': {
      const bad = body.findIndex((byte) => byte > 0x7f);
      if (bad >= 0) throw new XmlError('not well-formed (invalid token)', bad);
      return Buffer.from(body.buffer, body.byteOffset, body.length).toString('latin1');
    }
    case 'iso-8859-1':
    case 'latin-1':
    case 'latin1':
      return Buffer.from(body.buffer, body.byteOffset, body.length).toString('latin1');
    default:
      throw new XmlError(`unknown encoding "${declared}" (UTF-8, UTF-16, US-ASCII and ISO-8859-1 are read)`, 0);
  }
}

function decode(decoder: TextDecoder, bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new XmlError('not well-formed (invalid token): bytes that are not valid in the document encoding', 0);
  }
}
