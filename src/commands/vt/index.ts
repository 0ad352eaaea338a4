/**
 * vt_agent's core API, registered under the three prefixes the generations of its
 * clients call: `vt_agent.api.*`, `api.*` and `core.*`.
 *
 *   is_alive()                          -> true
 *   quit()                              replies, then the agent shuts down cleanly
 *   start_logger_client(host, port)     stream service logs to a logging SocketHandler receiver
 *   stop_logger_client()
 *   start_log_redirection(host, port)   the same with JSON bodies (newer clients)
 *   stop_log_redirection()
 *   get_agent_log_filename()  get_service_log_filename()  get_log_dir()
 *   cleanup_tmp_files(path_or_glob)     inside the data dir only; removal errors swallowed
 */
import { rm } from 'node:fs/promises';
import type { Logger } from '../../core/logger.js';
import { defineCommand, type CommandDefinition } from '../../core/registry.js';
import { t } from '../../core/schema.js';
import type { ServiceLogHub } from '../../services/service-log-hub.js';
import { confinedGlob } from './confined-glob.js';
import type { VtDataDir } from './data-dir.js';
import { LogClients } from './log-client.js';

export const VT_API_PREFIXES = ['vt_agent.api', 'api', 'core'] as const;

export interface VtCommandOptions {
  readonly dataDir: VtDataDir;
  readonly logHub: ServiceLogHub;
  readonly log: Logger;
  /** Called once quit()'s reply is on its way; the agent then stops its listeners and exits. */
  readonly requestShutdown: () => void;
}

const hostPort = t.struct({ host: t.str(), port: t.int('int32') });

function vtApi(options: VtCommandOptions): CommandDefinition[] {
  const { dataDir, logHub, log, requestShutdown } = options;
  const clients = new LogClients(logHub, dataDir);
  return [
    defineCommand({ name: 'is_alive', description: 'Check whether the agent server is alive.', handler: () => true }),
    defineCommand({
      name: 'quit',
      description: 'Quit the agent server (hostlink answers first, then shuts down cleanly).',
      handler: () => {
        log.info('quit() called: shutting down');
        // The reply is written before the listeners close (they let answers in progress finish).
        setImmediate(requestShutdown);
        return null;
      },
    }),
    defineCommand({
      name: 'start_logger_client',
      description: 'Stream service logs to a logging.handlers.SocketHandler receiver at host:port (pickled records).',
      args: hostPort,
      handler: async ({ host, port }) => {
        await clients.start('pickle', host, port);
        return null;
      },
    }),
    defineCommand({
      name: 'stop_logger_client',
      description: 'Stop streaming service logs.',
      handler: async () => {
        await clients.stop('pickle');
        return null;
      },
    }),
    defineCommand({
      name: 'start_log_redirection',
      description: 'Stream service logs to host:port as length-prefixed JSON records.',
      args: hostPort,
      handler: async ({ host, port }) => {
        await clients.start('json', host, port);
        return null;
      },
    }),
    defineCommand({
      name: 'stop_log_redirection',
      description: 'Stop the JSON log stream.',
      handler: async () => {
        await clients.stop('json');
        return null;
      },
    }),
    defineCommand({ name: 'get_agent_log_filename', description: "Path of the agent's log file.", handler: () => dataDir.agentLogFile }),
    defineCommand({ name: 'get_service_log_filename', description: 'Path of the service log file.', handler: () => dataDir.serviceLogFile }),
    defineCommand({ name: 'get_log_dir', description: 'Path of the log folder.', handler: () => dataDir.logDir }),
    defineCommand({
      name: 'cleanup_tmp_files',
      description: "Remove files and folders matching a path or glob inside the agent's data dir.",
      args: t.struct({ path_or_glob: t.str() }),
      handler: async ({ path_or_glob }) => {
        for (const path of await confinedGlob(dataDir.root, path_or_glob)) {
          await rm(path, { recursive: true, force: true }).catch((error: unknown) => {
            log.warn({ path, err: error instanceof Error ? error.message : String(error) }, 'cleanup_tmp_files: not removed');
          });
        }
        return null;
      },
    }),
  ];
}

/** The API under every prefix. */
export function vtCommands(options: VtCommandOptions): CommandDefinition[] {
  const api = vtApi(options);
  return VT_API_PREFIXES.flatMap((prefix) => api.map((command) => ({ ...command, name: `${prefix}.${command.name}` })));
}

export { VtDataDir, TMP_PREFIX } from './data-dir.js';
export { confinedGlob } from './confined-glob.js';
