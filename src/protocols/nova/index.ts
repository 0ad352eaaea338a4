/**
 * The OpenStack nova-agent protocol: `{"name", "value"}` requests and `{"returncode",
 * "message"}` replies, as whole messages (a XenStore node, an HTTP body) or as
 * newline-delimited JSON on a byte stream (Unix socket, TCP, virtio-serial).
 */
import type { MessageProtocol, StreamProtocol } from '../../core/listener.js';
import { answerNovaText, type NovaCallInfo } from './nova-request.js';
import { LineSession } from '../line-session.js';

const NEVER_ABORTED = new AbortController().signal;
/** Longest request line accepted on a stream (bytes): injectfile carries whole files. */
export const DEFAULT_MAX_NOVA_LINE = 16 * 1024 * 1024;
/** Lines read ahead while one runs; requests of a connection run one at a time, in order (keyinit before password). */
const MAX_QUEUED = 16;

function tooLongAnswer(maxLine: number): string {
  return JSON.stringify({ returncode: '500', message: `Request is malformed: a request line is longer than ${maxLine} bytes` });
}

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
      const answer = (text: string, info: NovaCallInfo): Promise<string> => answerNovaText(text, dispatcher, info);
      new LineSession(connection, { maxLine, concurrency: 1, maxQueued: MAX_QUEUED, answer, tooLongAnswer }, log).start();
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
