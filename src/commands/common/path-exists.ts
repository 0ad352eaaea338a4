/** Whether anything (a dangling symlink too) is at `path`: lstat, not stat. */
import { lstat } from 'node:fs/promises';

export async function pathExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
