/**
 * netplan: one YAML file, /etc/netplan/90-hostlink-nova.yaml (read after the
 * distribution's and cloud-init's, so its settings win), matching each interface by
 * MAC. Default routes are `to: default` routes (gateway4/gateway6 are deprecated).
 * Written 0600, as netplan asks of files that may hold secrets.
 */
import type { BoundInterface, NetworkPlan } from './network-plan.js';
import { GENERATED_HEADER } from './network-plan.js';

export const NETPLAN_FILE = '/etc/netplan/90-hostlink-nova.yaml';

const quoted = (value: string): string => JSON.stringify(value);

function renderInterface(entry: BoundInterface): string[] {
  const lines = [`    ${quoted(entry.name)}:`, '      match:', `        macaddress: ${quoted(entry.mac)}`, `      set-name: ${quoted(entry.name)}`];
  const addresses = [...entry.ipv4, ...entry.ipv6].map((address) => `${address.ip}/${address.prefix}`);
  if (addresses.length > 0) lines.push('      addresses:', ...addresses.map((address) => `        - ${quoted(address)}`));
  else lines.push('      dhcp4: false', '      dhcp6: false');
  const routes: [string, string][] = [];
  if (entry.gateway4) routes.push(['default', entry.gateway4]);
  if (entry.gateway6) routes.push(['::/0', entry.gateway6]);
  for (const route of entry.routes) routes.push([`${route.network}/${route.prefix}`, route.gateway]);
  if (routes.length > 0) {
    lines.push('      routes:');
    for (const [to, via] of routes) lines.push(`        - to: ${quoted(to)}`, `          via: ${quoted(via)}`);
  }
  if (entry.dns.length > 0) lines.push('      nameservers:', '        addresses:', ...entry.dns.map((server) => `          - ${quoted(server)}`));
  return lines;
}

export function renderNetplan(interfaces: readonly BoundInterface[]): NetworkPlan {
  const lines = [GENERATED_HEADER, 'network:', '  version: 2', '  ethernets:'];
  for (const entry of interfaces) lines.push(...renderInterface(entry));
  if (interfaces.length === 0) lines[lines.length - 1] = '  ethernets: {}';
  return {
    renderer: 'netplan',
    writes: [{ path: NETPLAN_FILE, contents: `${lines.join('\n')}\n`, mode: 0o600 }],
    removes: [],
    apply: [['netplan', 'apply']],
  };
}
