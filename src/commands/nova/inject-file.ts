/**
 * injectfile: base64 of "PATH,CONTENTS", split at the first comma (the contents may hold
 * commas and any bytes). Missing folders are created (0755); an existing file keeps its
 * mode and owner, a new one is 0644; the file is replaced atomically. Only the path is
 * logged, never the contents.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { genericError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { replaceFile } from '../common/replace-file.js';
import { confinedPath } from './confined-path.js';
import { decodeStrictBase64 } from './strict-base64.js';

export async function injectFile(rootDir: string, value: unknown, log: Logger): Promise<void> {
  const data = typeof value === 'string' ? decodeStrictBase64(value) : undefined;
  if (!data) throw genericError("Couldn't decode base64 data");
  const comma = data.indexOf(0x2c);
  if (comma < 0) throw genericError('Invalid data received: expected "path,contents"');
  const logical = data.subarray(0, comma).toString('utf8');
  const contents = data.subarray(comma + 1);
  const path = await confinedPath(rootDir, logical);
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    await replaceFile(path, contents, { newFileMode: 0o644 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw genericError(`Couldn't write ${logical}: ${code}`);
  }
  log.info({ path: logical, bytes: contents.length }, 'injectfile wrote a file');
}
