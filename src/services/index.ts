/**
 * Loading user services from a folder into registry commands, as vt_agent loads its
 * services/ folder: JavaScript and TypeScript modules in this process, Python modules in
 * one python3 child. A module that fails to load is logged and skipped; the others are
 * served.
 */
import { HostlinkError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { CommandDefinition } from '../core/registry.js';
import { loadJsService } from './js-services.js';
import { PythonServiceHost } from './python-service-host.js';
import type { ServiceEnvironment } from './service-api.js';
import { findServiceFiles } from './service-files.js';

export interface LoadServicesOptions {
  readonly dir: string;
  readonly env: ServiceEnvironment;
  readonly log: Logger;
  /** The Python interpreter for .py services ("python3" by default, looked up on PATH). */
  readonly python?: string;
}

export interface ServiceLoadFailure {
  readonly module: string;
  readonly error: string;
}

export interface LoadedServices {
  readonly commands: CommandDefinition[];
  readonly failures: ServiceLoadFailure[];
  /** Stops the Python child, if one was started. */
  close(): Promise<void>;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function loadServices(options: LoadServicesOptions): Promise<LoadedServices> {
  const { dir, env, log } = options;
  let files;
  try {
    files = await findServiceFiles(dir);
  } catch (error) {
    throw new HostlinkError('InvalidParameter', `cannot read the services folder ${dir}: ${message(error)}`, { cause: error });
  }
  const commands: CommandDefinition[] = [];
  const failures: ServiceLoadFailure[] = [];
  for (const file of files.filter((candidate) => candidate.language !== 'python')) {
    try {
      commands.push(...(await loadJsService(file, env)));
    } catch (error) {
      failures.push({ module: file.moduleName, error: message(error) });
    }
  }
  let python: PythonServiceHost | undefined;
  if (files.some((file) => file.language === 'python')) {
    try {
      const started = await PythonServiceHost.start({ python: options.python ?? 'python3', servicesDir: dir, dataDir: env.dataDir, logHub: env.logHub, log });
      python = started.host;
      failures.push(...started.ready.failures);
      const host = started.host;
      for (const fn of started.ready.functions) {
        const description = fn.doc ? `${fn.name}${fn.signature}\n\n${fn.doc}` : '';
        commands.push({ name: fn.name, description, rawArguments: true, handler: (args) => host.call(fn.name, args) });
      }
    } catch (error) {
      failures.push({ module: '(python services)', error: message(error) });
    }
  }
  for (const failure of failures) log.error({ module: failure.module, err: failure.error }, 'service module not loaded');
  log.info({ services: commands.length, dir }, 'services loaded');
  return {
    commands,
    failures,
    close: async () => {
      await python?.close();
    },
  };
}

export { ServiceFault } from './service-errors.js';
export { ServiceLogHub, loggerFilter, type ServiceLogSink } from './service-log-hub.js';
export type { ServiceApi, ServiceEnvironment, ServiceLogger } from './service-api.js';
export type { ServiceLogRecord } from './log-record.js';
