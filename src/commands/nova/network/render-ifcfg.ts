/**
 * RHEL/CentOS/Fedora network-scripts: ifcfg-IF (secondary IPv4 addresses as IPADDRn,
 * secondary IPv6 ones in IPV6ADDR_SECONDARIES), route-IF and route6-IF. Files of an
 * interface that no longer apply (route files without routes, old ifcfg-IF:N alias
 * files) are removed: the original left them behind.
 */
import type { BoundInterface, ListDir, NetworkPlan } from './network-plan.js';
import { GENERATED_HEADER } from './network-plan.js';
import { prefixToNetmask } from './ip-values.js';

export const SCRIPTS_DIR = '/etc/sysconfig/network-scripts';

function ifcfg(entry: BoundInterface): string {
  const lines = [GENERATED_HEADER, `DEVICE=${entry.name}`, `HWADDR=${entry.mac}`, 'TYPE=Ethernet', 'ONBOOT=yes', 'BOOTPROTO=none'];
  entry.ipv4.forEach((address, index) => {
    const suffix = index === 0 ? '' : String(index);
    lines.push(`IPADDR${suffix}=${address.ip}`, `NETMASK${suffix}=${prefixToNetmask(address.prefix)}`);
  });
  if (entry.gateway4) lines.push(`GATEWAY=${entry.gateway4}`);
  if (entry.ipv6.length > 0) {
    const [primary, ...secondary] = entry.ipv6;
    lines.push('IPV6INIT=yes', 'IPV6_AUTOCONF=no', `IPV6ADDR=${primary!.ip}/${primary!.prefix}`);
    if (secondary.length > 0) lines.push(`IPV6ADDR_SECONDARIES="${secondary.map((address) => `${address.ip}/${address.prefix}`).join(' ')}"`);
    if (entry.gateway6) lines.push(`IPV6_DEFAULTGW=${entry.gateway6}`);
  }
  entry.dns.forEach((server, index) => lines.push(`DNS${index + 1}=${server}`));
  return `${lines.join('\n')}\n`;
}

function route4(entry: BoundInterface): string | undefined {
  const routes = entry.routes.filter((route) => route.family === 4);
  if (routes.length === 0) return undefined;
  const lines = [GENERATED_HEADER];
  routes.forEach((route, index) => lines.push(`ADDRESS${index}=${route.network}`, `NETMASK${index}=${prefixToNetmask(route.prefix)}`, `GATEWAY${index}=${route.gateway}`));
  return `${lines.join('\n')}\n`;
}

function route6(entry: BoundInterface): string | undefined {
  const routes = entry.routes.filter((route) => route.family === 6);
  if (routes.length === 0) return undefined;
  return `${[GENERATED_HEADER, ...routes.map((route) => `${route.network}/${route.prefix} via ${route.gateway} dev ${entry.name}`)].join('\n')}\n`;
}

export async function renderIfcfg(interfaces: readonly BoundInterface[], listDir: ListDir): Promise<NetworkPlan> {
  const existing = await listDir(SCRIPTS_DIR);
  const writes: { path: string; contents: string; mode: number }[] = [];
  const removes: string[] = [];
  for (const entry of interfaces) {
    writes.push({ path: `${SCRIPTS_DIR}/ifcfg-${entry.name}`, contents: ifcfg(entry), mode: 0o644 });
    for (const [file, contents] of [[`route-${entry.name}`, route4(entry)], [`route6-${entry.name}`, route6(entry)]] as const) {
      if (contents !== undefined) writes.push({ path: `${SCRIPTS_DIR}/${file}`, contents, mode: 0o644 });
      else if (existing.includes(file)) removes.push(`${SCRIPTS_DIR}/${file}`);
    }
    for (const file of existing) if (file.startsWith(`ifcfg-${entry.name}:`)) removes.push(`${SCRIPTS_DIR}/${file}`);
  }
  return {
    renderer: 'ifcfg',
    writes,
    removes,
    apply: [['systemctl', 'restart', 'network.service'], ['systemctl', 'restart', 'NetworkManager.service']],
  };
}
