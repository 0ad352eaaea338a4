/**
 * guest-get-devices lists Windows device drivers; qemu-ga on Linux registers it but keeps
 * it disabled (guest-info shows it with enabled:false; calling it answers "disabled").
 */
import { genericError } from '../../../core/errors.js';

/** QERR_UNSUPPORTED, should the command ever be enabled by a policy that forces it. */
export function getDevices(): never {
  throw genericError('this feature or command is not currently supported');
}
