/**
 * While the file systems are frozen qemu-ga disables every command but a few that cannot
 * write to disk, and answers the others "Command X has been disabled: the agent is in
 * frozen state" (class CommandNotFound), guest-info showing them disabled too.
 */
import type { CommandDefinition } from '../../../core/registry.js';
import type { FsFreezeState } from './fsfreeze-state.js';

/** qemu-ga 7.2's ga_freeze_allowlist. */
export const FREEZE_SAFE_COMMANDS: ReadonlySet<string> = new Set([
  'guest-ping',
  'guest-info',
  'guest-sync',
  'guest-sync-delimited',
  'guest-fsfreeze-status',
  'guest-fsfreeze-thaw',
]);

export const FROZEN_REASON = 'the agent is in frozen state';

/**
 * The same definitions, the unsafe ones disabled whenever `state` is frozen. Register the
 * result (not the originals) so every listener sees the freeze.
 */
export function gateWhileFrozen(definitions: readonly CommandDefinition[], state: FsFreezeState): CommandDefinition[] {
  return definitions.map((definition) => {
    if (FREEZE_SAFE_COMMANDS.has(definition.name)) return definition;
    return Object.create(definition, {
      enabled: { get: () => (state.frozen ? false : definition.enabled), enumerable: true },
      disabledReason: { get: () => (state.frozen ? FROZEN_REASON : definition.disabledReason), enumerable: true },
    }) as CommandDefinition;
  });
}
