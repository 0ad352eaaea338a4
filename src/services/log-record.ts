/**
 * A service log record with the fields of Python's logging.LogRecord, so records from
 * JavaScript services and from Python services look alike to the receivers vt_agent
 * clients run (logging.makeLogRecord on the other end).
 */
import { basename, extname } from 'node:path';
import { formatWithOptions } from 'node:util';

export interface ServiceLogRecord {
  readonly name: string;
  readonly levelno: number;
  readonly levelname: string;
  /** The message, already formatted (args applied), as SocketHandler sends it. */
  readonly msg: string;
  readonly pathname: string;
  readonly filename: string;
  readonly module: string;
  readonly lineno: number;
  readonly funcName: string;
  /** Seconds since the epoch (a float, as time.time()). */
  readonly created: number;
  readonly msecs: number;
  readonly relativeCreated: number;
  readonly thread: number;
  readonly threadName: string;
  readonly process: number;
  readonly processName: string;
  readonly exc_text: string | null;
  readonly stack_info: string | null;
}

export const LEVELS = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 } as const;
export type LevelName = keyof typeof LEVELS;

export function levelName(levelno: number): string {
  if (levelno >= 50) return 'CRITICAL';
  if (levelno >= 40) return 'ERROR';
  if (levelno >= 30) return 'WARNING';
  if (levelno >= 20) return 'INFO';
  if (levelno >= 10) return 'DEBUG';
  return 'NOTSET';
}

const startTime = Date.now();

/**
 * Python's %-formatting for log calls (`log.info("booted %s in %d s", name, 3)`):
 * %s %d %i %f %r %% ; anything else is left as written. Extra args are appended, as
 * util.format does, rather than raising as Python would.
 */
export function formatLogMessage(message: unknown, args: readonly unknown[]): string {
  const text = typeof message === 'string' ? message : formatWithOptions({ breakLength: Infinity }, '%O', message);
  if (args.length === 0) return text;
  let index = 0;
  const formatted = text.replace(/%([sdifr%])/g, (whole, spec: string) => {
    if (spec === '%') return '%';
    if (index >= args.length) return whole;
    const arg = args[index++];
    switch (spec) {
      case 'd':
      case 'i':
        return String(Math.trunc(Number(arg)));
      case 'f':
        return Number(arg).toFixed(6);
      case 'r':
        return typeof arg === 'string' ? `'${arg}'` : formatWithOptions({ breakLength: Infinity }, '%O', arg);
      default:
        return typeof arg === 'string' ? arg : formatWithOptions({ breakLength: Infinity }, '%O', arg);
    }
  });
  const rest = args.slice(index).map((arg) => (typeof arg === 'string' ? arg : formatWithOptions({ breakLength: Infinity }, '%O', arg)));
  return rest.length > 0 ? `${formatted} ${rest.join(' ')}` : formatted;
}

export interface RecordSource {
  readonly logger: string;
  readonly pathname: string;
  readonly funcName: string;
}

/** A record made in this process (JavaScript services, the agent itself). */
export function makeRecord(source: RecordSource, levelno: number, msg: string, excText: string | null = null): ServiceLogRecord {
  const now = Date.now();
  return {
    name: source.logger,
    levelno,
    levelname: levelName(levelno),
    msg,
    pathname: source.pathname,
    filename: basename(source.pathname),
    module: basename(source.pathname, extname(source.pathname)),
    lineno: 0,
    funcName: source.funcName,
    created: now / 1000,
    msecs: now % 1000,
    relativeCreated: now - startTime,
    thread: 0,
    threadName: 'MainThread',
    process: process.pid,
    processName: 'MainProcess',
    exc_text: excText,
    stack_info: null,
  };
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** Python logging's default asctime: "2025-01-31 12:34:56,789" in local time. */
export function asctime(record: ServiceLogRecord): string {
  const date = new Date(record.created * 1000);
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())},${pad(Math.floor(record.msecs), 3)}`
  );
}

/** vt_agent's LOG_FORMAT: "%(asctime)s %(name)s %(levelname)-5.5s| %(message)s". */
export function formatLogLine(record: ServiceLogRecord): string {
  const level = record.levelname.slice(0, 5).padEnd(5);
  const exc = record.exc_text ? `\n${record.exc_text}` : '';
  return `${asctime(record)} ${record.name} ${level}| ${record.msg}${exc}\n`;
}
