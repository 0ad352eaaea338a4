/**
 * `hostlink qga cat PATH`, `get REMOTE LOCAL`, `put LOCAL REMOTE`.
 *
 * get and put check the copy with SHA-256: the hash of the bytes sent or received here
 * is compared with the hash of the guest file, computed inside the guest by
 * `sha256sum` through guest-exec when the agent allows it (no second transfer), else by
 * reading the guest file back. `--no-verify` skips the check. get writes to a
 * temporary file beside LOCAL and renames it only once the copy is complete and checked.
 */
import type { Command } from 'commander';
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { QgaClient } from '../../client/index.js';
import { QgaError } from '../../client/index.js';
import { qgaAction, UsageError } from './context.js';
import { json } from './format.js';
import { writeOut } from './io.js';
import { progressBar } from './progress.js';

export function addFileCommands(qga: Command): void {
  qga
    .command('cat')
    .description('print a guest file')
    .argument('<path>', 'file in the guest')
    .option('--chunk-size <size>', 'bytes per agent call, e.g. 4M (default 4M, at most 48M)')
    .action(
      qgaAction(async (run, path: string) => {
        for await (const chunk of run.client.readFileChunks(path, { chunkSize: chunkSize(run.options.chunkSize) })) await writeOut(process.stdout, chunk);
      }),
    );

  qga
    .command('get')
    .description('copy a file from the guest (progress on a terminal, SHA-256 checked)')
    .argument('<remote>', 'file in the guest')
    .argument('<local>', 'file here (or a folder to copy into)')
    .option('--chunk-size <size>', 'bytes per agent call, e.g. 16M (default 4M, at most 48M)')
    .option('--no-verify', 'skip the SHA-256 check')
    .action(
      qgaAction(async (run, remote: string, local: string) => {
        const target = (await isDirectory(local)) ? join(local, basename(remote)) : local;
        const partial = join(dirname(target), `.${basename(target)}.hostlink-part`);
        const hash = createHash('sha256');
        const progress = progressBar(`get ${remote}`);
        const output = createWriteStream(partial);
        let bytes = 0;
        try {
          for await (const chunk of run.client.readFileChunks(remote, { chunkSize: chunkSize(run.options.chunkSize), onProgress: (done, total) => progress.update(done, total) })) {
            hash.update(chunk);
            bytes += chunk.length;
            if (!output.write(chunk)) await new Promise<void>((resolve) => output.once('drain', () => resolve()));
          }
          output.end();
          await finished(output);
          progress.finish();
          const digest = hash.digest('hex');
          const check = run.options.verify === false ? undefined : await verify(run.client, remote, digest);
          await rename(partial, target);
          run.out(run.json ? json({ path: target, bytes, sha256: digest, verified: check ?? false }) : `${remote} -> ${target}: ${bytes} bytes, sha256 ${digest}${check ? ` (checked by ${check})` : ''}`);
        } catch (error) {
          output.destroy();
          await rm(partial, { force: true });
          throw error;
        }
      }),
    );

  qga
    .command('put')
    .description('copy a file into the guest (progress on a terminal, SHA-256 checked)')
    .argument('<local>', 'file here')
    .argument('<remote>', 'file in the guest (replaced)')
    .option('--chunk-size <size>', 'bytes per agent call, e.g. 16M (default 4M)')
    .option('--append', 'append to the guest file instead of replacing it (no check)')
    .option('--no-verify', 'skip the SHA-256 check')
    .action(
      qgaAction(async (run, local: string, remote: string) => {
        let size: number;
        try {
          const info = await stat(local);
          if (!info.isFile()) throw new UsageError(`${local} is not a regular file`);
          size = info.size;
        } catch (error) {
          if (error instanceof UsageError) throw error;
          throw new UsageError(`cannot read ${local}: ${(error as Error).message}`);
        }
        const hash = createHash('sha256');
        const progress = progressBar(`put ${remote}`);
        const append = run.options.append === true;
        const bytes = await run.client.writeFile(remote, hashing(createReadStream(local), hash), {
          chunkSize: chunkSize(run.options.chunkSize),
          mode: append ? 'a' : 'w',
          onProgress: (done) => progress.update(done, size),
        });
        progress.finish();
        const digest = hash.digest('hex');
        const check = run.options.verify === false || append ? undefined : await verify(run.client, remote, digest);
        run.out(run.json ? json({ path: remote, bytes, sha256: digest, verified: check ?? false }) : `${local} -> ${remote}: ${bytes} bytes, sha256 ${digest}${check ? ` (checked by ${check})` : ''}`);
      }),
    );
}

/** Passes chunks through while hashing them. */
async function* hashing(source: AsyncIterable<Buffer>, hash: Hash): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    hash.update(chunk);
    yield chunk;
  }
}

/**
 * Compares `expected` with the guest file's SHA-256; returns how it was computed, or
 * throws when they differ.
 */
async function verify(client: QgaClient, remote: string, expected: string): Promise<string> {
  let actual: string | undefined;
  let how = 'sha256sum in the guest';
  if (await client.supports('guest-exec')) {
    const result = await client.exec(['sha256sum', '--', remote]).catch(() => undefined);
    if (result?.exitCode === 0) actual = /^\\?([0-9a-f]{64})/.exec(result.stdout.toString('utf8'))?.[1];
  }
  if (actual === undefined) {
    how = 'reading it back';
    const hash = createHash('sha256');
    for await (const chunk of client.readFileChunks(remote)) hash.update(chunk);
    actual = hash.digest('hex');
  }
  if (actual !== expected) {
    throw new QgaError('GenericError', `SHA-256 mismatch for ${remote} (here ${expected}, in the guest ${actual}): did the file change during the copy? Copy it again`);
  }
  return how;
}

/** "4M", "512K", "1048576" -> bytes. */
export function chunkSize(text: unknown): number | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d+)\s*([kmg]?)(i?b)?$/i.exec(String(text));
  if (!match) throw new UsageError(`--chunk-size takes a size like 4M or 65536, not "${String(text)}"`);
  const factor = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  const bytes = Number(match[1]) * factor;
  if (bytes < 1 || bytes > 48 * 1024 * 1024) throw new UsageError('--chunk-size must be from 1 byte to 48M');
  return bytes;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
