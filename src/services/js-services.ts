/**
 * JavaScript and TypeScript service modules: every exported function whose name does
 * not start with "_" becomes the command `<module>.<function>`. Calls pass the XML-RPC
 * parameters positionally (a JSON-RPC params object arrives as one argument), with
 * `this` bound to the ServiceApi.
 *
 * TypeScript modules are loaded through tsx's loader API when tsx is installed.
 */
import { pathToFileURL } from 'node:url';
import type { CommandDefinition } from '../core/registry.js';
import { plainValues } from '../protocols/xmlrpc/values.js';
import { makeServiceApi, type ServiceEnvironment } from './service-api.js';
import { serviceError } from './service-errors.js';
import type { ServiceFile } from './service-files.js';

type ServiceFunction = (...args: unknown[]) => unknown;

async function importModule(file: ServiceFile): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file.path).href;
  if (file.language === 'javascript') return (await import(url)) as Record<string, unknown>;
  let tsImport: (specifier: string, parent: string) => Promise<unknown>;
  try {
    ({ tsImport } = (await import('tsx/esm/api')) as { tsImport: typeof tsImport });
  } catch {
    throw new Error('TypeScript services need the "tsx" package where hostlink is installed (npm install -g tsx beside a global hostlink), or compile them to .js');
  }
  return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
}

/** Loads one module and returns a command per exported function. Throws if it fails to load. */
export async function loadJsService(file: ServiceFile, env: ServiceEnvironment): Promise<CommandDefinition[]> {
  const module = await importModule(file);
  const commands: CommandDefinition[] = [];
  for (const [functionName, value] of Object.entries(module)) {
    if (functionName.startsWith('_') || functionName === 'default' || typeof value !== 'function') continue;
    const fn = value as ServiceFunction;
    const method = `${file.moduleName}.${functionName}`;
    commands.push({
      name: method,
      rawArguments: true,
      handler: async (args, context) => {
        const api = makeServiceApi(env, { moduleName: file.moduleName, modulePath: file.path, functionName, method, signal: context.signal });
        const plain = plainValues(args);
        try {
          if (plain === undefined) return await fn.call(api);
          return await (Array.isArray(plain) ? fn.apply(api, plain) : fn.call(api, plain));
        } catch (error) {
          throw serviceError(error);
        }
      },
    });
  }
  return commands;
}
