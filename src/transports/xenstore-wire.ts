/**
 * The XenStore wire protocol (xen/include/public/io/xs_wire.h, docs/misc/xenstore.txt):
 * every message is a 16-byte header of four little-endian 32-bit words (type, request
 * id, transaction id, payload length) followed by at most 4096 bytes of payload, mostly
 * NUL-terminated strings. The same framing runs over xenstored's Unix socket and a
 * guest's /dev/xen/xenbus.
 */

export const XsType = {
  CONTROL: 0,
  DIRECTORY: 1,
  READ: 2,
  GET_PERMS: 3,
  WATCH: 4,
  UNWATCH: 5,
  TRANSACTION_START: 6,
  TRANSACTION_END: 7,
  INTRODUCE: 8,
  RELEASE: 9,
  GET_DOMAIN_PATH: 10,
  WRITE: 11,
  MKDIR: 12,
  RM: 13,
  SET_PERMS: 14,
  WATCH_EVENT: 15,
  ERROR: 16,
  IS_DOMAIN_INTRODUCED: 17,
  RESUME: 18,
  SET_TARGET: 19,
  RESET_WATCHES: 21,
  DIRECTORY_PART: 22,
} as const;

export const XS_HEADER_BYTES = 16;
export const XS_PAYLOAD_MAX = 4096;

export interface XsMessage {
  readonly type: number;
  readonly reqId: number;
  readonly txId: number;
  readonly payload: Buffer;
}

export function encodeMessage(message: XsMessage): Buffer {
  if (message.payload.length > XS_PAYLOAD_MAX) throw new Error(`a XenStore message carries at most ${XS_PAYLOAD_MAX} bytes (got ${message.payload.length})`);
  const header = Buffer.alloc(XS_HEADER_BYTES);
  header.writeUInt32LE(message.type, 0);
  header.writeUInt32LE(message.reqId >>> 0, 4);
  header.writeUInt32LE(message.txId >>> 0, 8);
  header.writeUInt32LE(message.payload.length, 12);
  return Buffer.concat([header, message.payload]);
}

/** Strings joined with a NUL after each one (path\0token\0). */
export function nulStrings(...parts: (string | Buffer)[]): Buffer {
  return Buffer.concat(parts.flatMap((part) => [typeof part === 'string' ? Buffer.from(part, 'utf8') : part, Buffer.alloc(1)]));
}

/** A payload of NUL-terminated strings, split (a missing final NUL is tolerated). */
export function splitNulStrings(payload: Buffer): string[] {
  if (payload.length === 0) return [];
  const text = payload.toString('utf8');
  const parts = text.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Cuts a byte stream into messages. A length beyond the maximum is a broken stream. */
export class XsFrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): XsMessage[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const messages: XsMessage[] = [];
    while (this.buffer.length >= XS_HEADER_BYTES) {
      const length = this.buffer.readUInt32LE(12);
      if (length > XS_PAYLOAD_MAX) throw new Error(`XenStore message of ${length} bytes: the stream is broken`);
      if (this.buffer.length < XS_HEADER_BYTES + length) break;
      messages.push({
        type: this.buffer.readUInt32LE(0),
        reqId: this.buffer.readUInt32LE(4),
        txId: this.buffer.readUInt32LE(8),
        payload: Buffer.from(this.buffer.subarray(XS_HEADER_BYTES, XS_HEADER_BYTES + length)),
      });
      this.buffer = this.buffer.subarray(XS_HEADER_BYTES + length);
    }
    return messages;
  }
}
