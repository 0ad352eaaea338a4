/** hostlink's own version, from its package.json (read once). */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function packageVersion(): string {
  // src/core/ and dist/core/ are both two levels below the package root.
  cached ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
