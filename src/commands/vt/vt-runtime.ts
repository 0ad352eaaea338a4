/**
 * Everything a vt agent serves, assembled: the data folder, the service log hub, the
 * core API under its three prefixes and the user services of a folder. The caller puts
 * the commands in its registry and binds listeners; close() stops the Python services
 * and the log streams.
 */
import type { Logger } from '../../core/logger.js';
import type { CommandDefinition, CommandRegistry } from '../../core/registry.js';
import { loadServices, type ServiceLoadFailure } from '../../services/index.js';
import type { ServiceEnvironment } from '../../services/service-api.js';
import { ServiceLogHub } from '../../services/service-log-hub.js';
import { VtDataDir } from './data-dir.js';
import { vtCommands } from './index.js';

export interface VtRuntimeOptions {
  readonly dataDir: string;
  /** Folder of service modules (.js, .mjs, .ts, .py); none when undefined. */
  readonly servicesDir?: string;
  readonly log: Logger;
  /** What quit() triggers: stop the listeners and end the process. */
  readonly requestShutdown: () => void;
  /** Python interpreter for .py services; "python3" by default. */
  readonly python?: string;
}

export interface VtRuntime {
  readonly dataDir: VtDataDir;
  readonly logHub: ServiceLogHub;
  readonly commands: readonly CommandDefinition[];
  readonly serviceFailures: readonly ServiceLoadFailure[];
  close(): Promise<void>;
}

export async function createVtRuntime(options: VtRuntimeOptions): Promise<VtRuntime> {
  const { log } = options;
  const dataDir = new VtDataDir(options.dataDir);
  await dataDir.prepare();
  const logHub = new ServiceLogHub(log.child({ component: 'services' }));
  const env: ServiceEnvironment = {
    dataDir: dataDir.root,
    logDir: dataDir.logDir,
    downloadDir: dataDir.downloadDir,
    makeTmpDir: (shared) => dataDir.makeTmpDir(shared),
    logHub,
  };
  const services = options.servicesDir
    ? await loadServices({ dir: options.servicesDir, env, log, ...(options.python ? { python: options.python } : {}) })
    : undefined;
  const commands = [...vtCommands({ dataDir, logHub, log, requestShutdown: options.requestShutdown }), ...(services?.commands ?? [])];
  return {
    dataDir,
    logHub,
    commands,
    serviceFailures: services?.failures ?? [],
    async close() {
      await services?.close();
      await logHub.close();
    },
  };
}

/**
 * Registers the commands one by one: a service whose name is taken (by the core API, a
 * guest-* command or another service) is logged and skipped rather than failing all.
 */
export function registerVtCommands(registry: CommandRegistry, commands: readonly CommandDefinition[], log: Logger): void {
  for (const command of commands) {
    if (registry.has(command.name)) {
      log.error({ command: command.name }, 'a service function has the name of an existing command; skipped');
      continue;
    }
    registry.register(command);
  }
}
