/**
 * Where a nova agent is reached: `unix:PATH`, `tcp:HOST:PORT` (newline-delimited JSON,
 * `hostlink agent --listen nova:unix:PATH`), or `xenstore:SOCKET:DOMID` (the host side of
 * the XenStore exchange, through xenstored's socket, for the guest domain DOMID).
 */
export type NovaAddress =
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'xenstore'; readonly path: string; readonly domid: number };

export const NOVA_ADDRESS_FORMS = 'unix:PATH, tcp:HOST:PORT or xenstore:XENSTORED_SOCKET:DOMID';

export function parseNovaAddress(text: string): NovaAddress {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? '' : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  if (kind === 'unix' && rest !== '') return { kind, path: rest };
  if (kind === 'tcp') {
    const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(rest);
    if (match && Number(match[3]) <= 65535) return { kind, host: match[1] ?? match[2]!, port: Number(match[3]) };
  }
  if (kind === 'xenstore') {
    const last = rest.lastIndexOf(':');
    const domid = last < 0 ? '' : rest.slice(last + 1);
    if (last > 0 && /^\d{1,5}$/.test(domid)) return { kind, path: rest.slice(0, last), domid: Number(domid) };
  }
  throw new Error(`not a nova agent address: "${text}" (expected ${NOVA_ADDRESS_FORMS})`);
}
