/**
 * Where a guest agent is reached: a Unix socket (what libvirt and `-chardev socket` give
 * on the host), a TCP port, or a character device (a host-side pty from `-chardev pty`,
 * or a virtio-serial port).
 */

export type QgaAddress =
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'device'; readonly path: string };

/**
 * Parses "unix:PATH", "tcp:HOST:PORT", "device:PATH", a bare "HOST:PORT" (TCP; IPv6 as
 * "[::1]:PORT") or a bare path (a Unix socket).
 */
export function parseQgaAddress(text: string): QgaAddress {
  if (text.startsWith('unix:')) return { kind: 'unix', path: nonEmpty(text.slice(5), text) };
  if (text.startsWith('device:')) return { kind: 'device', path: nonEmpty(text.slice(7), text) };
  if (text.startsWith('tcp:')) return parseTcp(text.slice(4), text);
  if (!text.includes('/') && /:\d+$/.test(text)) return parseTcp(text, text);
  return { kind: 'unix', path: nonEmpty(text, text) };
}

/** "HOST:PORT" or "[V6]:PORT" into a TCP address; throws a readable error otherwise. */
export function parseTcp(hostPort: string, original = hostPort): QgaAddress {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(hostPort);
  const port = match ? Number(match[3]) : NaN;
  if (!match || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TypeError(`"${original}" is not HOST:PORT with a port from 1 to 65535`);
  }
  return { kind: 'tcp', host: match[1] ?? (match[2] || '127.0.0.1'), port };
}

export function describeAddress(address: QgaAddress): string {
  switch (address.kind) {
    case 'unix':
      return `unix socket ${address.path}`;
    case 'tcp':
      return `tcp ${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
    case 'device':
      return `device ${address.path}`;
  }
}

function nonEmpty(value: string, original: string): string {
  if (value === '') throw new TypeError(`"${original}" names no path`);
  return value;
}
