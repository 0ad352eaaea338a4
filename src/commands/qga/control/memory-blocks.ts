/**
 * guest-set-memory-blocks: each block's /sys/devices/system/memory/memoryN/state set to
 * "online" or "offline" (under `rootDir`), one response per block with qemu-ga's codes,
 * quirks included (a block without a state file asked to be online answers "success"
 * with the errno of the missing file).
 */
import { constants } from 'node:os';
import { readFile, writeFile } from 'node:fs/promises';
import { errnoCode } from '../info/errno-text.js';
import type { SystemRoot } from '../info/system-root.js';

export interface MemoryBlockRequest {
  readonly 'phys-index': number | bigint;
  readonly online: boolean;
}

export type MemoryBlockResponseType = 'success' | 'not-found' | 'operation-not-supported' | 'operation-failed';

export interface MemoryBlockResponse {
  'phys-index': number | bigint;
  response: MemoryBlockResponseType;
  'error-code'?: number;
}

const MEMORY_DIR = '/sys/devices/system/memory/';

function errnoNumber(error: unknown): number {
  const code = errnoCode(error);
  return code ? (constants.errno[code as keyof typeof constants.errno] ?? 0) : 0;
}

async function setOne(root: SystemRoot, block: MemoryBlockRequest): Promise<MemoryBlockResponse> {
  const physIndex = block['phys-index'];
  const failed = (response: MemoryBlockResponseType, error: unknown): MemoryBlockResponse => ({
    'phys-index': physIndex,
    response,
    'error-code': errnoNumber(error),
  });
  try {
    await root.checkDirectory(MEMORY_DIR);
  } catch (error) {
    // No memory folder: the guest cannot hot-plug memory.
    return failed(errnoCode(error) === 'ENOENT' ? 'operation-not-supported' : 'success', error);
  }
  const dirPath = `${MEMORY_DIR}memory${String(physIndex)}/`;
  try {
    await root.checkDirectory(dirPath);
  } catch (error) {
    return failed(errnoCode(error) === 'ENOENT' ? 'not-found' : 'operation-failed', error);
  }
  let state: Buffer;
  try {
    state = await readFile(root.resolve(`${dirPath}state`));
    if (state.length === 0) return { 'phys-index': physIndex, response: 'operation-failed', 'error-code': 0 };
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') return failed('operation-failed', error);
    return failed(block.online ? 'success' : 'operation-not-supported', error);
  }
  const online = state.subarray(0, 10).toString('latin1').startsWith('online');
  if (online !== block.online) {
    try {
      await writeFile(root.resolve(`${dirPath}state`), block.online ? 'online' : 'offline', { flag: 'r+' });
    } catch (error) {
      return failed('operation-failed', error);
    }
  }
  return { 'phys-index': physIndex, response: 'success' };
}

export async function setMemoryBlocks(root: SystemRoot, blocks: readonly MemoryBlockRequest[]): Promise<MemoryBlockResponse[]> {
  const responses: MemoryBlockResponse[] = [];
  for (const block of blocks) responses.push(await setOne(root, block));
  return responses;
}
