/**
 * start_logger_client / start_log_redirection and their stop calls: attach the client's
 * log receiver (and the service.log file, which vt_agent starts afresh each time) to
 * the service log hub.
 */
import { rm } from 'node:fs/promises';
import { isIP } from 'node:net';
import { HostlinkError } from '../../core/errors.js';
import { loggerFilter, type ServiceLogHub } from '../../services/service-log-hub.js';
import type { VtDataDir } from './data-dir.js';
import { FileLogSink } from './logging/file-log-sink.js';
import { encodeJsonRecord, encodePickledRecord } from './logging/record-encoders.js';
import { SocketLogSink } from './logging/socket-log-sink.js';

export type LogClientKind = 'pickle' | 'json';

/** Which loggers each kind streams: the old API sends avocado.service, the newer one avocado.virttest too. */
const STREAMED_LOGGERS: Readonly<Record<LogClientKind, readonly string[]>> = {
  pickle: ['avocado.service'],
  json: ['avocado.service', 'avocado.virttest'],
};

const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}[A-Za-z0-9])?$/;

function checkHost(host: string): string {
  if (isIP(host) !== 0 || HOST_NAME.test(host)) return host;
  throw new HostlinkError('InvalidParameter', `Invalid host parameter: ${host}`, { data: { excType: 'ValueError' } });
}

function checkPort(port: number): number {
  if (port < 1 || port > 65535) throw new HostlinkError('InvalidParameter', `Invalid port parameter: ${port}`, { data: { excType: 'ValueError' } });
  return port;
}

export class LogClients {
  constructor(
    private readonly hub: ServiceLogHub,
    private readonly dataDir: VtDataDir,
  ) {}

  async start(kind: LogClientKind, host: string, port: number): Promise<void> {
    const accepts = loggerFilter(STREAMED_LOGGERS[kind]);
    const sink = new SocketLogSink({
      host: checkHost(host),
      port: checkPort(port),
      accepts,
      encode: kind === 'pickle' ? encodePickledRecord : encodeJsonRecord,
    });
    await this.hub.removeSink('service-log-file');
    await rm(this.dataDir.serviceLogFile, { force: true });
    await this.hub.setSink('service-log-file', new FileLogSink(this.dataDir.serviceLogFile, accepts));
    await this.hub.setSink(`${kind}-socket`, sink);
  }

  async stop(kind: LogClientKind): Promise<void> {
    await this.hub.removeSink(`${kind}-socket`);
    await this.hub.removeSink('service-log-file');
  }
}
