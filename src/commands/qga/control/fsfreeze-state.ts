/**
 * Whether the agent has the file systems frozen. Like qemu-ga, the state is kept on disk
 * too, as the empty file `<stateDir>/qga.state.isfrozen`: an agent that starts and finds
 * it believes the file systems are still frozen (and refuses all but the freeze-safe
 * commands) until guest-fsfreeze-thaw.
 */
import { closeSync, existsSync, openSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../../core/logger.js';

export const FROZEN_MARKER = 'qga.state.isfrozen';

export class FsFreezeState {
  private isFrozen: boolean;
  private readonly markerPath: string;

  constructor(
    stateDir: string,
    private readonly log?: Logger,
  ) {
    this.markerPath = join(stateDir, FROZEN_MARKER);
    this.isFrozen = existsSync(this.markerPath);
    if (this.isFrozen) {
      log?.warn({ marker: this.markerPath }, 'previous instance appears to have exited with frozen filesystems; commands stay disabled until guest-fsfreeze-thaw');
    }
  }

  get frozen(): boolean {
    return this.isFrozen;
  }

  /** ga_set_frozen(): marks the state, in memory and on disk. */
  setFrozen(): void {
    if (this.isFrozen) return;
    this.isFrozen = true;
    try {
      closeSync(openSync(this.markerPath, 'a', 0o600));
    } catch (error) {
      this.log?.warn({ err: error, marker: this.markerPath }, 'unable to create the frozen marker, fsfreeze may not function properly');
    }
  }

  /** ga_unset_frozen() */
  unsetFrozen(): void {
    if (!this.isFrozen) return;
    this.isFrozen = false;
    try {
      unlinkSync(this.markerPath);
    } catch (error) {
      this.log?.warn({ err: error, marker: this.markerPath }, 'unable to delete the frozen marker, fsfreeze may not function properly');
    }
  }
}
