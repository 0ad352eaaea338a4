/**
 * The agent's persistent state file, written as qemu-ga writes its `qga.state`: a GLib
 * key file with one group,
 *
 *     [global]
 *     fd_counter=1000
 *
 * read once at start (created with the defaults when missing) and rewritten whole
 * (temporary file + rename, as g_file_set_contents does) each time a value changes.
 * Only the values the agent knows survive a rewrite, as with qemu-ga.
 */
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface PersistentState {
  fdCounter: number;
}

export const DEFAULT_PERSISTENT_STATE: Readonly<PersistentState> = { fdCounter: 1000 };

/** A GLib key file as groups of key/value strings (comments and blank lines dropped). */
export type KeyFile = Map<string, Map<string, string>>;

export class StateFileError extends Error {
  override readonly name = 'StateFileError';
}

/**
 * Parses a GLib key file. Lines are groups ("[name]"), "key=value" pairs, comments
 * ("#...") or blank; anything else makes the whole file invalid, as for GLib.
 */
export function parseKeyFile(text: string): KeyFile {
  const groups: KeyFile = new Map();
  let current: Map<string, string> | undefined;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/^[ \t\r\f\v]+/, '');
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      const end = line.indexOf(']');
      if (end < 0) throw new StateFileError(`Invalid group name: ${line}`);
      const name = line.slice(1, end);
      current = groups.get(name) ?? new Map();
      groups.set(name, current);
      continue;
    }
    const equals = line.indexOf('=');
    if (equals <= 0) {
      throw new StateFileError(`Key file contains line \u201c${rawLine}\u201d which is not a key-value pair, group, or comment`);
    }
    if (!current) throw new StateFileError('Key file does not start with a group');
    const key = line.slice(0, equals).replace(/[ \t]+$/, '');
    const value = line.slice(equals + 1).replace(/^[ \t]+/, '');
    current.set(key, value);
  }
  return groups;
}

/**
 * g_key_file_get_integer(): a decimal C int, optionally followed by white space; any
 * other value (or one out of the 32-bit range) reads as 0.
 */
export function keyFileInteger(value: string): number {
  const match = /^[ \t\n\v\f\r]*([+-]?\d+)(?:[ \t\n\v\f\r].*)?$/s.exec(value);
  if (!match) return 0;
  const parsed = Number(match[1]);
  return parsed >= -(2 ** 31) && parsed <= 2 ** 31 - 1 ? parsed : 0;
}

export function formatPersistentState(state: PersistentState): string {
  return `[global]\nfd_counter=${state.fdCounter}\n`;
}

function stateFromKeyFile(keyFile: KeyFile): PersistentState {
  const state = { ...DEFAULT_PERSISTENT_STATE };
  const counter = keyFile.get('global')?.get('fd_counter');
  if (counter !== undefined) state.fdCounter = keyFileInteger(counter);
  return state;
}

function temporaryPathFor(path: string): string {
  const suffix = Math.random().toString(36).slice(2, 8).toUpperCase().padEnd(6, 'X');
  return join(dirname(path), `.${basename(path)}.${suffix}`);
}

/**
 * Loads the state at agent start. A missing file is created with the defaults; a file
 * GLib cannot parse, or a state folder where the file cannot be created, throws (qemu-ga
 * refuses to start then).
 */
export function loadPersistentState(path: string): PersistentState {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new StateFileError(`error loading persistent state from path: ${path}, ${(error as Error).message}`);
    }
    const state = { ...DEFAULT_PERSISTENT_STATE };
    try {
      writeStateSync(path, state);
    } catch (writeError) {
      throw new StateFileError(`unable to create state file at path ${path}: ${(writeError as Error).message}`);
    }
    return state;
  }
  try {
    return stateFromKeyFile(parseKeyFile(text));
  } catch (error) {
    throw new StateFileError(`error loading persistent state from path: ${path}, ${(error as Error).message}`);
  }
}

function writeStateSync(path: string, state: PersistentState): void {
  const temporary = temporaryPathFor(path);
  try {
    writeFileSync(temporary, formatPersistentState(state));
    renameSync(temporary, path);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // never created
    }
    throw error;
  }
}

/** Rewrites the state file atomically. */
export async function savePersistentState(path: string, state: PersistentState): Promise<void> {
  const temporary = temporaryPathFor(path);
  try {
    await writeFile(temporary, formatPersistentState(state));
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}
