/**
 * The file systems guest-fsfreeze-* and guest-fstrim work on: qemu-ga's mount list
 * (local block-device mounts from /proc/self/mountinfo), under `rootDir`.
 */
import { listLocalMounts } from '../info/mounts.js';
import type { SystemRoot } from '../info/system-root.js';

export async function mountpoints(root: SystemRoot): Promise<string[]> {
  return (await listLocalMounts(root)).map((mount) => mount.mountpoint);
}
