/**
 * The daemon's logger: JSON lines (pino) to stderr or appended to the log file, at
 * debug level with --verbose. reopen() starts a new file after logrotate moved the old
 * one away (on SIGHUP).
 */
import { pino, destination as pinoDestination } from 'pino';
import type { Logger } from '../core/logger.js';

export interface AgentLogger {
  readonly log: Logger;
  reopen(): void;
  /** Writes out what is buffered; call before the process exits. */
  flush(): void;
}

export function createAgentLogger(options: { file: string | undefined; verbose: boolean }): AgentLogger {
  const destination = options.file
    ? pinoDestination({ dest: options.file, append: true, mkdir: true, sync: false })
    : pinoDestination({ fd: 2, sync: false });
  const log = pino({ name: 'hostlink-agent', level: options.verbose ? 'debug' : 'info', base: { pid: process.pid } }, destination);
  return {
    log,
    reopen() {
      if (options.file) destination.reopen();
    },
    flush() {
      try {
        destination.flushSync();
      } catch {
        // not opened yet, or stderr gone: nothing more to do
      }
    },
  };
}
