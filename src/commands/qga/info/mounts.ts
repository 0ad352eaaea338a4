/**
 * The local file systems qemu-ga works on (guest-get-fsinfo, and fsfreeze/fstrim in
 * qemu-ga): mounts of block devices from /proc/self/mountinfo. Pseudo and network file
 * systems have device major 0 and are left out, except btrfs, whose major is 0 too and
 * whose device is then taken from its source path. Without mountinfo, /proc/self/mounts.
 */
import { stat } from 'node:fs/promises';
import { genericError } from '../../../core/errors.js';
import type { SystemRoot } from './system-root.js';

export interface FsMount {
  readonly mountpoint: string;
  readonly type: string;
  readonly major: number;
  readonly minor: number;
}

/** The kernel's octal escapes ("\040" for a space) and "\\", as qemu-ga decodes them. */
export function decodeMountName(raw: string): string {
  const bytes: number[] = [];
  const source = Buffer.from(raw, 'latin1');
  for (let i = 0; i < source.length; i++) {
    const byte = source[i] ?? 0;
    if (byte !== 0x5c) {
      bytes.push(byte);
      continue;
    }
    const [a = 0, b = 0, c = 0] = [source[i + 1], source[i + 2], source[i + 3]];
    if (a === 0x5c) {
      bytes.push(0x5c);
      i++;
    } else if (a >= 0x30 && a <= 0x33 && b >= 0x30 && b <= 0x37 && c >= 0x30 && c <= 0x37) {
      bytes.push((a - 0x30) * 64 + (b - 0x30) * 8 + (c - 0x30));
      i += 3;
    } else {
      bytes.push(byte);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** stat() of a device path: its numbers for a block device, 'directory' for a bind mount source. */
async function deviceNumbers(root: SystemRoot, path: string): Promise<{ major: number; minor: number } | 'directory' | undefined> {
  try {
    const info = await stat(root.resolve(path));
    if (info.isDirectory()) return 'directory';
    if (info.isBlockDevice()) return { major: Number((BigInt(info.rdev) >> 8n) & 0xfffn), minor: minorOf(info.rdev) };
  } catch {
    // unreadable: not a device
  }
  return undefined;
}

/** glibc's minor(): the low 8 bits plus bits 20-31 of the 32-bit device number. */
function minorOf(rdev: number): number {
  const value = BigInt(rdev);
  return Number((value & 0xffn) | ((value >> 12n) & 0xfff00n));
}

/** Splits a mountinfo line as qemu-ga's sscanf patterns do; undefined for lines it skips. */
function parseMountinfoLine(line: string): { major: number; minor: number; mountpoint: string; type: string; source: string } | undefined {
  const head = /^[ \t]*\d+[ \t]+\d+[ \t]+(\d+):(\d+)[ \t]+\S+[ \t]+(\S+)([\s\S])/.exec(line);
  if (!head) return undefined;
  const afterMountpoint = (head.index ?? 0) + head[0].length - 1;
  const dash = line.indexOf(' - ', afterMountpoint);
  if (dash < 0) return undefined;
  const tail = /^ - (\S+)[ \t]*(\S+)([\s\S])/.exec(line.slice(dash));
  if (!tail) return undefined;
  return { major: Number(head[1]), minor: Number(head[2]), mountpoint: head[3] ?? '', type: tail[1] ?? '', source: tail[2] ?? '' };
}

async function fromMountinfo(root: SystemRoot, text: string): Promise<FsMount[]> {
  const mounts: FsMount[] = [];
  // getline keeps the newline, which the patterns' trailing %c may consume.
  for (const line of text.split(/(?<=\n)/)) {
    const parsed = parseMountinfoLine(Buffer.from(line, 'utf8').toString('latin1'));
    if (!parsed) continue;
    const mountpoint = decodeMountName(parsed.mountpoint);
    const source = decodeMountName(parsed.source);
    const type = Buffer.from(parsed.type, 'latin1').toString('utf8');
    let { major, minor } = parsed;
    if (major === 0) {
      if (type !== 'btrfs') continue;
      const numbers = await deviceNumbers(root, source);
      if (numbers === undefined || numbers === 'directory') continue;
      ({ major, minor } = numbers);
    }
    mounts.push({ mountpoint, type, major, minor });
  }
  return mounts;
}

/** getmntent(3) over /proc/self/mounts: device paths only, no SMB/CIFS, no bind mounts. */
async function fromMounts(root: SystemRoot, text: string): Promise<FsMount[]> {
  const mounts: FsMount[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/[ \t]+/);
    if (fields.length < 3 || (fields[0] ?? '').startsWith('#')) continue;
    const source = decodeMountName(Buffer.from(fields[0] ?? '', 'utf8').toString('latin1'));
    const mountpoint = decodeMountName(Buffer.from(fields[1] ?? '', 'utf8').toString('latin1'));
    const type = fields[2] ?? '';
    if (!source.startsWith('/') || type === 'smbfs' || type === 'cifs') continue;
    const numbers = await deviceNumbers(root, source);
    if (numbers === 'directory') continue;
    mounts.push({ mountpoint, type, major: numbers?.major ?? 0, minor: numbers?.minor ?? 0 });
  }
  return mounts;
}

export async function listLocalMounts(root: SystemRoot): Promise<FsMount[]> {
  const mountinfo = await root.tryReadText('/proc/self/mountinfo');
  if (mountinfo !== undefined) return fromMountinfo(root, mountinfo);
  const mounts = await root.tryReadText('/proc/self/mounts');
  if (mounts === undefined) throw genericError("failed to open mtab file: '/proc/self/mounts'");
  return fromMounts(root, mounts);
}
