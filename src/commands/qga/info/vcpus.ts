/**
 * guest-get-vcpus: every cpuN folder of /sys/devices/system/cpu in directory order; a CPU
 * without an "online" file (usually cpu0) is online and cannot be taken offline.
 */
import { genericError } from '../../../core/errors.js';
import { errnoCode, errnoError } from './errno-text.js';
import type { SystemRoot } from './system-root.js';

export interface GuestLogicalProcessor {
  'logical-id': number;
  online: boolean;
  'can-offline'?: boolean;
}

const CPU_DIR = '/sys/devices/system/cpu';

/** sscanf(name, "cpu%ld"): the id when the name is "cpu" followed by a (signed) number. */
function cpuId(name: string): number | undefined {
  const match = /^cpu[ \t\n\r\f\v]*([+-]?\d+)/.exec(name);
  return match ? Number(match[1]) : undefined;
}

async function readCpu(root: SystemRoot, id: number): Promise<GuestLogicalProcessor> {
  const dirPath = `${CPU_DIR}/cpu${id}/`;
  try {
    await root.checkDirectory(dirPath);
  } catch (error) {
    throw errnoError(`open("${dirPath}")`, error);
  }
  let status: Buffer;
  try {
    status = await root.readBytes(`${dirPath}online`);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return { 'logical-id': id, online: true, 'can-offline': false };
    throw errnoError(`open("${dirPath}/online")`, error);
  }
  if (status.length === 0) throw genericError(`pread("${dirPath}/online"): unexpected EOF`);
  return { 'logical-id': id, online: status[0] !== 0x30, 'can-offline': true };
}

export async function getVcpus(root: SystemRoot): Promise<GuestLogicalProcessor[]> {
  let entries;
  try {
    entries = await root.listDir(CPU_DIR);
  } catch (error) {
    throw errnoError(`failed to list entries: ${CPU_DIR}`, error);
  }
  const vcpus: GuestLogicalProcessor[] = [];
  for (const entry of entries) {
    const id = cpuId(entry.name);
    if (id !== undefined) vcpus.push(await readCpu(root, id));
  }
  return vcpus;
}
