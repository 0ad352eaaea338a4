/**
 * The service.log file vt_agent keeps while a log client is attached: one line per
 * record in vt_agent's LOG_FORMAT.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { formatLogLine, type ServiceLogRecord } from '../../../services/log-record.js';
import type { ServiceLogSink } from '../../../services/service-log-hub.js';

export class FileLogSink implements ServiceLogSink {
  private readonly stream: WriteStream;

  constructor(
    path: string,
    private readonly filter: (loggerName: string) => boolean,
  ) {
    this.stream = createWriteStream(path, { flags: 'a', mode: 0o640 });
    // A full disk must not take the agent down; the record is lost, the call goes on.
    this.stream.on('error', () => undefined);
  }

  accepts(loggerName: string): boolean {
    return this.filter(loggerName);
  }

  write(record: ServiceLogRecord): void {
    this.stream.write(formatLogLine(record));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(() => resolve()));
  }
}
