/**
 * guest-file-open's modes: exactly the fopen(3) spellings qemu-ga accepts, each mapped to
 * its open(2) flags. Like qemu-ga, files are opened non-blocking (a FIFO must not hang
 * the agent) and never become a controlling terminal.
 */
import { constants } from 'node:fs';
import { genericError } from '../../../core/errors.js';

const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND, O_NOCTTY, O_NONBLOCK } = constants;

export interface OpenMode {
  /** open(2) flags, O_CREAT included when the mode may create the file. */
  readonly flags: number;
  readonly creates: boolean;
  readonly append: boolean;
}

const READ = O_RDONLY;
const WRITE = O_WRONLY | O_CREAT | O_TRUNC;
const APPEND = O_WRONLY | O_CREAT | O_APPEND;
const READ_PLUS = O_RDWR;
const WRITE_PLUS = O_RDWR | O_CREAT | O_TRUNC;
const APPEND_PLUS = O_RDWR | O_CREAT | O_APPEND;

const FLAGS_BY_MODE: Readonly<Record<string, number>> = {
  r: READ,
  rb: READ,
  w: WRITE,
  wb: WRITE,
  a: APPEND,
  ab: APPEND,
  'r+': READ_PLUS,
  'rb+': READ_PLUS,
  'r+b': READ_PLUS,
  'w+': WRITE_PLUS,
  'wb+': WRITE_PLUS,
  'w+b': WRITE_PLUS,
  'a+': APPEND_PLUS,
  'ab+': APPEND_PLUS,
  'a+b': APPEND_PLUS,
};

export function parseOpenMode(mode: string): OpenMode {
  const base = Object.prototype.hasOwnProperty.call(FLAGS_BY_MODE, mode) ? FLAGS_BY_MODE[mode] : undefined;
  if (base === undefined) throw genericError(`invalid file open mode '${mode}'`);
  return {
    flags: base | O_NOCTTY | O_NONBLOCK,
    creates: (base & O_CREAT) !== 0,
    append: (base & O_APPEND) !== 0,
  };
}
