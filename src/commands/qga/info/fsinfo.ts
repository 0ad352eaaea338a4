/**
 * guest-get-fsinfo: one entry per local mount (see mounts.ts), listed last mount first
 * as qemu-ga builds the list by prepending; the disks under each and, when statvfs
 * works, the used and total (non-root) bytes.
 */
import { statfs } from 'node:fs/promises';
import { walkDevice, type DeviceWalk, type GuestDiskAddress } from './disk-address.js';
import { listLocalMounts } from './mounts.js';
import type { SystemRoot } from './system-root.js';

export interface GuestFilesystemInfo {
  name: string;
  mountpoint: string;
  type: string;
  'used-bytes'?: number;
  'total-bytes'?: number;
  disk: GuestDiskAddress[];
}

async function usage(root: SystemRoot, mountpoint: string): Promise<{ used: number; total: number } | undefined> {
  try {
    const info = await statfs(root.resolve(mountpoint), { bigint: true });
    // statvfs: f_frsize is f_bsize on Linux file systems qemu-ga lists.
    const used = info.blocks - info.bfree;
    return { used: Number(used * info.bsize), total: Number((used + info.bavail) * info.bsize) };
  } catch {
    return undefined;
  }
}

export async function getFsInfo(root: SystemRoot): Promise<GuestFilesystemInfo[]> {
  const result: GuestFilesystemInfo[] = [];
  for (const mount of await listLocalMounts(root)) {
    const walk: DeviceWalk = { disks: [] };
    await walkDevice(root, `/sys/dev/block/${mount.major}:${mount.minor}`, walk);
    const info: GuestFilesystemInfo = { name: walk.name ?? '', mountpoint: mount.mountpoint, type: mount.type, disk: walk.disks };
    const bytes = await usage(root, mount.mountpoint);
    const entry: GuestFilesystemInfo = bytes
      ? { name: info.name, mountpoint: info.mountpoint, type: info.type, 'used-bytes': bytes.used, 'total-bytes': bytes.total, disk: info.disk }
      : info;
    result.unshift(entry);
  }
  return result;
}
