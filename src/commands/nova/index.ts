/**
 * The OpenStack nova-agent command set (Rackspace's Unix guest agent), under the names
 * its hosts send: version, features, keyinit, password, injectfile, resetnetwork,
 * agentupdate, kmsactivate, and hostlink's keyinit-x25519.
 * Commands that change the system act under `rootDir` ("/" by default), so
 * `hostlink agent --root DIR` and the tests never touch the machine they run on.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from '../../core/logger.js';
import type { ProgramLookup } from '../../core/program-lookup.js';
import { defineCommand, type CommandDefinition } from '../../core/registry.js';
import { t } from '../../core/schema.js';
import { genericError, HostlinkError } from '../../core/errors.js';
import { setUserPassword } from '../common/user-password.js';
import { agentUpdate, type AgentUpdateOptions } from './agent-update/agent-update.js';
import { injectFile } from './inject-file.js';
import { keyCommands } from './key-commands.js';
import type { RendererName } from './network/network-plan.js';
import { resetNetwork } from './network/reset-network.js';
import { networkFromValue, networkFromVmData, type VmDataReader } from './network/vm-data.js';
import { openXenstoreVmData } from './network/xenstore-vm-data.js';
import type { KeySessions } from './key-sessions.js';

export interface NovaCommandOptions {
  readonly log: Logger;
  /** Root of the system the commands change; "/" by default. */
  readonly rootDir?: string;
  /** Paths of system programs (chpasswd, ...); fakes in tests. */
  readonly programs?: Readonly<Record<string, string>>;
  /** What `version` answers; hostlink's package version by default. */
  readonly version?: string;
  readonly sessions?: KeySessions;
  /** Fixed keyinit private key (test vectors only). */
  readonly legacyPrivateKey?: () => bigint;
  /** How resetnetwork writes the network (chosen from what the root holds when unset). */
  readonly networkRenderer?: RendererName;
  /** Apply the network after writing it (restart services); default: when rootDir is "/". */
  readonly applyNetwork?: boolean;
  /** Opens the guest's XenStore vm-data, where resetnetwork finds the description. */
  readonly vmData?: () => Promise<VmDataReader & { close?(): Promise<void> | void }>;
  /** The XenStore (xenbus device or xenstored socket) to read vm-data from, when vmData is unset. */
  readonly xenstorePath?: string;
  /** agentupdate settings: work folder, http allowed, CA, what to do once installed. */
  readonly agentUpdate?: Omit<AgentUpdateOptions, 'log' | 'programs'>;
}

export function hostlinkVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function readVmData(options: NovaCommandOptions) {
  const open = options.vmData ?? (options.xenstorePath !== undefined ? () => openXenstoreVmData(options.xenstorePath!) : undefined);
  if (!open) throw genericError('resetnetwork: no XenStore to read vm-data from; send the description as the value');
  const reader = await open().catch((error: unknown) => {
    throw genericError(`resetnetwork: cannot open the XenStore: ${(error as Error).message}`);
  });
  try {
    return await networkFromVmData(reader);
  } finally {
    await reader.close?.();
  }
}

export function novaCommands(options: NovaCommandOptions): CommandDefinition[] {
  const rootDir = options.rootDir ?? '/';
  const lookup: ProgramLookup = options.programs ? { programs: options.programs } : {};
  const version = options.version ?? hostlinkVersion();
  const names: string[] = [];
  const commands: CommandDefinition[] = [
    defineCommand({
      name: 'version',
      description: "The agent's version",
      args: t.struct({ value: t.optional(t.any()) }),
      handler: () => version,
    }),
    defineCommand({
      name: 'features',
      description: 'The nova commands this agent answers, comma-joined',
      args: t.struct({ value: t.optional(t.any()) }),
      handler: (_args, context) =>
        names.filter((name) => context.dispatcher === undefined || context.dispatcher.isEnabled(name)).join(','),
    }),
    ...keyCommands({
      setRootPassword: (secret) => setUserPassword({ rootDir, programs: lookup }, 'root', secret, false),
      ...(options.sessions ? { sessions: options.sessions } : {}),
      ...(options.legacyPrivateKey ? { legacyPrivateKey: options.legacyPrivateKey } : {}),
    }),
    defineCommand({
      name: 'injectfile',
      description: 'Write a file: base64 of "PATH,CONTENTS" (mode and owner of an existing file kept)',
      args: t.struct({ value: t.any() }),
      handler: async ({ value }) => {
        await injectFile(rootDir, value, options.log);
        return '';
      },
    }),
    defineCommand({
      name: 'resetnetwork',
      description: 'Rewrite the network configuration, host name and DNS from vm-data (or from the value) and apply it',
      args: t.struct({ value: t.optional(t.any()) }),
      handler: async ({ value }) => {
        const config = typeof value === 'object' && value !== null && !Array.isArray(value) ? networkFromValue(value as Record<string, unknown>) : await readVmData(options);
        await resetNetwork(config, {
          rootDir,
          log: options.log,
          programs: lookup,
          ...(options.networkRenderer ? { renderer: options.networkRenderer } : {}),
          ...(options.applyNetwork !== undefined ? { apply: options.applyNetwork } : {}),
        });
        return '';
      },
    }),
    defineCommand({
      name: 'agentupdate',
      description: 'Download, check (MD5, SHA-256) and install an agent update: "URL,MD5" or {url, md5sum, sha256}',
      args: t.struct({ value: t.any() }),
      handler: async ({ value }) => {
        await agentUpdate(value, { ...options.agentUpdate, log: options.log, programs: lookup });
        return '';
      },
    }),
    defineCommand({
      name: 'kmsactivate',
      description: 'Red Hat Network registration (not supported by hostlink)',
      args: t.struct({ value: t.optional(t.any()) }),
      // The value may carry an activation key: it is never looked at nor logged.
      handler: () => {
        throw new HostlinkError('NotSupported', 'not supported');
      },
    }),
  ];
  names.push(...commands.map((command) => command.name));
  return commands;
}
