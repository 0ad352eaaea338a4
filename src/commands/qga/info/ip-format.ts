/** Address text as glibc's inet_ntop(3) writes it, from the hex forms /proc/net uses. */

/** 32 hex digits (network byte order, as /proc/net/if_inet6 and ipv6_route print) to inet_ntop text. */
export function ipv6FromHex(hex: string): string {
  const bytes = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) {
    const pair = hex.slice(i * 2, i * 2 + 2);
    bytes[i] = /^[0-9a-fA-F]{1,2}$/.test(pair) ? Number.parseInt(pair, 16) : 0;
  }
  return formatIpv6(bytes);
}

export function formatIpv6(bytes: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(((bytes[i * 2] ?? 0) << 8) | (bytes[i * 2 + 1] ?? 0));
  // The longest run of two or more zero words (the first one on a tie) becomes "::".
  let bestBase = -1;
  let bestLength = 0;
  let base = -1;
  for (let i = 0; i <= 8; i++) {
    if (i < 8 && words[i] === 0) {
      if (base < 0) base = i;
    } else if (base >= 0) {
      if (i - base > bestLength) {
        bestBase = base;
        bestLength = i - base;
      }
      base = -1;
    }
  }
  if (bestLength < 2) bestBase = -1;
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLength) {
      if (i === bestBase) text += ':';
      continue;
    }
    if (i !== 0) text += ':';
    // IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d) addresses.
    if (i === 6 && bestBase === 0 && (bestLength === 6 || (bestLength === 5 && words[5] === 0xffff))) {
      text += `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
      break;
    }
    text += (words[i] ?? 0).toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLength === 8) text += ':';
  return text;
}

/**
 * An IPv4 address /proc/net/route prints as the hex of the 32-bit value in host order
 * (little-endian on x86): the bytes are printed low byte first, as qemu-ga does.
 */
export function ipv4FromRouteHex(hex: string): string {
  const value = Number.parseInt(hex, 16) >>> 0;
  return `${value & 0xff}.${(value >>> 8) & 0xff}.${(value >>> 16) & 0xff}.${(value >>> 24) & 0xff}`;
}

/** Number of set bits of a netmask in text form ("255.255.255.0", "ffff:ffff::"). */
export function prefixLengthOfNetmask(netmask: string): number {
  let bits = 0;
  if (netmask.includes('.') && !netmask.includes(':')) {
    for (const part of netmask.split('.')) bits += popcount(Number(part) & 0xff);
    return bits;
  }
  const [head = '', tail] = netmask.split('::');
  const groups = [...head.split(':'), ...(tail === undefined ? [] : tail.split(':'))].filter((group) => group !== '');
  for (const group of groups) bits += popcount(Number.parseInt(group, 16) & 0xffff);
  return bits;
}

export function popcount(value: number): number {
  let count = 0;
  let rest = value >>> 0;
  while (rest) {
    count += rest & 1;
    rest >>>= 1;
  }
  return count;
}
