/**
 * guest-ssh-get-authorized-keys, -add- and -remove-: a user's ~/.ssh/authorized_keys,
 * as qemu-ga 7.2 keeps it: the file is read as lines split on "\n" and written back
 * joined with "\n" (no newline added at the end), ~/.ssh created 0700 and the file made
 * 0600, both owned by the user. Paths in errors are the user's real ones.
 */
import { chmod, chown, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { genericError } from '../../../core/errors.js';
import { errnoCode, strerror } from '../info/errno-text.js';
import type { SystemRoot } from '../info/system-root.js';
import { lookupUser, type PasswdEntry } from './passwd-entry.js';

function checkKeys(keys: readonly string[]): void {
  for (const key of keys) {
    if (key.startsWith('#') || key.includes('\n')) throw genericError(`invalid OpenSSH public key: '${key}'`);
  }
}

function paths(user: PasswdEntry): { sshDir: string; keysFile: string } {
  const sshDir = join(user.home, '.ssh');
  return { sshDir, keysFile: join(sshDir, 'authorized_keys') };
}

/** g_file_get_contents() and its error texts. */
async function readKeysFile(root: SystemRoot, path: string): Promise<string[]> {
  let contents: string;
  try {
    contents = await readFile(root.resolve(path), 'utf8');
  } catch (error) {
    const what = errnoCode(error) === 'EISDIR' ? 'Error reading file' : 'Failed to open file';
    throw genericError(`failed to read '${path}': ${what} \u201c${path}\u201d: ${strerror(error)}`);
  }
  return contents.split('\n');
}

async function isDirectory(root: SystemRoot, path: string): Promise<boolean> {
  try {
    return (await stat(root.resolve(path))).isDirectory();
  } catch {
    return false;
  }
}

async function makeSshDir(root: SystemRoot, path: string, user: PasswdEntry): Promise<void> {
  const real = root.resolve(path);
  try {
    await mkdir(real, 0o700);
  } catch (error) {
    throw genericError(`failed to create directory '${path}': ${strerror(error)}`);
  }
  try {
    await chown(real, user.uid, user.gid);
  } catch (error) {
    throw genericError(`failed to set ownership of directory '${path}': ${strerror(error)}`);
  }
  try {
    await chmod(real, 0o700);
  } catch (error) {
    throw genericError(`failed to set permissions of directory '${path}': ${strerror(error)}`);
  }
}

/** g_file_set_contents() (temporary file + rename), then owner and 0600. */
async function writeKeysFile(root: SystemRoot, path: string, lines: readonly string[], user: PasswdEntry): Promise<void> {
  const real = root.resolve(path);
  const temporary = join(dirname(real), `${basename(real)}.${Math.random().toString(36).slice(2, 8).toUpperCase()}`);
  try {
    await writeFile(temporary, lines.join('\n'), { mode: 0o666 });
    await rename(temporary, real);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw genericError(`failed to write to '${path}': Failed to create file \u201c${path}.XXXXXX\u201d: ${strerror(error)}`);
  }
  try {
    await chown(real, user.uid, user.gid);
  } catch (error) {
    // "directory" is qemu-ga's wording for the file too.
    throw genericError(`failed to set ownership of directory '${path}': ${strerror(error)}`);
  }
  try {
    await chmod(real, 0o600);
  } catch (error) {
    throw genericError(`failed to set permissions of '${path}': ${strerror(error)}`);
  }
}

export async function getAuthorizedKeys(root: SystemRoot, username: string): Promise<{ keys: string[] }> {
  const user = await lookupUser(root, username);
  const lines = await readKeysFile(root, paths(user).keysFile);
  const keys = lines.map((line) => line.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '')).filter((line) => line !== '' && !line.startsWith('#'));
  // qemu-ga prepends each key to its reply list: last line first.
  return { keys: keys.reverse() };
}

export async function addAuthorizedKeys(root: SystemRoot, username: string, keys: readonly string[], reset: boolean): Promise<void> {
  checkKeys(keys);
  const user = await lookupUser(root, username);
  const { sshDir, keysFile } = paths(user);
  let lines: string[] | undefined;
  if (!reset) lines = await readKeysFile(root, keysFile).catch(() => undefined);
  if (lines === undefined) {
    if (!(await isDirectory(root, sshDir))) await makeSshDir(root, sshDir, user);
    lines = [];
  }
  for (const key of keys) if (!lines.includes(key)) lines.push(key);
  await writeKeysFile(root, keysFile, lines, user);
}

export async function removeAuthorizedKeys(root: SystemRoot, username: string, keys: readonly string[]): Promise<void> {
  checkKeys(keys);
  const user = await lookupUser(root, username);
  const { keysFile } = paths(user);
  try {
    await stat(root.resolve(keysFile));
  } catch {
    return;
  }
  const lines = await readKeysFile(root, keysFile);
  await writeKeysFile(
    root,
    keysFile,
    lines.filter((line) => !keys.includes(line)),
    user,
  );
}
