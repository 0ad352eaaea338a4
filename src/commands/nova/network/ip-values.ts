/**
 * Checks for the values that end up in network configuration files. Anything that is
 * not a plain address, prefix or name is refused, so a value from the host can never
 * add a line or an option to a file.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { genericError } from '../../../core/errors.js';

export function checkIPv4(value: unknown, what: string): string {
  if (typeof value !== 'string' || !isIPv4(value.trim())) throw genericError(`${what} is not an IPv4 address: ${String(value)}`);
  return value.trim();
}

export function checkIPv6(value: unknown, what: string): string {
  if (typeof value !== 'string' || !isIPv6(value.trim()) || value.includes('%')) throw genericError(`${what} is not an IPv6 address: ${String(value)}`);
  return value.trim().toLowerCase();
}

/** A dotted netmask (255.255.255.0) or a prefix length, as an IPv4 prefix length. */
export function ipv4Prefix(netmask: unknown, what: string): number {
  if (typeof netmask === 'number' || (typeof netmask === 'string' && /^\d{1,2}$/.test(netmask.trim()))) {
    const prefix = Number(netmask);
    if (Number.isInteger(prefix) && prefix >= 0 && prefix <= 32) return prefix;
  } else if (typeof netmask === 'string' && isIPv4(netmask.trim())) {
    const bits = netmask
      .trim()
      .split('.')
      .map((part) => Number(part).toString(2).padStart(8, '0'))
      .join('');
    if (/^1*0*$/.test(bits)) return bits.indexOf('0') < 0 ? 32 : bits.indexOf('0');
  }
  throw genericError(`${what} is not a netmask: ${String(netmask)}`);
}

export function prefixToNetmask(prefix: number): string {
  const bits = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((shift) => (bits >>> shift) & 0xff).join('.');
}

/** An IPv6 prefix length: a number or a decimal string, 0 to 128. */
export function ipv6Prefix(netmask: unknown, what: string): number {
  const text = typeof netmask === 'number' ? String(netmask) : typeof netmask === 'string' ? netmask.trim().replace(/^\//, '') : '';
  if (/^\d{1,3}$/.test(text) && Number(text) <= 128) return Number(text);
  throw genericError(`${what} is not an IPv6 prefix length: ${String(netmask)}`);
}

/** aa:bb:cc:dd:ee:ff (any case, also without colons), as lower-case with colons. */
export function normalizeMac(value: unknown, what = 'mac'): string {
  const hex = typeof value === 'string' ? value.trim().toLowerCase().replace(/[:-]/g, '') : '';
  if (!/^[0-9a-f]{12}$/.test(hex)) throw genericError(`${what} is not a MAC address: ${String(value)}`);
  return hex.match(/../g)!.join(':');
}

/** A host name as RFC 1123 allows it (labels of letters, digits and hyphens). */
export function checkHostname(value: unknown): string {
  const name = typeof value === 'string' ? value.trim().replace(/\.$/, '') : '';
  const label = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
  if (name.length === 0 || name.length > 253 || !name.split('.').every((part) => label.test(part))) {
    throw genericError(`not a valid host name: ${String(value)}`);
  }
  return name;
}

/** The network address of ip/prefix (for routes given with a host address). */
export function ipv4Network(ip: string, prefix: number): string {
  const value = ip.split('.').reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const network = (value & mask) >>> 0;
  return [24, 16, 8, 0].map((shift) => (network >>> shift) & 0xff).join('.');
}
