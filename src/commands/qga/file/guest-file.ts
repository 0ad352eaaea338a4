/**
 * One file opened by guest-file-open, behaving as qemu-ga's stdio stream does: a current
 * position that reads, writes and seeks share, appends that always land at the end, and
 * a read that reports end-of-file when it got fewer bytes than asked for.
 *
 * Regular files and block devices are read and written at the tracked position
 * (pread/pwrite), so the agent never depends on the descriptor's own offset; FIFOs,
 * sockets and character devices are read and written in sequence.
 *
 * Operations on one handle run one after another, in the order they were asked for.
 */
import { constants } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { isatty } from 'node:tty';
import { genericError } from '../../../core/errors.js';
import { errnoError } from '../info/errno-text.js';
import { parseOpenMode } from './open-mode.js';

export type Whence = 0 | 1 | 2;

/** Positions must stay exact JavaScript numbers; beyond that seek fails as lseek would. */
const MAX_POSITION = BigInt(Number.MAX_SAFE_INTEGER);

/** The permissions qemu-ga gives a file it creates, whatever the umask. */
const NEW_FILE_PERMISSIONS = 0o666;

/** A JSON string may carry "\u0000"; QEMU keeps it as the bytes C0 80 inside the C string. */
export function cPath(path: string): string | Buffer {
  if (!path.includes('\0')) return path;
  const parts = path.split('\0').map((part) => Buffer.from(part, 'utf8'));
  const nul = Buffer.from([0xc0, 0x80]);
  return Buffer.concat(parts.flatMap((part, index) => (index === 0 ? [part] : [nul, part])));
}

function errnoOf(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

export class GuestFile {
  /** The stream position (ftell). */
  private position = 0;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly handle: FileHandle,
    private readonly seekable: boolean,
    private readonly pipeLike: boolean,
    private readonly append: boolean,
  ) {}

  /** Opens as qemu-ga does, with its error texts. */
  static async open(path: string, modeText: string): Promise<GuestFile> {
    const mode = parseOpenMode(modeText);
    const target = cPath(path);
    let handle: FileHandle;
    let created = false;
    try {
      if (mode.creates) {
        // Create exclusively first so the new file's permissions can be set; an existing
        // file is opened as it is.
        try {
          handle = await open(target, mode.flags | constants.O_EXCL, 0);
          created = true;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
          handle = await open(target, mode.flags & ~constants.O_CREAT);
        }
      } else {
        handle = await open(target, mode.flags);
      }
    } catch (error) {
      throw errnoError(`failed to open file '${path}' (mode: '${modeText}')`, error);
    }
    try {
      if (created) {
        try {
          await handle.chmod(NEW_FILE_PERMISSIONS);
        } catch (error) {
          throw errnoError(`failed to set permission 0666 on new file '${path}' (mode: '${modeText}')`, error);
        }
      }
      const info = await handle.stat();
      const seekable = info.isFile() || info.isBlockDevice() || info.isDirectory();
      const pipeLike = info.isFIFO() || info.isSocket() || (info.isCharacterDevice() && isatty(handle.fd));
      return new GuestFile(handle, seekable, pipeLike, mode.append);
    } catch (error) {
      await handle.close().catch(() => undefined);
      if (created) await unlink(target).catch(() => undefined);
      throw error;
    }
  }

  /** Runs `operation` after every operation asked for before it. */
  private serial<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Reads up to `count` bytes at the position; eof when fewer came. */
  read(count: number): Promise<{ data: Buffer; eof: boolean }> {
    return this.serial(async () => {
      if (count === 0) return { data: Buffer.alloc(0), eof: false };
      const buffer = Buffer.allocUnsafe(count);
      let filled = 0;
      try {
        while (filled < count) {
          const { bytesRead } = await this.handle.read(buffer, filled, count - filled, this.seekable ? this.position + filled : null);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
      } catch (error) {
        if (this.seekable) this.position += filled;
        throw errnoError('failed to read file', error);
      }
      if (this.seekable) this.position += filled;
      return { data: buffer.subarray(0, filled), eof: filled < count };
    });
  }

  /** Writes all of `data` at the position (at the end in append mode). */
  write(data: Buffer): Promise<number> {
    return this.serial(async () => {
      let written = 0;
      try {
        while (written < data.length) {
          const position = this.seekable && !this.append ? this.position + written : null;
          const { bytesWritten } = await this.handle.write(data, written, data.length - written, position);
          written += bytesWritten;
        }
      } catch (error) {
        throw errnoError('failed to write to file', error);
      } finally {
        if (this.seekable) {
          this.position = this.append ? (await this.handle.stat().catch(() => ({ size: this.position }))).size : this.position + written;
        }
      }
      return written;
    });
  }

  /** fseek + ftell. `offset` is an int64 from the wire. */
  seek(offset: number | bigint, whence: Whence): Promise<number> {
    return this.serial(async () => {
      if (this.pipeLike) throw errnoError('failed to seek file', errnoOf('ESPIPE', 'illegal seek'));
      if (!this.seekable) return (this.position = 0);
      let base = 0n;
      if (whence === 1) base = BigInt(this.position);
      if (whence === 2) {
        try {
          base = BigInt((await this.handle.stat()).size);
        } catch (error) {
          throw errnoError('failed to seek file', error);
        }
      }
      const target = base + BigInt(offset);
      if (target < 0n || target > MAX_POSITION) throw errnoError('failed to seek file', errnoOf('EINVAL', 'invalid argument'));
      this.position = Number(target);
      return this.position;
    });
  }

  /** Nothing is buffered here, so there is nothing to flush; it still waits its turn. */
  flush(): Promise<void> {
    return this.serial(() => Promise.resolve());
  }

  close(): Promise<void> {
    return this.serial(async () => {
      try {
        await this.handle.close();
      } catch (error) {
        throw errnoError('failed to close handle', error);
      }
    });
  }

  /** Closes without reporting errors (agent shutdown). */
  dispose(): Promise<void> {
    return this.handle.close().catch(() => undefined);
  }
}

/** The "handle 'N' has not been found" error qemu-ga gives for an unknown handle. */
export function handleNotFound(handle: number | bigint): Error {
  return genericError(`handle '${String(handle)}' has not been found`);
}
