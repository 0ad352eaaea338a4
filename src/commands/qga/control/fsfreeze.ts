/**
 * guest-fsfreeze-freeze, -freeze-list and -thaw. qemu-ga issues the FIFREEZE/FITHAW
 * ioctls itself; Node cannot, so util-linux's `fsfreeze --freeze|--unfreeze MOUNTPOINT`
 * does it, on the same mounts and in the same order (freeze from the last mount back,
 * thaw from the first), its messages turned back into qemu-ga's errors.
 */
import { HostlinkError, genericError } from '../../../core/errors.js';
import type { SystemRoot } from '../info/system-root.js';
import { UNSUPPORTED } from './child-errors.js';
import { FROZEN_REASON } from './freeze-gate.js';
import { mountpoints } from './fs-mounts.js';
import type { FsFreezeState } from './fsfreeze-state.js';
import { reasonFromMessage, type SystemPrograms } from './system-programs.js';

/** Freeze errors qemu-ga does not count and does not fail on (no support; already frozen through another mount). */
const TOLERATED = new Set(['Operation not supported', 'Device or resource busy']);

/** FITHAW is repeated until it fails (freezes nest); bounded in case a fake never fails. */
const MAX_THAWS_PER_MOUNT = 16;

export class FsFreezer {
  constructor(
    private readonly programs: SystemPrograms,
    private readonly root: SystemRoot,
    private readonly state: FsFreezeState,
  ) {}

  private async requireTool(): Promise<void> {
    if ((await this.programs.find('fsfreeze')) === undefined) throw genericError(UNSUPPORTED);
  }

  /** Freezes `only` (or every local mount); returns how many froze. */
  async freeze(only: readonly string[] | undefined, command = 'guest-fsfreeze-freeze'): Promise<number> {
    // The freeze gate disables this while frozen; should the gate be missing, a second
    // freeze must not run (it would find everything busy and mark the agent thawed).
    if (this.state.frozen) throw new HostlinkError('CommandDisabled', `Command ${command} has been disabled: ${FROZEN_REASON}`);
    await this.requireTool();
    const mounts = await mountpoints(this.root);
    this.state.setFrozen();
    let frozen = 0;
    try {
      for (const mountpoint of [...mounts].reverse()) {
        if (only && !only.includes(mountpoint)) continue;
        if (await this.freezeOne(mountpoint)) frozen++;
      }
    } catch (error) {
      // A real failure: nothing may stay frozen.
      await this.thaw().catch(() => undefined);
      throw error;
    }
    // Nothing frozen: there is nothing to thaw later either.
    if (frozen === 0) this.state.unsetFrozen();
    return frozen;
  }

  private async freezeOne(mountpoint: string): Promise<boolean> {
    const outcome = await this.programs.run('fsfreeze', ['--freeze', mountpoint], { capture: true });
    if (outcome.kind !== 'ran') throw genericError(`failed to freeze ${mountpoint}: ${UNSUPPORTED}`);
    if (outcome.result.exitCode === 0 && outcome.result.signal === null) return true;
    const message = outcome.result.stderr.toString('utf8');
    const reason = reasonFromMessage(outcome.result.stderr);
    // fsfreeze refuses a mount that is a file (a bind-mounted file); qemu-ga's ioctl on
    // it would reach the same file system, frozen through its directory mount anyway.
    if (TOLERATED.has(reason) || /is not a directory/.test(message)) return false;
    if (/cannot open/.test(message)) throw genericError(`failed to open ${mountpoint}: ${reason}`);
    throw genericError(`failed to freeze ${mountpoint}: ${reason}`);
  }

  /** Thaws every local mount (as often as it was frozen); returns how many thawed. */
  async thaw(): Promise<number> {
    await this.requireTool();
    const mounts = await mountpoints(this.root);
    let thawed = 0;
    for (const mountpoint of mounts) {
      for (let round = 0; round < MAX_THAWS_PER_MOUNT; round++) {
        const outcome = await this.programs.run('fsfreeze', ['--unfreeze', mountpoint]);
        if (outcome.kind !== 'ran' || outcome.result.exitCode !== 0 || outcome.result.signal !== null) break;
        if (round === 0) thawed++;
      }
    }
    this.state.unsetFrozen();
    return thawed;
  }
}
