/**
 * A path from the wire, inside the root the agent acts on: absolute, no "..", and the
 * nearest existing folder on the way must really be inside the root once symbolic links
 * are followed, so a link in a --root tree cannot send a write outside it.
 */
import { realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { genericError } from '../../core/errors.js';

export async function confinedPath(rootDir: string, logical: string): Promise<string> {
  if (!isAbsolute(logical) || logical.includes('\0')) throw genericError(`the path must be absolute: ${logical}`);
  if (logical.split('/').includes('..')) throw genericError(`the path must not contain "..": ${logical}`);
  const wanted = normalize(logical);
  if (rootDir === '/') return wanted;
  const realRoot = await realpath(rootDir);
  const target = join(realRoot, wanted);
  let existing = dirname(target);
  for (;;) {
    try {
      const real = await realpath(existing);
      if (real !== realRoot && !real.startsWith(realRoot + sep)) throw genericError(`the path leaves the agent's root: ${logical}`);
      return target;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      existing = dirname(existing);
    }
  }
}
