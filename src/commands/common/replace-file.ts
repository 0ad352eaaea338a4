/**
 * Replaces a file's contents atomically: a temporary file beside it, written, flushed
 * and renamed over it. An existing file keeps its mode and owner; a new one gets
 * `newFileMode`. A failure leaves the old file as it was and no temporary file behind.
 */
import { randomBytes } from 'node:crypto';
import { lstat, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface ReplaceFileOptions {
  /** Mode of a file that does not exist yet (0644 by default). */
  readonly newFileMode?: number;
  /** Owner of a file that does not exist yet (the agent's user by default). */
  readonly newFileOwner?: { readonly uid: number; readonly gid: number };
}

export async function replaceFile(path: string, contents: Buffer | string, options: ReplaceFileOptions = {}): Promise<void> {
  let mode = options.newFileMode ?? 0o644;
  let owner = options.newFileOwner;
  try {
    const current = await lstat(path);
    if (!current.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: 'EISDIR' });
    mode = current.mode & 0o7777;
    owner = { uid: current.uid, gid: current.gid };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(contents);
      if (owner) await handle.chown(owner.uid, owner.gid).catch(ignoreIfUnprivileged);
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** chown to the file's own owner fails only when not root and the owner is another user. */
function ignoreIfUnprivileged(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPERM') throw error;
}

