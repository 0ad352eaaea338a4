/**
 * Serves the web dashboard from the controller's own HTTP server: GET / (the page) and
 * GET /ui/... (its scripts, styles, icon) out of the in-memory asset table. The page holds
 * no data; everything it shows comes from the /v1 API, which asks for the token itself.
 *
 * Every answer forbids other origins' scripts and framing (CSP), MIME sniffing and
 * referrers. Files are revalidated on each load (ETag, no-cache): they have no hashed
 * names, and a controller upgrade must never mix old and new modules.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ASSET_PREFIX, DASHBOARD_ASSET_DIR, loadAssetTable, type Asset } from './asset-table.js';

export const DASHBOARD_CSP = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const PAGE = `${ASSET_PREFIX}index.html`;

const SECURITY_HEADERS = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

/** Answers a dashboard request and returns true, or returns false for paths that are not the dashboard's. */
export type DashboardHandler = (request: IncomingMessage, response: ServerResponse, pathname: string) => boolean;

/** The page is served at / only: it loads its files and the API by relative URLs (so a path prefix of a reverse proxy works). */
export function isDashboardPath(pathname: string): boolean {
  return pathname === '/' || pathname.startsWith(ASSET_PREFIX);
}

function sendText(response: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...extra });
  response.end(text);
}

function sendAsset(request: IncomingMessage, response: ServerResponse, asset: Asset): void {
  const headers = { ...SECURITY_HEADERS, etag: asset.etag, 'cache-control': 'no-cache' };
  const known = request.headers['if-none-match'];
  if (known !== undefined && known.split(',').some((tag) => tag.trim().replace(/^W\//, '') === asset.etag)) {
    response.writeHead(304, headers);
    response.end();
    return;
  }
  response.writeHead(200, { ...headers, 'content-type': asset.contentType, 'content-length': asset.body.length });
  response.end(request.method === 'HEAD' ? undefined : asset.body);
}

/** A handler over the files in `dir` (read now, once). */
export function dashboardHandler(dir: string = DASHBOARD_ASSET_DIR): DashboardHandler {
  let table: ReadonlyMap<string, Asset> | undefined;
  let missing: string | undefined;
  try {
    table = loadAssetTable(dir);
    if (!table.has(PAGE)) missing = `${dir} has no index.html`;
  } catch (error) {
    missing = (error as Error).message;
  }
  return (request, response, pathname) => {
    if (!isDashboardPath(pathname)) return false;
    const method = request.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      sendText(response, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
      return true;
    }
    if (missing !== undefined || table === undefined) {
      sendText(response, 503, `the dashboard's files are missing from this installation (${missing}); build with npm run build\n`);
      return true;
    }
    const asset = pathname === '/' ? table.get(PAGE) : pathname === PAGE ? undefined : table.get(pathname);
    if (asset) sendAsset(request, response, asset);
    else sendText(response, 404, 'not found\n');
    return true;
  };
}
