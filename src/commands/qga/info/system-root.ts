/**
 * Reads the system facts qemu-ga reads (/proc, /sys, /etc, /run) under a root folder, so
 * tests can point the commands at a fake tree. Paths given and returned are the logical
 * ones ("/sys/block"), which is also what error texts show, as qemu-ga's do.
 */
import type { Dirent } from 'node:fs';
import { opendir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';

export class SystemRoot {
  readonly rootDir: string;

  constructor(rootDir = '/') {
    this.rootDir = rootDir.length > 1 ? rootDir.replace(/\/+$/, '') : '/';
  }

  /** The real path of a logical path. */
  resolve(logical: string): string {
    return this.rootDir === '/' ? logical : join(this.rootDir, logical);
  }

  readText(logical: string): Promise<string> {
    return readFile(this.resolve(logical), 'utf8');
  }

  readBytes(logical: string): Promise<Buffer> {
    return readFile(this.resolve(logical));
  }

  /** Like readText, but undefined when the file cannot be read. */
  async tryReadText(logical: string): Promise<string | undefined> {
    try {
      return await this.readText(logical);
    } catch {
      return undefined;
    }
  }

  /**
   * Directory entries in the order the kernel hands them out (readdir(3) order, as
   * qemu-ga sees them; fs.readdir would sort them). "." and ".." are left out.
   */
  async listDir(logical: string): Promise<Dirent[]> {
    const dir = await opendir(this.resolve(logical));
    const entries: Dirent[] = [];
    for await (const entry of dir) entries.push(entry);
    return entries;
  }

  /** realpath(3) of a logical path, returned as a logical path. */
  async realpath(logical: string): Promise<string> {
    const real = await realpath(this.resolve(logical));
    if (this.rootDir === '/') return real;
    if (real === this.rootDir) return '/';
    return real.startsWith(this.rootDir + '/') ? real.slice(this.rootDir.length) : real;
  }

  readlink(logical: string): Promise<string> {
    return readlink(this.resolve(logical));
  }

  /** Like open(path, O_DIRECTORY): rejects with the errno error (ENOTDIR for a non-folder). */
  async checkDirectory(logical: string): Promise<void> {
    const info = await stat(this.resolve(logical));
    if (!info.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, '${logical}'`), { code: 'ENOTDIR' });
  }

  async isDirectory(logical: string): Promise<boolean> {
    try {
      return (await stat(this.resolve(logical))).isDirectory();
    } catch {
      return false;
    }
  }
}
