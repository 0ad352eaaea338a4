/**
 * guest-network-get-interfaces. qemu-ga walks getifaddrs(3): first one entry per link
 * (so every interface is listed, in ifindex order, with its MAC), then the IPv4
 * addresses, then the IPv6 ones; statistics come with the first address.
 *
 * Node cannot call getifaddrs for all links: os.networkInterfaces() only lists links that
 * are up and running. So the links come from /sys/class/net, the addresses of running
 * links from os.networkInterfaces() (getifaddrs' own order), and for the other links
 * IPv6 addresses from /proc/net/if_inet6 and IPv4 addresses from the local routes
 * (/proc/net/fib_trie and /proc/net/route; a link that is administratively down has none
 * there, so its IPv4 addresses cannot be seen).
 */
import { networkInterfaces as osNetworkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { prefixLengthOfNetmask } from './ip-format.js';
import { parseIfInet6, parseIpv4Routes, parseLocalAddresses, parseProcNetDev, type InterfaceStatistics, type Ipv4Route } from './proc-net.js';
import type { SystemRoot } from './system-root.js';

export interface GuestIpAddress {
  'ip-address-type': 'ipv4' | 'ipv6';
  'ip-address': string;
  prefix: number;
}

export interface GuestNetworkInterface {
  name: string;
  'hardware-address'?: string;
  'ip-addresses'?: GuestIpAddress[];
  statistics?: InterfaceStatistics;
}

export type NodeInterfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

interface Link {
  readonly name: string;
  readonly ifindex: number;
}

async function listLinks(root: SystemRoot): Promise<Link[]> {
  let entries;
  try {
    entries = await root.listDir('/sys/class/net');
  } catch {
    return [];
  }
  const links: Link[] = [];
  for (const entry of entries) {
    const index = Number.parseInt((await root.tryReadText(`/sys/class/net/${entry.name}/ifindex`)) ?? '', 10);
    links.push({ name: entry.name, ifindex: Number.isFinite(index) ? index : Number.MAX_SAFE_INTEGER });
  }
  return links.sort((a, b) => a.ifindex - b.ifindex);
}

/**
 * SIOCGIFHWADDR: the first six bytes of the link address, zero-padded ("00:00:00:00:00:00"
 * for loopback and links without one). Alias labels ("eth0:1") name their base link.
 */
async function hardwareAddress(root: SystemRoot, name: string): Promise<string | undefined> {
  const link = name.split(':')[0] ?? name;
  const text = await root.tryReadText(`/sys/class/net/${link}/address`);
  if (text === undefined) return undefined;
  const bytes = text
    .trim()
    .split(':')
    .filter((part) => /^[0-9a-fA-F]{1,2}$/.test(part))
    .map((part) => Number.parseInt(part, 16));
  const six = [...bytes.slice(0, 6), 0, 0, 0, 0, 0, 0].slice(0, 6);
  return six.map((byte) => byte.toString(16).padStart(2, '0')).join(':');
}

function fromNode(entries: readonly NetworkInterfaceInfo[]): GuestIpAddress[] {
  return entries.map((entry) => ({
    'ip-address-type': entry.family === 'IPv4' ? 'ipv4' : 'ipv6',
    'ip-address': entry.address,
    prefix: prefixLengthOfNetmask(entry.netmask),
  }));
}

function ipv4Matches(address: string, route: Ipv4Route): boolean {
  const value = address.split('.').reduce((sum, part) => ((sum << 8) | (Number(part) & 0xff)) >>> 0, 0);
  return route.gateway === 0 && ((value & route.mask) >>> 0) === route.destination;
}

/** IPv4 addresses of links Node does not list: local addresses matched to a link route. */
function ipv4Fallback(localAddresses: readonly string[], routes: readonly Ipv4Route[], links: ReadonlySet<string>): Map<string, GuestIpAddress[]> {
  const byLink = new Map<string, GuestIpAddress[]>();
  for (const address of localAddresses) {
    let best: Ipv4Route | undefined;
    for (const route of routes) {
      if (!links.has(route.iface) || !ipv4Matches(address, route)) continue;
      if (!best || prefixLengthOfMask(route.mask) > prefixLengthOfMask(best.mask)) best = route;
    }
    if (!best) continue;
    const list = byLink.get(best.iface) ?? [];
    list.push({ 'ip-address-type': 'ipv4', 'ip-address': address, prefix: prefixLengthOfMask(best.mask) });
    byLink.set(best.iface, list);
  }
  return byLink;
}

function prefixLengthOfMask(mask: number): number {
  let bits = 0;
  for (let rest = mask >>> 0; rest; rest = (rest << 1) >>> 0) bits++;
  return bits;
}

export async function getNetworkInterfaces(root: SystemRoot, nodeInterfaces: NodeInterfaces = osNetworkInterfaces()): Promise<GuestNetworkInterface[]> {
  const links = await listLinks(root);
  const names = links.map((link) => link.name);
  // Alias labels (and anything /sys does not show) come after the links, as in getifaddrs.
  for (const name of Object.keys(nodeInterfaces)) if (!names.includes(name)) names.push(name);

  const notRunning = new Set(names.filter((name) => !nodeInterfaces[name]));
  let ipv4ByLink = new Map<string, GuestIpAddress[]>();
  let inet6: ReturnType<typeof parseIfInet6> = [];
  if (notRunning.size > 0) {
    const known = new Set(Object.values(nodeInterfaces).flatMap((entries) => (entries ?? []).map((entry) => entry.address)));
    const local = parseLocalAddresses((await root.tryReadText('/proc/net/fib_trie')) ?? '').filter((address) => !known.has(address));
    ipv4ByLink = ipv4Fallback(local, parseIpv4Routes((await root.tryReadText('/proc/net/route')) ?? ''), notRunning);
    inet6 = parseIfInet6((await root.tryReadText('/proc/net/if_inet6')) ?? '');
  }

  const statistics = parseProcNetDev((await root.tryReadText('/proc/net/dev')) ?? '');
  const result: GuestNetworkInterface[] = [];
  for (const name of names) {
    const info: GuestNetworkInterface = { name };
    const mac = await hardwareAddress(root, name);
    if (mac !== undefined) info['hardware-address'] = mac;
    const nodeEntries = nodeInterfaces[name];
    const addresses = nodeEntries
      ? fromNode(nodeEntries)
      : [
          ...(ipv4ByLink.get(name) ?? []),
          // The kernel lists a link's IPv6 addresses widest scope first (global before link-local).
          ...inet6
            .filter((entry) => entry.name === name)
            .sort((a, b) => scopeRank(a.scope) - scopeRank(b.scope))
            .map((entry): GuestIpAddress => ({ 'ip-address-type': 'ipv6', 'ip-address': entry.address, prefix: entry.prefix })),
        ];
    if (addresses.length > 0) {
      info['ip-addresses'] = addresses;
      const stats = statistics.get(name);
      if (stats) info.statistics = stats;
    }
    result.push(info);
  }
  return result;
}

/** if_inet6 scope flags: 0x00 global, 0x40 site, 0x20 link, 0x10 host. */
function scopeRank(scope: number): number {
  switch (scope & 0xf0) {
    case 0x00:
      return 0;
    case 0x40:
      return 1;
    case 0x20:
      return 2;
    default:
      return 3;
  }
}
