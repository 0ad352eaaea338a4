/**
 * The two wire forms of a streamed log record, both framed by a 4-byte big-endian
 * length:
 * - start_logger_client: what logging.handlers.SocketHandler.makePickle sends, a pickled
 *   dict of the LogRecord's attributes with `msg` formatted and `args`/`exc_info` None;
 * - start_log_redirection: the newer vt_agent's JSON object of the same fields plus
 *   `asctime`, with `exc_info` as a list of traceback lines when there was one.
 */
import { asctime, type ServiceLogRecord } from '../../../services/log-record.js';
import { pickleDumps } from './pickle-writer.js';

/** LogRecord attributes Python holds as floats even when whole. */
const FLOAT_FIELDS = new Set(['created', 'msecs', 'relativeCreated']);

function frame(payload: Buffer): Buffer {
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32BE(payload.length, 0);
  return Buffer.concat([header, payload]);
}

export function encodePickledRecord(record: ServiceLogRecord): Buffer {
  const fields = {
    name: record.name,
    msg: record.msg,
    args: null,
    levelname: record.levelname,
    levelno: record.levelno,
    pathname: record.pathname,
    filename: record.filename,
    module: record.module,
    exc_info: null,
    exc_text: record.exc_text,
    stack_info: record.stack_info,
    lineno: record.lineno,
    funcName: record.funcName,
    created: record.created,
    msecs: record.msecs,
    relativeCreated: record.relativeCreated,
    thread: record.thread,
    threadName: record.threadName,
    processName: record.processName,
    process: record.process,
  };
  return frame(pickleDumps(fields, FLOAT_FIELDS));
}

export function encodeJsonRecord(record: ServiceLogRecord): Buffer {
  const fields: Record<string, unknown> = {
    name: record.name,
    levelno: record.levelno,
    levelname: record.levelname,
    pathname: record.pathname,
    filename: record.filename,
    module: record.module,
    lineno: record.lineno,
    funcName: record.funcName,
    created: record.created,
    asctime: asctime(record),
    thread: record.thread,
    threadName: record.threadName,
    process: record.process,
    msg: record.msg,
    args: null,
  };
  if (record.exc_text) fields.exc_info = record.exc_text.split(/(?<=\n)/);
  if (record.stack_info) fields.stack_info = record.stack_info;
  return frame(Buffer.from(JSON.stringify(fields), 'utf8'));
}
