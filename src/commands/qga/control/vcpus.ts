/**
 * guest-set-vcpus: each vCPU's /sys/devices/system/cpu/cpuN/online set to 0 or 1 (under
 * `rootDir`), with qemu-ga's texts. It stops at the first failure and returns how many
 * were handled; a failure on the first one is the reply instead.
 */
import { open } from 'node:fs/promises';
import { genericError } from '../../../core/errors.js';
import { errnoCode, errnoError } from '../info/errno-text.js';
import type { SystemRoot } from '../info/system-root.js';

export interface VcpuRequest {
  readonly 'logical-id': number | bigint;
  readonly online: boolean;
}

async function setOne(root: SystemRoot, vcpu: VcpuRequest): Promise<void> {
  const id = String(vcpu['logical-id']);
  const dirPath = `/sys/devices/system/cpu/cpu${id}/`;
  try {
    await root.checkDirectory(dirPath);
  } catch (error) {
    throw errnoError(`open("${dirPath}")`, error);
  }
  // qemu-ga joins with "%s/%s" after a path that already ends in '/'.
  const shown = `${dirPath}/online`;
  let file;
  try {
    file = await open(root.resolve(`${dirPath}online`), 'r+');
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw errnoError(`open("${shown}")`, error);
    // No "online" file: the CPU cannot be taken offline (cpu0, usually).
    if (!vcpu.online) throw genericError(`logical processor #${id} can't be offlined`);
    return;
  }
  try {
    const status = Buffer.alloc(1);
    let bytesRead: number;
    try {
      ({ bytesRead } = await file.read(status, 0, 1, 0));
    } catch (error) {
      throw errnoError(`pread("${shown}")`, error);
    }
    if (bytesRead === 0) throw genericError(`pread("${shown}"): unexpected EOF`);
    const online = status[0] !== 0x30;
    if (online === vcpu.online) return;
    try {
      await file.write(vcpu.online ? '1' : '0', 0);
    } catch (error) {
      throw errnoError(`pwrite("${shown}")`, error);
    }
  } finally {
    await file.close();
  }
}

export async function setVcpus(root: SystemRoot, vcpus: readonly VcpuRequest[]): Promise<number> {
  let processed = 0;
  for (const vcpu of vcpus) {
    try {
      await setOne(root, vcpu);
    } catch (error) {
      if (processed === 0) throw error;
      break;
    }
    processed++;
  }
  return processed;
}
