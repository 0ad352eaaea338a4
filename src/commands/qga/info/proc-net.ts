/** Parsers for the /proc/net files the network commands read. */
import { fieldsOf } from './scanf-fields.js';
import { ipv6FromHex } from './ip-format.js';

export interface InterfaceStatistics {
  'rx-bytes': number;
  'rx-packets': number;
  'rx-errs': number;
  'rx-dropped': number;
  'tx-bytes': number;
  'tx-packets': number;
  'tx-errs': number;
  'tx-dropped': number;
}

/**
 * /proc/net/dev counters per interface name. qemu-ga takes the first line whose name
 * (before the colon, leading blanks removed) matches and that has all 16 counters.
 */
export function parseProcNetDev(text: string): Map<string, InterfaceStatistics> {
  const stats = new Map<string, InterfaceStatistics>();
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/^[ \t\n\r\f\v]+/, '');
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon);
    if (stats.has(name)) continue;
    const fields = fieldsOf(line.slice(colon + 1));
    if (fields.length < 16 || !fields.slice(0, 16).every((field) => /^[+-]?\d+$/.test(field))) continue;
    const n = fields.map(Number);
    stats.set(name, {
      'rx-bytes': n[0] ?? 0,
      'rx-packets': n[1] ?? 0,
      'rx-errs': n[2] ?? 0,
      'rx-dropped': n[3] ?? 0,
      'tx-bytes': n[8] ?? 0,
      'tx-packets': n[9] ?? 0,
      'tx-errs': n[10] ?? 0,
      'tx-dropped': n[11] ?? 0,
    });
  }
  return stats;
}

export interface Inet6Address {
  readonly address: string;
  readonly ifindex: number;
  readonly prefix: number;
  readonly scope: number;
  readonly name: string;
}

/** /proc/net/if_inet6: every IPv6 address of every interface, up or down. */
export function parseIfInet6(text: string): Inet6Address[] {
  const addresses: Inet6Address[] = [];
  for (const line of text.split('\n')) {
    const fields = fieldsOf(line);
    if (fields.length < 6 || !/^[0-9a-fA-F]{32}$/.test(fields[0] ?? '')) continue;
    addresses.push({
      address: ipv6FromHex(fields[0] ?? ''),
      ifindex: Number.parseInt(fields[1] ?? '0', 16),
      prefix: Number.parseInt(fields[2] ?? '0', 16),
      scope: Number.parseInt(fields[3] ?? '0', 16),
      name: fields[5] ?? '',
    });
  }
  return addresses;
}

export interface Ipv4Route {
  readonly iface: string;
  /** Destination, gateway and mask as 32-bit values in network order. */
  readonly destination: number;
  readonly gateway: number;
  readonly mask: number;
}

/** Reads a /proc/net/route hex word (host order, little-endian) as a network-order value. */
export function routeHexToNetworkOrder(hex: string): number {
  const value = Number.parseInt(hex, 16) >>> 0;
  return (((value & 0xff) << 24) | (((value >>> 8) & 0xff) << 16) | (((value >>> 16) & 0xff) << 8) | (value >>> 24)) >>> 0;
}

/** The IPv4 main-table routes of /proc/net/route (header skipped). */
export function parseIpv4Routes(text: string): Ipv4Route[] {
  const routes: Ipv4Route[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = fieldsOf(line);
    if (fields.length < 8) continue;
    routes.push({
      iface: fields[0] ?? '',
      destination: routeHexToNetworkOrder(fields[1] ?? '0'),
      gateway: routeHexToNetworkOrder(fields[2] ?? '0'),
      mask: routeHexToNetworkOrder(fields[7] ?? '0'),
    });
  }
  return routes;
}

/** The local IPv4 addresses the kernel routes to itself ("/32 host LOCAL" leaves of /proc/net/fib_trie). */
export function parseLocalAddresses(fibTrie: string): string[] {
  const addresses: string[] = [];
  let leaf: string | undefined;
  for (const line of fibTrie.split('\n')) {
    const leafMatch = /\|-- (\d+\.\d+\.\d+\.\d+)/.exec(line);
    if (leafMatch) {
      leaf = leafMatch[1];
      continue;
    }
    if (leaf !== undefined && /^\s*\/32 host LOCAL/.test(line) && !addresses.includes(leaf)) addresses.push(leaf);
  }
  return addresses;
}
