/**
 * /etc/hostname, /etc/hosts and /etc/resolv.conf for a new host name and DNS servers.
 *
 * /etc/hosts: the old and new names are taken off every line (never "localhost"), a line
 * left without names is dropped, and "127.0.1.1 FQDN SHORT" is put after the
 * 127.0.0.1 line (Debian's convention for the machine's own name). Comments and every
 * other entry stay as they were.
 */
import { GENERATED_HEADER } from './network-plan.js';

const OWN_ADDRESS = '127.0.1.1';

function namesOf(hostname: string): string[] {
  const short = hostname.split('.')[0]!;
  return short === hostname ? [hostname] : [hostname, short];
}

export function rewriteHosts(current: string | undefined, oldHostname: string | undefined, hostname: string): string {
  if (current === undefined) {
    return `127.0.0.1\tlocalhost\n${OWN_ADDRESS}\t${namesOf(hostname).join(' ')}\n::1\tlocalhost ip6-localhost ip6-loopback\n`;
  }
  const drop = new Set([...namesOf(hostname), ...(oldHostname ? namesOf(oldHostname) : [])].filter((name) => !name.startsWith('localhost')));
  const lines: string[] = [];
  let insertAt = -1;
  for (const line of current.replace(/\n$/, '').split('\n')) {
    const body = line.split('#', 1)[0]!.trim();
    if (body === '') {
      lines.push(line);
      continue;
    }
    const [address, ...names] = body.split(/\s+/);
    if (address === OWN_ADDRESS) continue;
    const kept = names.filter((name) => !drop.has(name));
    if (kept.length === names.length) lines.push(line);
    else if (kept.length > 0) lines.push(`${address}\t${kept.join(' ')}`);
    if (address === '127.0.0.1' && insertAt < 0) insertAt = lines.length;
  }
  const own = `${OWN_ADDRESS}\t${namesOf(hostname).join(' ')}`;
  if (insertAt < 0) lines.unshift(own);
  else lines.splice(insertAt, 0, own);
  return `${lines.join('\n')}\n`;
}

/** resolv.conf with our name servers in place of the old ones; search/options lines kept. */
export function rewriteResolvConf(current: string | undefined, servers: readonly string[]): string {
  const kept = (current ?? '')
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^\s*nameserver\s/.test(line) && line !== GENERATED_HEADER);
  return `${[GENERATED_HEADER, ...kept, ...servers.map((server) => `nameserver ${server}`)].join('\n')}\n`;
}

/** /etc/sysconfig/network with HOSTNAME and NETWORKING set, other keys kept (RHEL). */
export function rewriteSysconfigNetwork(current: string | undefined, hostname: string | undefined): string {
  const lines = (current ?? '').split('\n').filter((line) => line.trim() !== '');
  const set = (key: string, value: string): void => {
    const index = lines.findIndex((line) => line.startsWith(`${key}=`));
    if (index >= 0) lines[index] = `${key}=${value}`;
    else lines.push(`${key}=${value}`);
  };
  set('NETWORKING', 'yes');
  if (hostname) set('HOSTNAME', hostname);
  return `${lines.join('\n')}\n`;
}
