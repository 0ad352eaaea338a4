/**
 * agentupdate's value: "URL,MD5" as the original took it, or an object
 * {"url", "md5sum", "sha256"?}. The URL must be https:// unless plain http is allowed;
 * digests are hex.
 */
import { genericError } from '../../../core/errors.js';

export interface UpdateRequest {
  readonly url: URL;
  readonly md5: string;
  readonly sha256: string | undefined;
}

function hexDigest(value: unknown, length: number, what: string): string {
  const text = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (!new RegExp(`^[0-9a-f]{${length}}$`).test(text)) throw genericError(`agentupdate: ${what} must be ${length} hex digits`);
  return text;
}

export function parseUpdateRequest(value: unknown, allowHttp: boolean): UpdateRequest {
  let url: unknown;
  let md5: unknown;
  let sha256: unknown;
  if (typeof value === 'string') {
    const comma = value.lastIndexOf(',');
    if (comma < 0) throw genericError('agentupdate: expected "URL,MD5"');
    url = value.slice(0, comma).trim();
    md5 = value.slice(comma + 1);
  } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    ({ url, md5sum: md5, sha256 } = value as Record<string, unknown>);
  } else {
    throw genericError('agentupdate: expected "URL,MD5" or {"url", "md5sum"}');
  }
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    throw genericError('agentupdate: the URL is not valid');
  }
  if (parsed.protocol !== 'https:' && !(allowHttp && parsed.protocol === 'http:')) {
    throw genericError(`agentupdate: only https:// URLs are allowed${allowHttp ? ' (or http://)' : ''}`);
  }
  return { url: parsed, md5: hexDigest(md5, 32, 'the MD5 sum'), sha256: sha256 === undefined || sha256 === null || sha256 === '' ? undefined : hexDigest(sha256, 64, 'the SHA-256 sum') };
}

/** The URL as it may be logged: no user name, password or query (tokens live there). */
export function loggableUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}
