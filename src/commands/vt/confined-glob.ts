/**
 * Glob expansion confined to one folder, for cleanup_tmp_files: vt_agent removes
 * whatever glob.glob(path) finds; hostlink only removes what lies inside its data dir.
 * Patterns follow Python's glob: `*`, `?` and `[...]` within one path segment, and a
 * leading dot is matched only by a pattern that starts with one. Relative patterns are
 * taken from the data dir.
 */
import { readdir, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { HostlinkError } from '../../core/errors.js';
import { pathExists } from '../common/path-exists.js';

const MAGIC = /[*?[]/;

function segmentRegExp(segment: string): RegExp {
  let source = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) {
        source += '\\[';
        continue;
      }
      let set = segment.slice(i + 1, close);
      const negate = set.startsWith('!');
      if (negate) set = set.slice(1);
      source += `[${negate ? '^' : ''}${set.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

function inside(root: string, path: string): boolean {
  return path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** The absolute pattern, or a PermissionDenied error when it reaches outside `root`. */
export function confinePattern(root: string, pattern: string): string {
  const absolute = resolve(isAbsolute(pattern) ? pattern : join(root, pattern));
  if (!inside(root, absolute)) {
    throw new HostlinkError('PermissionDenied', `refusing to clean "${pattern}": only paths inside the agent's data dir ${root} are cleaned`);
  }
  return absolute;
}

/**
 * Paths matching `pattern` inside `root` (never `root` itself). A match whose folder,
 * symbolic links resolved, is not inside root is dropped: a link cannot lead out.
 */
export async function confinedGlob(root: string, pattern: string): Promise<string[]> {
  const absolute = confinePattern(root, pattern);
  const segments = absolute.slice(root.length + 1).split(sep);
  let candidates = [root];
  for (const segment of segments) {
    const next: string[] = [];
    if (!MAGIC.test(segment)) {
      for (const base of candidates) if (await pathExists(join(base, segment))) next.push(join(base, segment));
    } else {
      const matcher = segmentRegExp(segment);
      for (const base of candidates) {
        const names = await readdir(base).catch(() => [] as string[]);
        for (const name of names.sort()) {
          if (name.startsWith('.') && !segment.startsWith('.')) continue;
          if (matcher.test(name)) next.push(join(base, name));
        }
      }
    }
    candidates = next;
  }
  const realRoot = await realpath(root).catch(() => root);
  const confined: string[] = [];
  for (const match of candidates) {
    const folder = await realpath(dirname(match)).catch(() => undefined);
    if (folder !== undefined && (folder === realRoot || inside(realRoot, folder))) confined.push(match);
  }
  return confined;
}
