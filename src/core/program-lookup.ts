/**
 * Where a system program (shutdown, hwclock, chpasswd, fsfreeze, ...) is run from: an
 * explicit path from the configuration first, then PATH, then /sbin and /usr/sbin. Tests
 * swap real programs for recording fakes by putting a folder first on PATH or by naming
 * the fake in `programs`.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

export interface ProgramLookup {
  /** name -> path; a named program is used from there or not at all (no search). */
  readonly programs?: Readonly<Record<string, string>>;
  /** The PATH to search; the agent's own PATH when unset. */
  readonly path?: string;
}

const SYSTEM_DIRS = ['/sbin', '/usr/sbin'];

export async function isExecutableFile(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The program's path, or undefined when it is nowhere. */
export async function findSystemProgram(name: string, lookup: ProgramLookup = {}): Promise<string | undefined> {
  const configured = lookup.programs?.[name];
  if (configured !== undefined) return (await isExecutableFile(configured)) ? configured : undefined;
  if (name.includes('/')) return (await isExecutableFile(name)) ? name : undefined;
  const dirs = (lookup.path ?? process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const dir of [...dirs, ...SYSTEM_DIRS]) {
    const candidate = join(dir, name);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}
