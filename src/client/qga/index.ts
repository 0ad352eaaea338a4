/** The QEMU guest agent client: connection, typed client, errors and protocol types. */
export * from './address.js';
export * from './errors.js';
export * from './types.js';
export { QgaConnection, NO_REPLY_COMMANDS, type QgaConnectionOptions, type QgaCallOptions, type QgaRetryOptions } from './connection.js';
export { QgaClient, type QgaClientOptions } from './client.js';
export type { ExecOptions, ExecResult } from './exec.js';
export { DEFAULT_CHUNK_SIZE, MAX_READ_CHUNK, type ReadFileOptions, type WriteFileOptions, type ProgressCallback } from './file-transfer.js';
