/**
 * `--listen PROTOCOL:TRANSPORT:ADDRESS`: parsing and checking one listener spec.
 * Building the listener from it is listener-factory.ts's job; this file only knows the
 * names and the address syntax of each transport.
 */
import { resolve } from 'node:path';
import { HostlinkError } from '../core/errors.js';

export type ListenAddress =
  | { readonly transport: 'unix'; readonly path: string }
  | { readonly transport: 'tcp'; readonly host: string; readonly port: number }
  | { readonly transport: 'http'; readonly host: string; readonly port: number }
  | { readonly transport: 'chardev'; readonly path: string }
  | { readonly transport: 'xenstore'; readonly path: string };

export interface ListenSpec {
  /** The spec as written, for messages. */
  readonly text: string;
  readonly protocol: string;
  readonly address: ListenAddress;
}

export const KNOWN_PROTOCOLS = ['qga', 'xmlrpc', 'jsonrpc', 'nova'] as const;
export const KNOWN_TRANSPORTS = ['unix', 'tcp', 'chardev', 'http', 'xenstore'] as const;

/** `nova:xenstore` alone: the guest's xenbus device. */
export const DEFAULT_XENSTORE_PATH = '/dev/xen/xenbus';

const EXAMPLES = 'qga:unix:/run/hostlink/qga.sock, qga:tcp:127.0.0.1:4444, qga:chardev:/dev/virtio-ports/org.qemu.guest_agent.0';

function specError(text: string, problem: string): HostlinkError {
  return new HostlinkError('InvalidParameter', `bad listen spec "${text}": ${problem}`);
}

function parsePort(text: string, port: string): number {
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw specError(text, `port "${port}" is not a number from 0 to 65535`);
  return Number(port);
}

/** `HOST:PORT`, `[IPV6]:PORT` or `PORT` (host 127.0.0.1). */
function parseTcpAddress(text: string, address: string): ListenAddress {
  const bracketed = /^\[([^\]]+)\]:(.*)$/.exec(address);
  if (bracketed) return { transport: 'tcp', host: bracketed[1]!, port: parsePort(text, bracketed[2]!) };
  const colon = address.lastIndexOf(':');
  if (colon < 0) return { transport: 'tcp', host: '127.0.0.1', port: parsePort(text, address) };
  const host = address.slice(0, colon);
  if (host.length === 0) throw specError(text, 'the host before ":PORT" is empty');
  if (host.includes(':')) throw specError(text, 'write an IPv6 host in brackets: [::1]:PORT');
  return { transport: 'tcp', host, port: parsePort(text, address.slice(colon + 1)) };
}

/**
 * Parses one spec. Paths are made absolute (against the current folder) so a daemon
 * that leaves its starting folder still finds them.
 */
export function parseListenSpec(text: string): ListenSpec {
  if (/^[^:]+:xenstore$/.test(text)) return parseListenSpec(`${text}:${DEFAULT_XENSTORE_PATH}`);
  const first = text.indexOf(':');
  const second = first < 0 ? -1 : text.indexOf(':', first + 1);
  if (first < 0 || second < 0) {
    throw specError(text, `expected PROTOCOL:TRANSPORT:ADDRESS, for example ${EXAMPLES}`);
  }
  const protocol = text.slice(0, first);
  const transport = text.slice(first + 1, second);
  const address = text.slice(second + 1);
  if (!(KNOWN_PROTOCOLS as readonly string[]).includes(protocol)) {
    throw specError(text, `unknown protocol "${protocol}" (known: ${KNOWN_PROTOCOLS.join(', ')})`);
  }
  if (!(KNOWN_TRANSPORTS as readonly string[]).includes(transport)) {
    throw specError(text, `unknown transport "${transport}" (known: ${KNOWN_TRANSPORTS.join(', ')})`);
  }
  if (address.length === 0) throw specError(text, `the ${transport} address is empty`);
  switch (transport) {
    case 'unix':
      return { text, protocol, address: { transport, path: resolve(address) } };
    case 'chardev':
      return { text, protocol, address: { transport, path: resolve(address) } };
    case 'xenstore':
      return { text, protocol, address: { transport, path: resolve(address) } };
    case 'http': {
      const { host, port } = parseTcpAddress(text, address) as { host: string; port: number };
      return { text, protocol, address: { transport, host, port } };
    }
    default:
      return { text, protocol, address: parseTcpAddress(text, address) };
  }
}

/** The spec written back in its canonical form (absolute paths, explicit host). */
export function formatListenSpec(spec: ListenSpec): string {
  const { address } = spec;
  switch (address.transport) {
    case 'unix':
    case 'chardev':
    case 'xenstore':
      return `${spec.protocol}:${address.transport}:${address.path}`;
    case 'tcp':
    case 'http': {
      const host = address.host.includes(':') ? `[${address.host}]` : address.host;
      return `${spec.protocol}:${address.transport}:${host}:${address.port}`;
    }
  }
}
