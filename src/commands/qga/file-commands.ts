/**
 * guest-file-open, -close, -read, -write, -seek and -flush, as qemu-ga 7.2 answers them.
 * Handles are shared by every client of the agent and numbered from the fd_counter kept
 * in `<stateDir>/qga.state`, so a restarted agent never hands out a number twice.
 */
import { join } from 'node:path';
import { HandleTable, PersistentHandleCounter } from '../../core/file-handles.js';
import { genericError } from '../../core/errors.js';
import { defineCommand, type CommandDefinition } from '../../core/registry.js';
import { t } from '../../core/schema.js';
import { GuestFile, handleNotFound } from './file/guest-file.js';
import { checkWhenceArgument, toWhence } from './file/whence.js';
import type { QgaCommandOptions } from './index.js';
import { qbase64Decode } from './qbase64.js';

/** qemu-ga's default read size (QGA_READ_COUNT_DEFAULT). */
export const READ_COUNT_DEFAULT = 4096;
/** 48 MiB: with base64's 4/3 it stays under QEMU's 64 MiB JSON limit. */
export const READ_COUNT_MAX = 48 * 1024 * 1024;

export interface FileCommandSet {
  readonly definitions: CommandDefinition[];
  readonly files: HandleTable<GuestFile>;
  /** Closes every open handle (agent shutdown, tests). */
  closeAll(): Promise<void>;
}

/** Integers arrive as number, or bigint beyond 2^53. */
type WireInt = number | bigint;

function invalidCount(count: WireInt): Error {
  return genericError(`value '${String(count)}' is invalid for argument count`);
}

export function createFileCommandSet(options: Pick<QgaCommandOptions, 'stateDir'>): FileCommandSet {
  const files = new HandleTable<GuestFile>(new PersistentHandleCounter(join(options.stateDir, 'qga.state')));

  const find = (handle: WireInt): GuestFile => {
    const file = files.get(handle);
    if (!file) throw handleNotFound(handle);
    return file;
  };

  const definitions = [
    defineCommand({
      name: 'guest-file-open',
      description: 'Open a file in the guest and return its handle',
      args: t.struct({ path: t.str(), mode: t.optional(t.str()) }),
      handler: async ({ path, mode }) => {
        const file = await GuestFile.open(path, mode ?? 'r');
        try {
          return await files.add(file);
        } catch (error) {
          await file.dispose();
          throw genericError((error as Error).message, { cause: error });
        }
      },
    }),
    defineCommand({
      name: 'guest-file-close',
      description: 'Close an open file handle',
      args: t.struct({ handle: t.int() }),
      handler: async ({ handle }) => {
        const file = find(handle);
        await file.close();
        files.delete(handle);
        return {};
      },
    }),
    defineCommand({
      name: 'guest-file-read',
      description: 'Read from an open file handle (base64)',
      args: t.struct({ handle: t.int(), count: t.optional(t.int()) }),
      handler: async ({ handle, count }) => {
        const file = find(handle);
        const wanted: WireInt = count ?? READ_COUNT_DEFAULT;
        if (wanted < 0 || wanted > READ_COUNT_MAX) throw invalidCount(wanted);
        const { data, eof } = await file.read(Number(wanted));
        return { count: data.length, 'buf-b64': data.toString('base64'), eof };
      },
    }),
    defineCommand({
      name: 'guest-file-write',
      description: 'Write base64 data to an open file handle',
      args: t.struct({ handle: t.int(), 'buf-b64': t.str(), count: t.optional(t.int()) }),
      handler: async (args) => {
        const file = find(args.handle);
        const data = qbase64Decode(args['buf-b64']);
        const count: WireInt = args.count ?? data.length;
        if (count < 0 || count > data.length) throw invalidCount(count);
        const written = await file.write(data.subarray(0, Number(count)));
        return { count: written, eof: false };
      },
    }),
    defineCommand({
      name: 'guest-file-seek',
      description: 'Move the position of an open file handle',
      args: t.struct({ handle: t.int(), offset: t.int(), whence: t.any() }),
      handler: async ({ handle, offset, whence }) => {
        const code = checkWhenceArgument(whence);
        const file = find(handle);
        const position = await file.seek(offset, toWhence(code));
        return { position, eof: false };
      },
    }),
    defineCommand({
      name: 'guest-file-flush',
      description: 'Flush an open file handle',
      args: t.struct({ handle: t.int() }),
      handler: async ({ handle }) => {
        await find(handle).flush();
        return {};
      },
    }),
  ];

  return {
    definitions,
    files,
    async closeAll() {
      await Promise.all([...files.values()].map((file) => file.dispose()));
    },
  };
}

export function fileCommands(options: QgaCommandOptions): CommandDefinition[] {
  return createFileCommandSet(options).definitions;
}
