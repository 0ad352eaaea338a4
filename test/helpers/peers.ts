/**
 * Finding the real peers tests run against (qemu-ga, redis-server, python3, socat).
 * A missing peer skips the test with the Debian package to install, except under
 * CI=true, where it fails.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';

const EXTRA_PATHS = ['/usr/sbin', '/sbin', '/usr/local/sbin'];

export function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...EXTRA_PATHS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Returns the program's path, or skips the test (outside CI) naming the package to install.
 * Under CI=true a missing peer throws, so the run fails.
 */
export function requireProgram(t: TestContext, name: string, debianPackage: string): string | undefined {
  const path = findProgram(name);
  if (path) return path;
  const message = `${name} not found: install the Debian package ${debianPackage} (apt-get install -y ${debianPackage})`;
  if (process.env.CI === 'true') throw new Error(message);
  t.skip(message);
  return undefined;
}
