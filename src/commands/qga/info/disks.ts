/**
 * guest-get-disks: every block device of /sys/block with a non-zero size and a device
 * node, then its partitions; the list comes out in reverse, as qemu-ga prepends. Device
 * mapper names (udev's DM_NAME) are the alias; slaves are the dependencies. NVMe SMART
 * data needs an ioctl Node cannot issue, so "smart" is never reported.
 */
import { errnoError } from './errno-text.js';
import { isVirtualDisk, walkDevice, type DeviceWalk, type GuestDiskAddress } from './disk-address.js';
import type { SystemRoot } from './system-root.js';
import { devnodeOf, udevDevice } from './udev-device.js';

export interface GuestDiskInfo {
  name: string;
  partition: boolean;
  dependencies?: string[];
  address?: GuestDiskAddress;
  alias?: string;
}

async function dependenciesOf(root: SystemRoot, diskDir: string): Promise<string[] | undefined> {
  let entries;
  try {
    entries = await root.listDir(`${diskDir}/slaves`);
  } catch {
    return undefined;
  }
  const dependencies: string[] = [];
  for (const entry of entries) {
    const devnode = await devnodeOf(root, `${diskDir}/slaves/${entry.name}`);
    if (devnode !== undefined) dependencies.unshift(devnode);
  }
  return dependencies;
}

async function addressOf(root: SystemRoot, diskDir: string): Promise<GuestDiskAddress | undefined> {
  try {
    if (await isVirtualDisk(root, diskDir)) return undefined;
    const walk: DeviceWalk = { disks: [] };
    await walkDevice(root, diskDir, walk);
    return walk.disks[0];
  } catch {
    return undefined; // qemu-ga logs and ignores these errors
  }
}

/** "<disk><n>" or "<disk>p<n>" folders inside the disk's folder. */
function isPartitionName(diskName: string, entryName: string): boolean {
  if (!entryName.startsWith(diskName)) return false;
  const rest = entryName.slice(diskName.length);
  return /^(p\d|\d)/.test(rest);
}

async function partitionsOf(root: SystemRoot, diskName: string, diskDir: string, diskDev: string): Promise<GuestDiskInfo[]> {
  let entries;
  try {
    entries = await root.listDir(diskDir);
  } catch {
    return [];
  }
  const partitions: GuestDiskInfo[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !isPartitionName(diskName, entry.name)) continue;
    const devnode = await devnodeOf(root, `${diskDir}/${entry.name}`);
    if (devnode === undefined) continue;
    partitions.push({ name: devnode, partition: true, dependencies: [diskDev] });
  }
  return partitions;
}

export async function getDisks(root: SystemRoot): Promise<GuestDiskInfo[]> {
  let entries;
  try {
    entries = await root.listDir('/sys/block');
  } catch (error) {
    throw errnoError('Can\'t open directory "/sys/block"', error);
  }
  const result: GuestDiskInfo[] = [];
  for (const entry of entries) {
    if (!entry.isSymbolicLink()) continue;
    const size = await root.tryReadText(`/sys/block/${entry.name}/size`);
    if (size === undefined || size === '0\n') continue;
    const diskDir = `/sys/block/${entry.name}`;
    const udev = await udevDevice(root, diskDir);
    if (udev?.devnode === undefined) continue;
    const alias = udev.properties.get('DM_NAME') || undefined;
    const address = await addressOf(root, diskDir);
    const dependencies = await dependenciesOf(root, diskDir);
    const disk: GuestDiskInfo = { name: udev.devnode, partition: false };
    if (dependencies !== undefined) disk.dependencies = dependencies;
    if (address !== undefined) disk.address = address;
    if (alias !== undefined) disk.alias = alias;
    result.unshift(disk);
    for (const partition of await partitionsOf(root, entry.name, diskDir, udev.devnode)) result.unshift(partition);
  }
  return result;
}
