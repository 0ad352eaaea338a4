/**
 * The QEMU guest agent command set (qemu-ga 7.2's Linux commands, plus a few newer ones).
 * Each file registers one family; state that qemu-ga keeps globally (file handles, exec
 * status) lives in the objects built here, shared by every client of the agent.
 */
import type { Logger } from '../../core/logger.js';
import type { CommandDefinition } from '../../core/registry.js';
import { execCommands } from './exec-commands.js';
import { fileCommands } from './file-commands.js';
import { protocolCommands } from './protocol-commands.js';
import { createSystemControlSet, gateWhileFrozen } from './system-control.js';
import { systemInfoCommands } from './system-info.js';

export interface QgaCommandOptions {
  /** qemu-ga's state directory (-t): holds qga.state with the file-handle counter. */
  readonly stateDir: string;
  readonly log: Logger;
  /**
   * Paths of the system programs destructive commands run (shutdown, hwclock, chpasswd,
   * fsfreeze, fstrim, ...). Unset ones are found on PATH (then /sbin, /usr/sbin), so a
   * test can swap them by putting fakes first on PATH.
   */
  readonly programs?: Readonly<Record<string, string>>;
  /** Root of the file system that system facts are read from (/proc, /sys, /etc); "/" by default. */
  readonly rootDir?: string;
  /**
   * Root of the files that user-changing commands write (guest-set-user-password and
   * guest-ssh-*): `hostlink agent --root DIR`. Under a root other than "/" passwords
   * are written to its /etc/shadow instead of through chpasswd. Unset: SSH keys under
   * rootDir, passwords through chpasswd.
   */
  readonly targetRootDir?: string;
}

export function qgaCommands(options: QgaCommandOptions): CommandDefinition[] {
  const control = createSystemControlSet(options);
  // While file systems are frozen, qemu-ga disables every command that could write to disk.
  return gateWhileFrozen(
    [
      ...protocolCommands(options),
      ...systemInfoCommands(options),
      ...fileCommands(options),
      ...execCommands(options),
      ...control.definitions,
    ],
    control.freezeState,
  );
}
