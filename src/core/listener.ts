/**
 * A listener binds one transport to one protocol over the dispatcher (registry + policy).
 * The core defines only the contracts; transports and protocols implement them, so the
 * core imports neither.
 */
import type { Duplex } from 'node:stream';
import type { Dispatcher } from './dispatcher.js';
import type { Logger } from './logger.js';

/** A byte-stream connection handed out by a stream transport (socket, character device). */
export interface StreamConnection {
  readonly id: string;
  readonly stream: Duplex;
}

export interface StreamTransport {
  readonly kind: 'stream';
  /** e.g. "unix:/run/hostlink/qga.sock". */
  readonly address: string;
  start(onConnection: (connection: StreamConnection) => void): Promise<void>;
  close(): Promise<void>;
}

/** A message transport delivers whole request bodies and sends back whole replies (HTTP, XenStore). */
export interface MessageTransport {
  readonly kind: 'message';
  readonly address: string;
  start(onMessage: (request: IncomingMessageBody) => Promise<OutgoingMessageBody | null>): Promise<void>;
  close(): Promise<void>;
}

export interface IncomingMessageBody {
  readonly clientId: string;
  readonly body: Buffer;
  readonly contentType?: string;
}

export interface OutgoingMessageBody {
  readonly body: Buffer;
  readonly contentType?: string;
  readonly status?: number;
}

export type Transport = StreamTransport | MessageTransport;

/** A protocol session serves one stream connection: it owns that connection's parser state. */
export interface StreamProtocol {
  readonly name: string;
  serve(connection: StreamConnection, dispatcher: Dispatcher, log: Logger): void;
}

export interface MessageProtocol {
  readonly name: string;
  handle(request: IncomingMessageBody, dispatcher: Dispatcher, log: Logger): Promise<OutgoingMessageBody | null>;
}

export type Protocol = StreamProtocol | MessageProtocol;

export class Listener {
  constructor(
    readonly transport: Transport,
    readonly protocol: Protocol,
    readonly dispatcher: Dispatcher,
    readonly log: Logger,
  ) {}

  get description(): string {
    return `${this.protocol.name}:${this.transport.address}`;
  }

  async start(): Promise<void> {
    const { transport, protocol, dispatcher, log } = this;
    if (transport.kind === 'stream') {
      if (!('serve' in protocol)) throw new Error(`protocol ${protocol.name} cannot serve a byte stream`);
      await transport.start((connection) => {
        const connectionLog = log.child({ client: connection.id });
        connectionLog.debug('client connected');
        protocol.serve(connection, dispatcher, connectionLog);
      });
    } else {
      if (!('handle' in protocol)) throw new Error(`protocol ${protocol.name} needs a byte-stream transport`);
      await transport.start((request) => protocol.handle(request, dispatcher, log.child({ client: request.clientId })));
    }
    log.info({ listener: this.description }, 'listening');
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}
