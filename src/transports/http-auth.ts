/**
 * Optional HTTP authentication for the agent's listeners: a bearer token
 * (`Authorization: Bearer TOKEN`) and/or basic auth (`http://user:pass@host/` in
 * Python's ServerProxy URL). Secrets are compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface HttpAuthOptions {
  readonly bearerToken?: string;
  readonly basic?: { readonly username: string; readonly password: string };
}

function sameSecret(given: string, expected: string): boolean {
  // Hash first so the comparison takes the same time whatever the lengths.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function authRequired(auth: HttpAuthOptions | undefined): boolean {
  return auth !== undefined && (auth.bearerToken !== undefined || auth.basic !== undefined);
}

/** Whether the request's Authorization header satisfies one of the configured schemes. */
export function isAuthorized(auth: HttpAuthOptions, headers: IncomingHttpHeaders): boolean {
  const header = headers.authorization;
  if (!header) return false;
  const space = header.indexOf(' ');
  if (space < 0) return false;
  const scheme = header.slice(0, space).toLowerCase();
  const credentials = header.slice(space + 1).trim();
  if (scheme === 'bearer' && auth.bearerToken !== undefined) return sameSecret(credentials, auth.bearerToken);
  if (scheme === 'basic' && auth.basic !== undefined) {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const userOk = sameSecret(decoded.slice(0, colon), auth.basic.username);
    const passwordOk = sameSecret(decoded.slice(colon + 1), auth.basic.password);
    return userOk && passwordOk;
  }
  return false;
}

/** The WWW-Authenticate challenges to send with a 401. */
export function challenges(auth: HttpAuthOptions): string[] {
  const list: string[] = [];
  if (auth.bearerToken !== undefined) list.push('Bearer realm="hostlink"');
  if (auth.basic !== undefined) list.push('Basic realm="hostlink", charset="UTF-8"');
  return list;
}
