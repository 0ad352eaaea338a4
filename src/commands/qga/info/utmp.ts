/**
 * The utmp file (/var/run/utmp) as glibc's getutxent(3) reads it on Linux: fixed
 * 384-byte records (struct utmp with 32-bit time fields, the layout of every 64-bit and
 * 32-bit Linux ABI glibc supports).
 */
export const UTMP_RECORD_SIZE = 384;
export const USER_PROCESS = 7;

const OFFSET = {
  type: 0,
  pid: 4,
  line: 8,
  id: 40,
  user: 44,
  host: 76,
  session: 336,
  tvSec: 340,
  tvUsec: 344,
} as const;

export interface UtmpRecord {
  readonly type: number;
  readonly pid: number;
  readonly line: string;
  readonly user: string;
  readonly host: string;
  readonly tvSec: number;
  readonly tvUsec: number;
}

/**
 * A C string starting at `start`: ut_user is not always NUL-terminated, and qemu-ga's
 * strdup then runs on into the following fields, so the record end is the only bound.
 */
function cString(record: Buffer, start: number): string {
  const end = record.indexOf(0, start);
  return record.toString('utf8', start, end < 0 ? record.length : end);
}

/** Parses whole records; a trailing partial record is ignored, as glibc does. */
export function parseUtmp(data: Buffer): UtmpRecord[] {
  const records: UtmpRecord[] = [];
  for (let offset = 0; offset + UTMP_RECORD_SIZE <= data.length; offset += UTMP_RECORD_SIZE) {
    const record = data.subarray(offset, offset + UTMP_RECORD_SIZE);
    records.push({
      type: record.readInt16LE(OFFSET.type),
      pid: record.readInt32LE(OFFSET.pid),
      line: cString(record.subarray(0, OFFSET.id), OFFSET.line),
      user: cString(record, OFFSET.user),
      host: cString(record.subarray(0, OFFSET.host + 256), OFFSET.host),
      tvSec: record.readInt32LE(OFFSET.tvSec),
      tvUsec: record.readInt32LE(OFFSET.tvUsec),
    });
  }
  return records;
}

/** Builds one record (for tests and tools). */
export function encodeUtmpRecord(fields: { type: number; pid?: number; line?: string; user?: string; host?: string; tvSec?: number; tvUsec?: number }): Buffer {
  const record = Buffer.alloc(UTMP_RECORD_SIZE);
  record.writeInt16LE(fields.type, OFFSET.type);
  record.writeInt32LE(fields.pid ?? 0, OFFSET.pid);
  record.write((fields.line ?? '').slice(0, 32), OFFSET.line, 32, 'utf8');
  record.write((fields.user ?? '').slice(0, 32), OFFSET.user, 32, 'utf8');
  record.write((fields.host ?? '').slice(0, 256), OFFSET.host, 256, 'utf8');
  record.writeInt32LE(fields.tvSec ?? 0, OFFSET.tvSec);
  record.writeInt32LE(fields.tvUsec ?? 0, OFFSET.tvUsec);
  return record;
}
