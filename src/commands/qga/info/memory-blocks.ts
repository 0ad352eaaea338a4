/**
 * guest-get-memory-blocks and guest-get-memory-block-info, from
 * /sys/devices/system/memory, with qemu-ga's error texts.
 */
import { genericError } from '../../../core/errors.js';
import { errnoCode, errnoError } from './errno-text.js';
import type { SystemRoot } from './system-root.js';

export interface GuestMemoryBlock {
  'phys-index': number;
  online: boolean;
  'can-offline'?: boolean;
}

const MEMORY_DIR = '/sys/devices/system/memory/';

/** qemu-ga's ga_read_sysfs_file: the first `size` bytes, errors worded by the file name. */
async function readSysfsFile(root: SystemRoot, dirPath: string, name: string, size: number): Promise<Buffer> {
  let data: Buffer;
  try {
    data = await root.readBytes(dirPath + name);
  } catch (error) {
    throw errnoError(`open sysfs file "${name}"`, error);
  }
  if (data.length === 0) throw genericError(`pread sysfs file "${name}": unexpected EOF`);
  return data.subarray(0, size);
}

async function readMemoryBlock(root: SystemRoot, physIndex: number): Promise<GuestMemoryBlock> {
  const dirPath = `${MEMORY_DIR}memory${physIndex}/`;
  try {
    await root.checkDirectory(dirPath);
  } catch (error) {
    throw errnoError(`open("${dirPath}")`, error);
  }
  let state: Buffer;
  try {
    state = await readSysfsFile(root, dirPath, 'state', 10);
  } catch (error) {
    // A kernel without the "state" file: always online.
    if (errnoCode((error as Error).cause) === 'ENOENT') return { 'phys-index': physIndex, online: true, 'can-offline': false };
    throw error;
  }
  const online = state.toString('latin1').startsWith('online');
  let canOffline: boolean;
  try {
    canOffline = (await readSysfsFile(root, dirPath, 'removable', 1))[0] !== 0x30;
  } catch (error) {
    if (errnoCode((error as Error).cause) !== 'ENOENT') throw error;
    canOffline = false;
  }
  return { 'phys-index': physIndex, online, 'can-offline': canOffline };
}

/** strtoul(name + 6, NULL, 10) */
function physIndexOf(name: string): number {
  const match = /^[ \t\n\r\f\v]*\+?(\d+)/.exec(name.slice(6));
  return match ? Number(match[1]) : 0;
}

export async function getMemoryBlocks(root: SystemRoot): Promise<GuestMemoryBlock[]> {
  let entries;
  try {
    entries = await root.listDir(MEMORY_DIR);
  } catch (error) {
    // No memory blocks in sysfs is fine; anything else is reported.
    if (errnoCode(error) === 'ENOENT') return [];
    throw errnoError(`Can't open directory"${MEMORY_DIR}"`, error);
  }
  const blocks: GuestMemoryBlock[] = [];
  for (const entry of entries) {
    if (!entry.name.startsWith('memory') || !entry.isDirectory()) continue;
    blocks.push(await readMemoryBlock(root, physIndexOf(entry.name)));
  }
  if (blocks.length === 0) throw genericError('guest reported zero memory blocks!');
  return blocks;
}

export async function getMemoryBlockInfo(root: SystemRoot): Promise<{ size: number }> {
  try {
    await root.checkDirectory(MEMORY_DIR);
  } catch (error) {
    throw errnoError(`open("${MEMORY_DIR}")`, error);
  }
  const text = (await readSysfsFile(root, MEMORY_DIR, 'block_size_bytes', 20)).toString('latin1');
  // strtol(buf, NULL, 16)
  const match = /^[ \t\n\r\f\v]*([+-]?)(?:0[xX])?([0-9a-fA-F]+)/.exec(text);
  const size = match ? Number.parseInt(match[2] ?? '0', 16) * (match[1] === '-' ? -1 : 1) : 0;
  return { size };
}
