/**
 * Turns a parsed listen spec into a Listener: the one place that knows which protocol
 * and which transport each name stands for. Adding a protocol or transport means adding
 * a line to a table here (and its name to listen-spec.ts).
 */
import type { Dispatcher } from '../core/dispatcher.js';
import { Listener, type Protocol, type Transport } from '../core/listener.js';
import type { Logger } from '../core/logger.js';
import { jsonrpcProtocol } from '../protocols/jsonrpc/index.js';
import { novaProtocol } from '../protocols/nova/index.js';
import { qgaProtocol } from '../protocols/qga/index.js';
import { xmlrpcProtocol } from '../protocols/xmlrpc/index.js';
import { ChardevTransport } from '../transports/chardev.js';
import { HttpTransport } from '../transports/http.js';
import { TcpTransport } from '../transports/tcp.js';
import { UnixTransport } from '../transports/unix.js';
import { XenstoreTransport } from '../transports/xenstore.js';
import type { ListenAddress, ListenSpec } from './listen-spec.js';

const PROTOCOLS: Readonly<Record<string, Protocol>> = {
  qga: qgaProtocol,
  xmlrpc: xmlrpcProtocol,
  jsonrpc: jsonrpcProtocol,
  nova: novaProtocol,
};

function createTransport(address: ListenAddress, log: Logger): Transport {
  switch (address.transport) {
    case 'unix':
      return new UnixTransport({ path: address.path });
    case 'tcp':
      return new TcpTransport({ host: address.host, port: address.port });
    case 'chardev':
      return new ChardevTransport({ path: address.path, log });
    case 'http':
      return new HttpTransport({ host: address.host, port: address.port });
    case 'xenstore':
      return new XenstoreTransport({ path: address.path, log });
  }
}

export function createListener(spec: ListenSpec, dispatcher: Dispatcher, log: Logger): Listener {
  const protocol = PROTOCOLS[spec.protocol];
  if (!protocol) throw new Error(`no protocol named ${spec.protocol}`);
  return new Listener(createTransport(spec.address, log), protocol, dispatcher, log);
}
