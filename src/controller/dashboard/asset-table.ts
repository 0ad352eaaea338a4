/**
 * The dashboard's files, read once into memory: a fixed table from URL path to body,
 * content type and ETag. Requests are answered by looking a path up in this table, so
 * no part of a URL ever becomes a file-system path (no traversal possible).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  /** Strong validator of the body (sha256, quoted). */
  readonly etag: string;
}

/** Only these kinds are served; other files in the folder are left out. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Where the files are: beside this module, in src/ (tsx) and in dist/ (npm run build copies them). */
export const DASHBOARD_ASSET_DIR = fileURLToPath(new URL('./assets/', import.meta.url));

/** URL prefix of the files; the page itself is also served at /. */
export const ASSET_PREFIX = '/ui/';

function listFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files.push(...listFiles(path));
    else files.push(path);
  }
  return files;
}

/** Reads every servable file under `dir` into a table keyed by /ui/RELATIVE/PATH. */
export function loadAssetTable(dir: string = DASHBOARD_ASSET_DIR): ReadonlyMap<string, Asset> {
  const table = new Map<string, Asset>();
  for (const path of listFiles(dir)) {
    const contentType = CONTENT_TYPES[extname(path)];
    if (contentType === undefined) continue;
    const body = readFileSync(path);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    table.set(ASSET_PREFIX + relative(dir, path).split(sep).join('/'), { body, contentType, etag });
  }
  return table;
}
