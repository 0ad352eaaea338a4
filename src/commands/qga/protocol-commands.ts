/**
 * The protocol-level QGA commands: guest-sync, guest-sync-delimited, guest-ping and
 * guest-info. (The 0xFF before guest-sync-delimited's reply is added by the QGA
 * protocol, which owns the framing.)
 */
import { t } from '../../core/schema.js';
import { defineCommand, type CommandDefinition } from '../../core/registry.js';
import type { Dispatcher } from '../../core/dispatcher.js';
import type { QgaCommandOptions } from './index.js';

/**
 * The qemu-ga release whose protocol hostlink speaks. guest-info reports it as its
 * version: clients (libvirt, QEMU's own scripts) read this field as a qemu-ga version,
 * and hostlink's own version number would make them think it is ancient.
 */
export const QGA_COMPATIBLE_VERSION = '7.2.0';

/**
 * qemu-ga 7.2's commands in the order it registers them; guest-info lists commands
 * newest first, as qemu-ga does, so hostlink's list reads the same. Commands qemu-ga
 * 7.2 does not have count as registered after these, in registry order.
 */
const QEMU_GA_REGISTRATION_ORDER = [
  'guest-sync-delimited', 'guest-sync', 'guest-ping', 'guest-get-time', 'guest-set-time', 'guest-info',
  'guest-shutdown', 'guest-file-open', 'guest-file-close', 'guest-file-read', 'guest-file-write',
  'guest-file-seek', 'guest-file-flush', 'guest-fsfreeze-status', 'guest-fsfreeze-freeze',
  'guest-fsfreeze-freeze-list', 'guest-fsfreeze-thaw', 'guest-fstrim', 'guest-suspend-disk',
  'guest-suspend-ram', 'guest-suspend-hybrid', 'guest-network-get-interfaces', 'guest-get-vcpus',
  'guest-set-vcpus', 'guest-get-disks', 'guest-get-fsinfo', 'guest-set-user-password',
  'guest-get-memory-blocks', 'guest-set-memory-blocks', 'guest-get-memory-block-info', 'guest-exec-status',
  'guest-exec', 'guest-get-host-name', 'guest-get-users', 'guest-get-timezone', 'guest-get-osinfo',
  'guest-get-devices', 'guest-ssh-get-authorized-keys', 'guest-ssh-add-authorized-keys',
  'guest-ssh-remove-authorized-keys', 'guest-get-diskstats', 'guest-get-cpustats',
] as const;

const syncArgs = t.struct({ id: t.int('int') });

export interface GuestInfo {
  version: string;
  supported_commands: { enabled: boolean; name: string; 'success-response': boolean }[];
}

/** guest-info's answer for the commands `dispatcher` serves, under its policy. */
export function guestInfo(dispatcher: Dispatcher): GuestInfo {
  const known = new Map<string, number>(QEMU_GA_REGISTRATION_ORDER.map((name, index) => [name, index]));
  const definitions = dispatcher.registry.list();
  const rank = (name: string, index: number): number => known.get(name) ?? known.size + index;
  const ordered = definitions
    .map((definition, index) => ({ definition, rank: rank(definition.name, index) }))
    .sort((a, b) => b.rank - a.rank);
  return {
    version: QGA_COMPATIBLE_VERSION,
    supported_commands: ordered.map(({ definition }) => ({
      enabled: dispatcher.isEnabled(definition.name),
      name: definition.name,
      'success-response': definition.successResponse !== false,
    })),
  };
}

export function protocolCommands(_options: QgaCommandOptions): CommandDefinition[] {
  return [
    defineCommand({
      name: 'guest-sync-delimited',
      description: 'Echo an id, after a 0xFF byte, so a client can resynchronise the stream',
      args: syncArgs,
      handler: ({ id }) => id,
    }),
    defineCommand({
      name: 'guest-sync',
      description: 'Echo an id, so a client can find the reply that follows its junk',
      args: syncArgs,
      handler: ({ id }) => id,
    }),
    defineCommand({
      name: 'guest-ping',
      description: 'Check that the agent answers',
      handler: () => undefined,
    }),
    defineCommand({
      name: 'guest-info',
      description: 'Agent version and the commands it supports',
      handler: (_args, context) => {
        if (!context.dispatcher) throw new Error('guest-info needs the dispatcher serving the call');
        return guestInfo(context.dispatcher);
      },
    }),
  ];
}
