/**
 * What libudev tells qemu-ga about a sysfs device, read the way libudev reads it: the
 * device must resolve to a folder with a "uevent" file; its properties are the uevent
 * ones overlaid with udev's database (/run/udev/data/b<major>:<minor>); the device node
 * is "/dev/" + DEVNAME.
 */
import { basename } from 'node:path';
import type { SystemRoot } from './system-root.js';

export interface UdevDevice {
  readonly syspath: string;
  readonly properties: ReadonlyMap<string, string>;
  readonly devnode: string | undefined;
}

function parseKeyValueLines(text: string, prefix = ''): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const body = line.slice(prefix.length);
    const equals = body.indexOf('=');
    if (equals > 0) pairs.push([body.slice(0, equals), body.slice(equals + 1)]);
  }
  return pairs;
}

/** udev_device_new_from_syspath + property lookup; undefined where libudev returns NULL. */
export async function udevDevice(root: SystemRoot, syspath: string): Promise<UdevDevice | undefined> {
  let real: string;
  try {
    real = await root.realpath(syspath);
  } catch {
    return undefined;
  }
  if (!real.startsWith('/sys/')) return undefined;
  const uevent = await root.tryReadText(`${real}/uevent`);
  if (uevent === undefined) return undefined;
  const properties = new Map<string, string>(parseKeyValueLines(uevent));
  const major = properties.get('MAJOR');
  const minor = properties.get('MINOR');
  if (major !== undefined && minor !== undefined) {
    let subsystem: string | undefined;
    try {
      subsystem = basename(await root.readlink(`${real}/subsystem`));
    } catch {
      subsystem = undefined;
    }
    const kind = subsystem === 'block' ? 'b' : 'c';
    const database = await root.tryReadText(`/run/udev/data/${kind}${major}:${minor}`);
    if (database !== undefined) for (const [key, value] of parseKeyValueLines(database, 'E:')) properties.set(key, value);
  }
  const devname = properties.get('DEVNAME');
  const devnode = devname === undefined ? undefined : devname.startsWith('/') ? devname : `/dev/${devname}`;
  return { syspath: real, properties, devnode };
}

export async function devnodeOf(root: SystemRoot, syspath: string): Promise<string | undefined> {
  return (await udevDevice(root, syspath))?.devnode;
}
