/**
 * How tests start the `hostlink` command as a real process. By default through tsx on
 * the sources; with HOSTLINK_TEST_BUILT=1 (set by .ci/run right after `npm run build`)
 * the built `bin/hostlink.js`, which is what users run and starts several times faster.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const BUILT_BIN = fileURLToPath(new URL('../../bin/hostlink.js', import.meta.url));
const SOURCE_MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** Node arguments that run `hostlink` (append the CLI's own arguments). */
export function hostlinkNodeArgs(): string[] {
  if (process.env.HOSTLINK_TEST_BUILT === '1') {
    if (!existsSync(fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)))) {
      throw new Error('HOSTLINK_TEST_BUILT=1 but dist/ is missing: run npm run build first');
    }
    return [BUILT_BIN];
  }
  return ['--import', 'tsx', SOURCE_MAIN];
}
