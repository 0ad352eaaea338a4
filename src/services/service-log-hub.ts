/**
 * Where service log records go. Every record is written to the agent's own log; records
 * of the loggers vt_agent streams ("avocado.service", "avocado.virttest" and their
 * children) also go to the sinks the client asked for with start_logger_client /
 * start_log_redirection (a socket receiver, the service.log file).
 */
import type { Logger } from '../core/logger.js';
import type { ServiceLogRecord } from './log-record.js';

export interface ServiceLogSink {
  /** Whether records of this logger name go to this sink. */
  accepts(loggerName: string): boolean;
  write(record: ServiceLogRecord): void;
  /** Flushes what is queued, then releases the socket or file. */
  close(): Promise<void>;
}

/** Logger-name prefixes (a name matches itself and its dotted children). */
export function loggerFilter(prefixes: readonly string[]): (name: string) => boolean {
  return (name) => prefixes.some((prefix) => name === prefix || name.startsWith(`${prefix}.`));
}

export class ServiceLogHub {
  private readonly sinks = new Map<string, ServiceLogSink>();

  constructor(private readonly agentLog: Logger) {}

  emit(record: ServiceLogRecord): void {
    const fields = { logger: record.name, func: record.funcName };
    const level = record.levelno;
    if (level >= 40) this.agentLog.error(fields, record.msg);
    else if (level >= 30) this.agentLog.warn(fields, record.msg);
    else if (level >= 20) this.agentLog.info(fields, record.msg);
    else this.agentLog.debug(fields, record.msg);
    for (const sink of this.sinks.values()) {
      if (!sink.accepts(record.name)) continue;
      try {
        sink.write(record);
      } catch (error) {
        this.agentLog.warn({ err: error instanceof Error ? error.message : String(error) }, 'a log sink failed');
      }
    }
  }

  /** Installs a sink under `key`, closing the one it replaces. */
  async setSink(key: string, sink: ServiceLogSink): Promise<void> {
    const previous = this.sinks.get(key);
    this.sinks.set(key, sink);
    await previous?.close();
  }

  async removeSink(key: string): Promise<boolean> {
    const sink = this.sinks.get(key);
    if (!sink) return false;
    this.sinks.delete(key);
    await sink.close();
    return true;
  }

  async close(): Promise<void> {
    const sinks = [...this.sinks.values()];
    this.sinks.clear();
    await Promise.all(sinks.map((sink) => sink.close()));
  }
}
