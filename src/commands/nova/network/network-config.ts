/**
 * The network description nova hosts write under vm-data: `vm-data/hostname` and one
 * JSON document per interface at `vm-data/networking/<mac without colons>`:
 *
 *   {"label": "public", "mac": "40:40:8f:1e:a0:0a",
 *    "ips": [{"ip": "10.0.0.5", "netmask": "255.255.255.0", "enabled": "1", "gateway": "10.0.0.1"}],
 *    "ip6s": [{"ip": "2001:db8::5", "netmask": 64, "enabled": "1", "gateway": "2001:db8::1"}],
 *    "gateway_v6": "2001:db8::1",
 *    "routes": [{"route": "10.1.0.0", "netmask": "255.255.0.0", "gateway": "10.0.0.1"}],
 *    "dns": ["8.8.8.8"]}
 *
 * Parsed here into checked values; anything malformed is refused before a file is written.
 */
import { genericError } from '../../../core/errors.js';
import { checkHostname, checkIPv4, checkIPv6, ipv4Network, ipv4Prefix, ipv6Prefix, normalizeMac } from './ip-values.js';

export interface Address {
  readonly ip: string;
  readonly prefix: number;
}

export interface Route {
  /** Network address and prefix of the destination. */
  readonly network: string;
  readonly prefix: number;
  readonly gateway: string;
  readonly family: 4 | 6;
}

export interface InterfaceConfig {
  readonly label: string | undefined;
  readonly mac: string;
  /** IPv4 addresses, the primary one first. */
  readonly ipv4: readonly Address[];
  readonly ipv6: readonly Address[];
  readonly gateway4: string | undefined;
  readonly gateway6: string | undefined;
  readonly routes: readonly Route[];
  readonly dns: readonly string[];
}

export interface NetworkConfig {
  readonly hostname: string | undefined;
  readonly interfaces: readonly InterfaceConfig[];
}

function isEnabled(value: unknown): boolean {
  return !(value === false || value === 0 || value === '0' || value === 'false');
}

function objectsOf(value: unknown, what: string): Record<string, unknown>[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'object' && item !== null && !Array.isArray(item))) {
    throw genericError(`${what} must be a list of objects`);
  }
  return value as Record<string, unknown>[];
}

function parseRoute(route: Record<string, unknown>, index: number, mac: string): Route {
  const what = `routes[${index}] of ${mac}`;
  const destination = typeof route.route === 'string' ? route.route.trim() : '';
  if (destination.includes(':')) {
    const [ip, prefix] = destination.split('/');
    return { network: checkIPv6(ip, `${what} route`), prefix: ipv6Prefix(prefix ?? route.netmask, `${what} netmask`), gateway: checkIPv6(route.gateway, `${what} gateway`), family: 6 };
  }
  const prefix = ipv4Prefix(route.netmask, `${what} netmask`);
  return { network: ipv4Network(checkIPv4(destination, `${what} route`), prefix), prefix, gateway: checkIPv4(route.gateway, `${what} gateway`), family: 4 };
}

export function parseInterface(document: unknown, where: string): InterfaceConfig {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw genericError(`${where} is not a JSON object`);
  const data = document as Record<string, unknown>;
  const mac = normalizeMac(data.mac, `${where} mac`);
  const label = typeof data.label === 'string' && /^[\w .-]{1,64}$/.test(data.label) ? data.label : undefined;
  let gateway4: string | undefined;
  const ipv4 = objectsOf(data.ips, `${where} ips`)
    .filter((entry) => isEnabled(entry.enabled))
    .map((entry, index) => {
      const ip = checkIPv4(entry.ip, `${where} ips[${index}].ip`);
      if (gateway4 === undefined && entry.gateway !== undefined && entry.gateway !== null && entry.gateway !== '') gateway4 = checkIPv4(entry.gateway, `${where} ips[${index}].gateway`);
      return { ip, prefix: ipv4Prefix(entry.netmask, `${where} ips[${index}].netmask`) };
    });
  let gateway6: string | undefined;
  const ipv6 = objectsOf(data.ip6s, `${where} ip6s`)
    .filter((entry) => isEnabled(entry.enabled))
    .map((entry, index) => {
      const ip = checkIPv6(entry.ip, `${where} ip6s[${index}].ip`);
      if (gateway6 === undefined && entry.gateway !== undefined && entry.gateway !== null && entry.gateway !== '') gateway6 = checkIPv6(entry.gateway, `${where} ip6s[${index}].gateway`);
      return { ip, prefix: ipv6Prefix(entry.netmask ?? 64, `${where} ip6s[${index}].netmask`) };
    });
  // The interface-level gateway_v6 (which the original ignored) wins over an address's.
  if (typeof data.gateway_v6 === 'string' && data.gateway_v6.trim() !== '') gateway6 = checkIPv6(data.gateway_v6, `${where} gateway_v6`);
  if (typeof data.gateway === 'string' && data.gateway.trim() !== '') gateway4 = checkIPv4(data.gateway, `${where} gateway`);
  const routes = objectsOf(data.routes, `${where} routes`).map((route, index) => parseRoute(route, index, mac));
  const dnsList = data.dns === undefined || data.dns === null ? [] : data.dns;
  if (!Array.isArray(dnsList)) throw genericError(`${where} dns must be a list`);
  const dns = dnsList.map((server, index) => {
    const text = typeof server === 'string' ? server.trim() : '';
    return text.includes(':') ? checkIPv6(text, `${where} dns[${index}]`) : checkIPv4(text, `${where} dns[${index}]`);
  });
  return { label, mac, ipv4, ipv6, gateway4, gateway6, routes, dns };
}

/** The whole description; interfaces sorted by MAC so a rendering never depends on listing order. */
export function parseNetworkConfig(hostname: unknown, documents: readonly { readonly where: string; readonly document: unknown }[]): NetworkConfig {
  const interfaces = documents.map(({ where, document }) => parseInterface(document, where));
  const seen = new Set<string>();
  for (const entry of interfaces) {
    if (seen.has(entry.mac)) throw genericError(`two interfaces have the MAC address ${entry.mac}`);
    seen.add(entry.mac);
  }
  const name = hostname === undefined || hostname === null || hostname === '' ? undefined : checkHostname(hostname);
  return { hostname: name, interfaces: [...interfaces].sort((a, b) => a.mac.localeCompare(b.mac)) };
}

/** Every DNS server once, in the order the interfaces list them. */
export function allDnsServers(config: NetworkConfig): string[] {
  return [...new Set(config.interfaces.flatMap((entry) => entry.dns))];
}
