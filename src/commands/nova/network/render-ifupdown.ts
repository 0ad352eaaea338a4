/**
 * Debian/Ubuntu ifupdown: /etc/network/interfaces. The primary IPv4 address is the
 * interface's inet stanza, further ones are eth0:N aliases; the first IPv6 address is
 * the inet6 stanza, further ones are added by `up ip -6 addr add`. DNS servers go on the
 * interface's first stanza only (the original repeated them on every stanza), routes
 * are `up ip route add` lines, and the inet6 gateway honours the interface's gateway_v6.
 */
import type { BoundInterface, NetworkPlan } from './network-plan.js';
import { GENERATED_HEADER } from './network-plan.js';
import { prefixToNetmask } from './ip-values.js';

function stanza(lines: string[], header: string, options: readonly string[]): void {
  lines.push(header, ...options.map((option) => `    ${option}`));
}

function renderInterface(lines: string[], entry: BoundInterface): void {
  const { name } = entry;
  let dnsPending = entry.dns.length > 0;
  const dnsOption = (): string[] => {
    if (!dnsPending) return [];
    dnsPending = false;
    return [`dns-nameservers ${entry.dns.join(' ')}`];
  };
  const routes4 = entry.routes.filter((route) => route.family === 4);
  const routes6 = entry.routes.filter((route) => route.family === 6);
  lines.push('', `auto ${name}`);
  const [primary4, ...aliases4] = entry.ipv4;
  if (primary4) {
    stanza(lines, `iface ${name} inet static`, [
      `hwaddress ether ${entry.mac}`,
      `address ${primary4.ip}`,
      `netmask ${prefixToNetmask(primary4.prefix)}`,
      ...(entry.gateway4 ? [`gateway ${entry.gateway4}`] : []),
      ...dnsOption(),
      ...routes4.map((route) => `up ip route add ${route.network}/${route.prefix} via ${route.gateway} dev ${name}`),
    ]);
  } else if (entry.ipv6.length === 0) {
    stanza(lines, `iface ${name} inet manual`, [`hwaddress ether ${entry.mac}`]);
  }
  const [primary6, ...more6] = entry.ipv6;
  if (primary6) {
    if (primary4) lines.push('');
    stanza(lines, `iface ${name} inet6 static`, [
      ...(primary4 ? [] : [`hwaddress ether ${entry.mac}`]),
      `address ${primary6.ip}`,
      `netmask ${primary6.prefix}`,
      ...(entry.gateway6 ? [`gateway ${entry.gateway6}`] : []),
      ...dnsOption(),
      ...more6.map((address) => `up ip -6 addr add ${address.ip}/${address.prefix} dev ${name}`),
      ...routes6.map((route) => `up ip -6 route add ${route.network}/${route.prefix} via ${route.gateway} dev ${name}`),
    ]);
  }
  aliases4.forEach((address, index) => {
    lines.push('', `auto ${name}:${index + 1}`);
    stanza(lines, `iface ${name}:${index + 1} inet static`, [`address ${address.ip}`, `netmask ${prefixToNetmask(address.prefix)}`]);
  });
}

export function renderIfupdown(interfaces: readonly BoundInterface[]): NetworkPlan {
  const lines = [GENERATED_HEADER, '', 'auto lo', 'iface lo inet loopback'];
  for (const entry of interfaces) renderInterface(lines, entry);
  return {
    renderer: 'ifupdown',
    writes: [{ path: '/etc/network/interfaces', contents: `${lines.join('\n')}\n`, mode: 0o644 }],
    removes: [],
    apply: [['systemctl', 'restart', 'networking.service'], ['/etc/init.d/networking', 'restart']],
  };
}
