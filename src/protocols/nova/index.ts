/**
 * The OpenStack nova-agent protocol: `{"name", "value"}` requests and `{"returncode",
 * "message"}` replies, as whole messages (a XenStore node, an HTTP body) or as
 * newline-delimited JSON on a byte stream (Unix socket, TCP, virtio-serial).
 */
import type { MessageProtocol, StreamProtocol } from '../../core/listener.js';
import { answerNovaText } from './nova-request.js';
import { DEFAULT_MAX_NOVA_LINE, NovaStreamSession } from './nova-stream-session.js';

const NEVER_ABORTED = new AbortController().signal;

export const novaMessageProtocol: MessageProtocol = {
  name: 'nova',
  async handle(request, dispatcher, log) {
    const reply = await answerNovaText(request.body.toString('utf8'), dispatcher, { clientId: request.clientId, log, signal: NEVER_ABORTED });
    return { body: Buffer.from(reply, 'utf8'), contentType: 'application/json' };
  },
};

export interface NovaStreamOptions {
  /** Longest request line in bytes (16 MiB by default). */
  readonly maxLineBytes?: number;
}

export function createNovaStreamProtocol(options: NovaStreamOptions = {}): StreamProtocol {
  const maxLine = options.maxLineBytes ?? DEFAULT_MAX_NOVA_LINE;
  return {
    name: 'nova',
    serve(connection, dispatcher, log) {
      new NovaStreamSession(connection, dispatcher, log, maxLine).start();
    },
  };
}

/** Both forms in one object, for the listener table: streams use serve, messages handle. */
export const novaProtocol: StreamProtocol & MessageProtocol = {
  name: 'nova',
  serve: createNovaStreamProtocol().serve,
  handle: novaMessageProtocol.handle,
};

export { answerNova, answerNovaText, takesNovaValue, type NovaCallInfo, type NovaReply } from './nova-request.js';
export { parseNovaJson, writeNovaJson } from './nova-json.js';
