/**
 * guest-network-get-route (QEMU 9.1; not in qemu-ga 7.2): the IPv4 routes of
 * /proc/net/route, then the IPv6 routes of /proc/net/ipv6_route, with QEMU's members.
 *
 * One deliberate difference: QEMU scans the IPv6 flags into a C int and widens it to
 * uint64, so flags with the top bit set come out sign-extended (18446744071564165121
 * for 0x80200001); hostlink reports the 32-bit value (2149580801).
 */
import { errnoError } from './errno-text.js';
import { ipv4FromRouteHex, ipv6FromHex } from './ip-format.js';
import { fieldsOf } from './scanf-fields.js';
import type { SystemRoot } from './system-root.js';

export type GuestNetworkRoute = Record<string, string | number>;

const toInt32 = (value: number) => value | 0;
const decimal = (text: string | undefined) => (/^[+-]?\d+/.test(text ?? '') ? Number.parseInt(text ?? '0', 10) | 0 : undefined);
const hex = (text: string | undefined) => (/^(0[xX])?[0-9a-fA-F]+/.test(text ?? '') ? Number.parseInt(text ?? '0', 16) >>> 0 : undefined);

/** "Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT" lines after the header. */
export function parseIpv4RouteTable(text: string): GuestNetworkRoute[] {
  const routes: GuestNetworkRoute[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = fieldsOf(line);
    const [destination, gateway, flags, mask] = [hex(f[1]), hex(f[2]), hex(f[3]), hex(f[7])];
    const [refcnt, use, metric, mtu, window, irtt] = [decimal(f[4]), decimal(f[5]), decimal(f[6]), decimal(f[8]), decimal(f[9]), decimal(f[10])];
    if (f.length < 11 || [destination, gateway, flags, mask, refcnt, use, metric, mtu, window, irtt].includes(undefined)) continue;
    routes.push({
      iface: f[0] ?? '',
      destination: ipv4FromRouteHex(f[1] ?? ''),
      gateway: ipv4FromRouteHex(f[2] ?? ''),
      mask: ipv4FromRouteHex(f[7] ?? ''),
      metric: metric ?? 0,
      flags: flags ?? 0,
      refcnt: refcnt ?? 0,
      use: use ?? 0,
      mtu: mtu ?? 0,
      window: window ?? 0,
      irtt: irtt ?? 0,
      version: 4,
    });
  }
  return routes;
}

/** "dest destlen src srclen nexthop metric refcnt use flags iface", all hex. */
export function parseIpv6RouteTable(text: string): GuestNetworkRoute[] {
  const routes: GuestNetworkRoute[] = [];
  for (const line of text.split('\n')) {
    const f = fieldsOf(line);
    const numbers = [f[1], f[3], f[5], f[6], f[7], f[8]].map(hex);
    if (f.length < 10 || numbers.includes(undefined)) continue;
    const [destinationLength = 0, sourceLength = 0, metric = 0, refcnt = 0, use = 0, flags = 0] = numbers;
    routes.push({
      iface: f[9] ?? '',
      destination: ipv6FromHex(f[0] ?? ''),
      metric: toInt32(metric),
      source: ipv6FromHex(f[2] ?? ''),
      desprefixlen: String(toInt32(destinationLength)),
      srcprefixlen: String(toInt32(sourceLength)),
      nexthop: ipv6FromHex(f[4] ?? ''),
      flags,
      refcnt: toInt32(refcnt),
      use: toInt32(use),
      version: 6,
    });
  }
  return routes;
}

export async function getNetworkRoutes(root: SystemRoot): Promise<GuestNetworkRoute[]> {
  const routes: GuestNetworkRoute[] = [];
  for (const [path, parse] of [
    ['/proc/net/route', parseIpv4RouteTable],
    ['/proc/net/ipv6_route', parseIpv6RouteTable],
  ] as const) {
    let text: string;
    try {
      text = await root.readText(path);
    } catch (error) {
      throw errnoError(`open("${path}")`, error);
    }
    routes.push(...parse(text));
  }
  return routes;
}
