/**
 * The QEMU guest agent protocol: JSON requests on a byte stream, one reply line each,
 * byte-compatible with qemu-ga 7.2 (framing, errors, formatting, 0xFF resync).
 */
import type { StreamProtocol } from '../../core/listener.js';
import { QgaSession } from './qga-session.js';

export const qgaProtocol: StreamProtocol = {
  name: 'qga',
  serve(connection, dispatcher, log) {
    new QgaSession(connection, dispatcher, log).start();
  },
};

export { QgaSession } from './qga-session.js';
export { QmpSplitter, MAX_NESTING, MAX_TOKEN_COUNT, MAX_TOKEN_SIZE, type SplitEvent } from './qmp-splitter.js';
export { parseMessage, type ParseResult } from './qmp-value-parser.js';
export { writeJson, formatFloat } from './qmp-json-writer.js';
export { qdictOrder } from '../../core/qemu-order.js';
