/**
 * GuestDiskAddress from a sysfs device path, following qemu-ga's rules: the PCI address
 * of the controller (whose driver names the bus: ata_piix, sym53c8xx, virtio-pci, ahci,
 * nvme), SCSI target numbers, s390 CCW addresses, plus the udev device node and serial.
 */
import { basename } from 'node:path';
import { errnoCode, errnoError } from './errno-text.js';
import type { SystemRoot } from './system-root.js';
import { udevDevice } from './udev-device.js';

export interface GuestPciAddress {
  domain: number;
  bus: number;
  slot: number;
  function: number;
}

export interface GuestDiskAddress {
  'pci-controller': GuestPciAddress;
  'bus-type': string;
  bus: number;
  target: number;
  unit: number;
  serial?: string;
  dev?: string;
  'ccw-address'?: { cssid: number; ssid: number; subchno: number; devno: number };
}

/** What a walk over a device and its slaves collects (a GuestFilesystemInfo in the making). */
export interface DeviceWalk {
  name?: string;
  /** Most recently found first, as qemu-ga prepends. */
  disks: GuestDiskAddress[];
}

const SUPPORTED_PCI_DRIVERS = ['ata_piix', 'sym53c8xx', 'virtio-pci', 'ahci', 'nvme'];
const HEX = '([0-9a-fA-F]+)';
const PCI_FUNCTION = new RegExp(`^\\/${HEX}:${HEX}:${HEX}\\.${HEX}`);
const ROOT_BUS_AND_FUNCTION = new RegExp(`^[0-9a-fA-F]+:[0-9a-fA-F]+\\/${HEX}:${HEX}:${HEX}\\.${HEX}`);
const SCSI_TARGET = /^\d+:\d+:\d+\/\d+:(\d+):(\d+):(\d+)/;

interface Draft {
  pci: GuestPciAddress;
  busType: string;
  bus: number;
  target: number;
  unit: number;
  ccw?: GuestDiskAddress['ccw-address'];
}

async function pciDriver(root: SystemRoot, devicePath: string): Promise<string | undefined> {
  try {
    return basename(await root.readlink(`${devicePath}/driver`));
  } catch {
    return undefined;
  }
}

/** Sorted numbers of the ataN or hostN siblings of a path component (at most 8, as qemu-ga). */
async function siblingHosts(root: SystemRoot, parent: string, ata: boolean): Promise<number[]> {
  let entries;
  try {
    entries = await root.listDir(parent);
  } catch (error) {
    throw errnoError(`opendir("${parent}")`, error);
  }
  const pattern = ata ? /^ata([+-]?\d+)/ : /^host([+-]?\d+)/;
  const hosts: number[] = [];
  for (const entry of entries) {
    if (hosts.length >= 8) break;
    const match = pattern.exec(entry.name);
    if (match) hosts.push(Number(match[1]) >>> 0);
  }
  return hosts.sort((a, b) => a - b);
}

function scsiTarget(syspath: string): [number, number, number] | undefined {
  const at = syspath.indexOf('/target');
  if (at < 0) return undefined;
  const match = SCSI_TARGET.exec(syspath.slice(at + 7));
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

async function fillPci(root: SystemRoot, syspath: string, draft: Draft): Promise<boolean> {
  const devices = syspath.indexOf('/devices/pci');
  const first = devices < 0 ? null : ROOT_BUS_AND_FUNCTION.exec(syspath.slice(devices + 12));
  if (!first) return false;
  let pci = first.slice(1, 5).map((part) => Number.parseInt(part, 16));
  let position = devices + 12 + first[0].length;
  let driver: string | undefined;
  // Walk down through bridges until a device with a supported driver.
  for (;;) {
    driver = await pciDriver(root, syspath.slice(0, position));
    if (driver !== undefined && SUPPORTED_PCI_DRIVERS.includes(driver)) break;
    const next = PCI_FUNCTION.exec(syspath.slice(position));
    if (!next) return false;
    pci = next.slice(1, 5).map((part) => Number.parseInt(part, 16));
    position += next[0].length;
  }

  const target = scsiTarget(syspath);
  let hostAt = syspath.indexOf('/ata');
  const ata = hostAt >= 0;
  if (!ata) hostAt = syspath.indexOf('/host');
  let host: number | undefined;
  let hosts: number[] = [];
  if (hostAt >= 0) {
    const match = /^\+?(\d+)/.exec(syspath.slice(hostAt + (ata ? 4 : 5)));
    if (match) {
      host = Number(match[1]);
      hosts = await siblingHosts(root, syspath.slice(0, hostAt), ata);
    }
  }

  draft.pci = { domain: pci[0] ?? 0, bus: pci[1] ?? 0, slot: pci[2] ?? 0, function: pci[3] ?? 0 };
  switch (driver) {
    case 'ata_piix': {
      // One host per IDE bus; target*:0:<unit>:0
      if (host === undefined || !target) return false;
      const index = hosts.indexOf(host);
      if (index < 0) return false;
      draft.busType = 'ide';
      draft.bus = index;
      draft.unit = target[1];
      return true;
    }
    case 'sym53c8xx':
      if (!target) return false;
      draft.busType = 'scsi';
      draft.unit = target[1];
      return true;
    case 'virtio-pci':
      if (target) {
        draft.busType = 'scsi'; // virtio-scsi: target*:0:0:<unit>
        draft.unit = target[2];
      } else {
        draft.busType = 'virtio'; // virtio-blk: one disk per device
      }
      return true;
    case 'ahci': {
      // One host per unit.
      if (host === undefined || !target) return false;
      const index = hosts.indexOf(host);
      if (index < 0) return false;
      draft.unit = index;
      draft.busType = 'sata';
      return true;
    }
    case 'nvme':
      draft.busType = 'nvme';
      return true;
    default:
      return false;
  }
}

/** virtio devices not on PCI (e.g. s390x channel I/O). */
function fillNonPciVirtio(syspath: string, draft: Draft): boolean {
  if (!syspath.includes('/virtio') || !syspath.includes('/block')) return false;
  const target = scsiTarget(syspath);
  if (target) {
    draft.busType = 'scsi';
    [draft.bus, draft.target, draft.unit] = target;
  } else {
    draft.busType = 'virtio';
  }
  return true;
}

function fillCcw(syspath: string, draft: Draft): boolean {
  const at = syspath.indexOf('/devices/css');
  const match = at < 0 ? null : new RegExp(`^[0-9a-fA-F]+\\/${HEX}\\.${HEX}\\.${HEX}\\/[0-9a-fA-F]+\\.[0-9a-fA-F]+\\.${HEX}\\/`).exec(syspath.slice(at + 12));
  if (!match) return false;
  const [cssid = 0, ssid = 0, subchno = 0, devno = 0] = match.slice(1, 5).map((part) => Number.parseInt(part, 16));
  draft.ccw = { cssid, ssid, subchno, devno };
  if (syspath.slice(at).includes('/virtio')) fillNonPciVirtio(syspath, draft);
  return true;
}

/** build_guest_fsinfo_for_real_device */
async function addRealDevice(root: SystemRoot, syspath: string, walk: DeviceWalk): Promise<void> {
  const draft: Draft = { pci: { domain: -1, bus: -1, slot: -1, function: -1 }, busType: 'unknown', bus: 0, target: 0, unit: 0 };
  const udev = await udevDevice(root, syspath);
  const dev = udev?.devnode;
  const serial = udev?.properties.get('ID_SERIAL') || undefined;
  let hasHardwareInfo: boolean;
  if (syspath.includes('/devices/pci')) hasHardwareInfo = await fillPci(root, syspath, draft);
  else if (syspath.includes('/devices/css')) hasHardwareInfo = fillCcw(syspath, draft);
  else if (syspath.includes('/virtio')) hasHardwareInfo = fillNonPciVirtio(syspath, draft);
  else hasHardwareInfo = false;
  if (!hasHardwareInfo && dev === undefined && serial === undefined) return;
  const address: GuestDiskAddress = {
    'pci-controller': draft.pci,
    'bus-type': draft.busType,
    bus: draft.bus,
    target: draft.target,
    unit: draft.unit,
  };
  if (serial !== undefined) address.serial = serial;
  if (dev !== undefined) address.dev = dev;
  if (draft.ccw) address['ccw-address'] = draft.ccw;
  walk.disks.unshift(address);
}

export async function isVirtualDisk(root: SystemRoot, devpath: string): Promise<boolean> {
  let real: string;
  try {
    real = await root.realpath(devpath);
  } catch (error) {
    throw errnoError(`realpath("${devpath}")`, error);
  }
  return real.includes('/devices/virtual/block/');
}

/**
 * build_guest_fsinfo_for_device: names the walk after the first device, then collects
 * the address of a real device, or recurses into the slaves of a virtual one (dm, md).
 */
export async function walkDevice(root: SystemRoot, devpath: string, walk: DeviceWalk): Promise<void> {
  let syspath: string;
  try {
    syspath = await root.realpath(devpath);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw errnoError(`realpath("${devpath}")`, error);
    // The device may be missing inside a container.
    walk.name ??= basename(devpath);
    return;
  }
  walk.name ??= basename(syspath);
  if (!(await isVirtualDisk(root, syspath))) {
    await addRealDevice(root, syspath, walk);
    return;
  }
  const slavesPath = `${syspath}/slaves`;
  let slaves;
  try {
    slaves = await root.listDir(slavesPath);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw errnoError(`opendir("${slavesPath}")`, error);
    return;
  }
  for (const slave of slaves) {
    if (slave.isSymbolicLink()) await walkDevice(root, `${syspath}/slaves/${slave.name}`, walk);
  }
}
