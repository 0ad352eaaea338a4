/** Structured logging (pino), JSON lines to stderr or a log file. */
import { pino, destination as pinoDestination, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

export interface LoggerOptions {
  level?: string;
  /** Append to this file instead of writing to stderr. */
  file?: string;
  name?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.file
    ? pinoDestination({ dest: options.file, append: true, mkdir: true, sync: false })
    : pinoDestination({ fd: 2, sync: false });
  return pino({ name: options.name ?? 'hostlink', level: options.level ?? 'info', base: { pid: process.pid } }, destination);
}

/** A logger that drops everything; for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
