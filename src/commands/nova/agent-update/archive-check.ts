/**
 * Lists an update archive with Debian's tar (`tar -tvf --quoting-style=c`, names as C
 * strings, so any name parses) and refuses it when a member could land outside the
 * folder it is unpacked in: absolute names, ".." components, links that point outside
 * or through an absolute path, and device or FIFO members.
 */
import { isAbsolute, normalize, posix } from 'node:path';
import { genericError } from '../../../core/errors.js';

export interface ArchiveMember {
  /** '-' file, 'd' folder, 'l' symbolic link, 'h' hard link, 'c'/'b'/'p' devices and FIFOs. */
  readonly type: string;
  readonly name: string;
  readonly linkTarget: string | undefined;
}

const ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34, '?': 63 };

/** A C string starting at `start` (at its opening quote): the text and the index after it. */
function readCString(line: string, start: number): { text: string; end: number } {
  const bytes: number[] = [];
  let i = start + 1;
  while (i < line.length && line[i] !== '"') {
    if (line[i] === '\\') {
      const next = line[i + 1] ?? '';
      const octal = /^[0-7]{1,3}/.exec(line.slice(i + 1, i + 4));
      if (octal) {
        bytes.push(parseInt(octal[0], 8));
        i += 1 + octal[0].length;
        continue;
      }
      bytes.push(ESCAPES[next] ?? next.charCodeAt(0));
      i += 2;
      continue;
    }
    bytes.push(...Buffer.from(line[i]!, 'utf8'));
    i++;
  }
  if (line[i] !== '"') throw genericError('agentupdate: cannot read the archive listing');
  return { text: Buffer.from(bytes).toString('utf8'), end: i + 1 };
}

export function parseVerboseListing(listing: string): ArchiveMember[] {
  return listing
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const quote = line.indexOf('"');
      if (quote < 0) throw genericError('agentupdate: cannot read the archive listing');
      const name = readCString(line, quote);
      const rest = line.slice(name.end);
      let linkTarget: string | undefined;
      const link = / -> "| link to "/.exec(rest);
      if (link) linkTarget = readCString(rest, link.index + link[0].length - 1).text;
      return { type: line[0]!, name: name.text, linkTarget };
    });
}

function escapes(path: string): boolean {
  const normalized = posix.normalize(path);
  return normalized === '..' || normalized.startsWith('../');
}

/** Throws for the first member that is unsafe to unpack. */
export function checkMembers(members: readonly ArchiveMember[]): void {
  const links = new Set<string>();
  for (const member of members) {
    const { name } = member;
    // A member under a link would be written wherever the link points.
    const parts = posix.normalize(name).replace(/\/$/, '').split('/');
    for (let i = 1; i < parts.length; i++) {
      if (links.has(parts.slice(0, i).join('/'))) throw genericError(`agentupdate: refused an archive with a member under a link: ${name}`);
    }
    if (isAbsolute(name) || name.split('/').includes('..') || escapes(normalize(name))) {
      throw genericError(`agentupdate: refused an archive whose member leaves its folder: ${name}`);
    }
    if ('cbp'.includes(member.type)) throw genericError(`agentupdate: refused an archive with a device or FIFO member: ${name}`);
    if (member.type === 'l' || member.type === 'h') {
      const target = member.linkTarget ?? '';
      const resolved = member.type === 'l' ? posix.join(posix.dirname(name), target) : target;
      if (isAbsolute(target) || escapes(resolved)) throw genericError(`agentupdate: refused an archive whose link leaves its folder: ${name} -> ${target}`);
      links.add(posix.normalize(name).replace(/\/$/, ''));
    }
  }
}
