/**
 * The QGA commands that change the system, as qemu-ga 7.2 does them on Linux: shutdown,
 * time, suspend, file-system freeze and trim, vCPUs and memory blocks, user passwords
 * and SSH keys. System programs are found through `programs`, PATH, /sbin and /usr/sbin
 * (tests put recording fakes there); /sys, /proc and /etc are read under `rootDir`.
 */
import { defineCommand, type CommandDefinition } from '../../core/registry.js';
import { t } from '../../core/schema.js';
import { FsFreezer } from './control/fsfreeze.js';
import { FsFreezeState } from './control/fsfreeze-state.js';
import { fstrim } from './control/fstrim.js';
import { setMemoryBlocks } from './control/memory-blocks.js';
import { setTime } from './control/set-time.js';
import { shutdown } from './control/shutdown.js';
import { addAuthorizedKeys, getAuthorizedKeys, removeAuthorizedKeys } from './control/ssh-keys.js';
import { suspend, type SuspendMode } from './control/suspend.js';
import { SystemPrograms } from './control/system-programs.js';
import { setUserPassword } from './control/user-password.js';
import { setVcpus } from './control/vcpus.js';
import type { QgaCommandOptions } from './index.js';
import { SystemRoot } from './info/system-root.js';

export { gateWhileFrozen, FREEZE_SAFE_COMMANDS } from './control/freeze-gate.js';
export { FsFreezeState } from './control/fsfreeze-state.js';

export interface SystemControlSet {
  readonly definitions: CommandDefinition[];
  /** Shared with gateWhileFrozen() so every other command is disabled while frozen. */
  readonly freezeState: FsFreezeState;
}

type ControlOptions = Pick<QgaCommandOptions, 'stateDir' | 'programs' | 'rootDir' | 'targetRootDir'> & Partial<Pick<QgaCommandOptions, 'log'>>;

function suspendCommand(programs: SystemPrograms, root: SystemRoot, mode: SuspendMode, description: string): CommandDefinition {
  return defineCommand({
    name: `guest-suspend-${mode}`,
    description,
    successResponse: false,
    handler: async () => {
      await suspend(programs, root, mode);
      return {};
    },
  });
}

export function createSystemControlSet(options: ControlOptions, freezeState = new FsFreezeState(options.stateDir, options.log)): SystemControlSet {
  const programs = new SystemPrograms(options.programs ? { programs: options.programs } : {});
  const root = new SystemRoot(options.rootDir ?? '/');
  // Where SSH keys and passwords are written (hostlink agent --root); passwords go
  // through chpasswd unless a target root is given.
  const target = new SystemRoot(options.targetRootDir ?? options.rootDir ?? '/');
  const passwordRoot = options.targetRootDir ?? '/';
  const freezer = new FsFreezer(programs, root, freezeState);

  const definitions = [
    defineCommand({
      name: 'guest-shutdown',
      description: 'Power down, halt or reboot the guest (no reply on success)',
      successResponse: false,
      args: t.struct({ mode: t.optional(t.str()) }),
      handler: async ({ mode }) => {
        await shutdown(programs, mode);
        return {};
      },
    }),
    defineCommand({
      name: 'guest-set-time',
      description: 'Set the system clock (and the RTC from it), or the system clock from the RTC',
      args: t.struct({ time: t.optional(t.int()) }),
      handler: async ({ time }) => {
        await setTime(programs, time);
        return {};
      },
    }),
    suspendCommand(programs, root, 'disk', 'Suspend to disk (no reply on success)'),
    suspendCommand(programs, root, 'ram', 'Suspend to RAM (no reply on success)'),
    suspendCommand(programs, root, 'hybrid', 'Save to disk and suspend to RAM (no reply on success)'),
    defineCommand({
      name: 'guest-fsfreeze-status',
      description: "Whether the guest's file systems are frozen",
      handler: () => (freezeState.frozen ? 'frozen' : 'thawed'),
    }),
    defineCommand({
      name: 'guest-fsfreeze-freeze',
      description: 'Freeze every local file system; returns how many froze',
      handler: () => freezer.freeze(undefined),
    }),
    defineCommand({
      name: 'guest-fsfreeze-freeze-list',
      description: 'Freeze the listed mount points (or all); returns how many froze',
      args: t.struct({ mountpoints: t.optional(t.array(t.str())) }),
      handler: ({ mountpoints }) => freezer.freeze(mountpoints, 'guest-fsfreeze-freeze-list'),
    }),
    defineCommand({
      name: 'guest-fsfreeze-thaw',
      description: 'Thaw every frozen file system; returns how many thawed',
      handler: () => freezer.thaw(),
    }),
    defineCommand({
      name: 'guest-fstrim',
      description: 'Discard unused blocks on every local file system',
      args: t.struct({ minimum: t.optional(t.int()) }),
      handler: ({ minimum }) => fstrim(programs, root, minimum),
    }),
    defineCommand({
      name: 'guest-set-vcpus',
      description: 'Bring vCPUs online or offline; returns how many were handled',
      args: t.struct({
        vcpus: t.array(t.struct({ 'logical-id': t.int(), online: t.bool(), 'can-offline': t.optional(t.bool()) })),
      }),
      handler: ({ vcpus }) => setVcpus(root, vcpus),
    }),
    defineCommand({
      name: 'guest-set-user-password',
      description: "Set a user's password (base64; crypted: already hashed)",
      args: t.struct({ username: t.str(), password: t.str(), crypted: t.bool() }),
      handler: async ({ username, password, crypted }) => {
        await setUserPassword(programs, username, password, crypted, passwordRoot);
        return {};
      },
    }),
    defineCommand({
      name: 'guest-set-memory-blocks',
      description: 'Bring memory blocks online or offline; one response per block',
      args: t.struct({
        'mem-blks': t.array(t.struct({ 'phys-index': t.int('uint64'), online: t.bool(), 'can-offline': t.optional(t.bool()) })),
      }),
      handler: (args) => setMemoryBlocks(root, args['mem-blks']),
    }),
    defineCommand({
      name: 'guest-ssh-get-authorized-keys',
      description: "A user's SSH authorized keys",
      args: t.struct({ username: t.str() }),
      handler: ({ username }) => getAuthorizedKeys(target, username),
    }),
    defineCommand({
      name: 'guest-ssh-add-authorized-keys',
      description: "Add SSH keys to a user's authorized keys (reset: replace them)",
      args: t.struct({ username: t.str(), keys: t.array(t.str()), reset: t.optional(t.bool()) }),
      handler: async ({ username, keys, reset }) => {
        await addAuthorizedKeys(target, username, keys, reset ?? false);
        return {};
      },
    }),
    defineCommand({
      name: 'guest-ssh-remove-authorized-keys',
      description: "Remove SSH keys from a user's authorized keys",
      args: t.struct({ username: t.str(), keys: t.array(t.str()) }),
      handler: async ({ username, keys }) => {
        await removeAuthorizedKeys(target, username, keys);
        return {};
      },
    }),
  ];
  return { definitions, freezeState };
}
