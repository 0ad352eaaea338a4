/**
 * systemd-networkd: /etc/systemd/network/10-hostlink-IF.network per interface, matched
 * by MAC. Files of this kind left from interfaces that are gone are removed.
 */
import type { BoundInterface, ListDir, NetworkPlan } from './network-plan.js';
import { GENERATED_HEADER } from './network-plan.js';

export const NETWORKD_DIR = '/etc/systemd/network';
const PREFIX = '10-hostlink-';

function networkFile(entry: BoundInterface): string {
  const lines = [GENERATED_HEADER, '[Match]', `MACAddress=${entry.mac}`, '', '[Network]'];
  for (const address of [...entry.ipv4, ...entry.ipv6]) lines.push(`Address=${address.ip}/${address.prefix}`);
  if (entry.gateway4) lines.push(`Gateway=${entry.gateway4}`);
  if (entry.gateway6) lines.push(`Gateway=${entry.gateway6}`);
  for (const server of entry.dns) lines.push(`DNS=${server}`);
  if (entry.ipv6.length > 0) lines.push('IPv6AcceptRA=no');
  for (const route of entry.routes) lines.push('', '[Route]', `Destination=${route.network}/${route.prefix}`, `Gateway=${route.gateway}`);
  return `${lines.join('\n')}\n`;
}

export async function renderNetworkd(interfaces: readonly BoundInterface[], listDir: ListDir): Promise<NetworkPlan> {
  const writes = interfaces.map((entry) => ({ path: `${NETWORKD_DIR}/${PREFIX}${entry.name}.network`, contents: networkFile(entry), mode: 0o644 }));
  const written = new Set(writes.map((write) => write.path));
  const removes = (await listDir(NETWORKD_DIR))
    .filter((file) => file.startsWith(PREFIX) && file.endsWith('.network'))
    .map((file) => `${NETWORKD_DIR}/${file}`)
    .filter((path) => !written.has(path));
  return { renderer: 'networkd', writes, removes, apply: [['systemctl', 'restart', 'systemd-networkd.service']] };
}
