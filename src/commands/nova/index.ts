/**
 * The OpenStack nova-agent command set (Rackspace's Unix guest agent), under the names
 * its hosts send: version, features, keyinit, password, injectfile, and hostlink's
 * keyinit-x25519.
 * Commands that change the system act under `rootDir` ("/" by default), so
 * `hostlink agent --root DIR` and the tests never touch the machine they run on.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from '../../core/logger.js';
import type { ProgramLookup } from '../../core/program-lookup.js';
import { defineCommand, type CommandDefinition } from '../../core/registry.js';
import { t } from '../../core/schema.js';
import { setUserPassword } from '../common/user-password.js';
import { injectFile } from './inject-file.js';
import { keyCommands } from './key-commands.js';
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
}

export function hostlinkVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
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
  ];
  names.push(...commands.map((command) => command.name));
  return commands;
}
