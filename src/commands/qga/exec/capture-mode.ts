/**
 * guest-exec's capture-output: a boolean in qemu-ga 7.2 (true: stdout and stderr apart),
 * or since QEMU 8.0 one of none|stdout|stderr|separated|merged. Anything else gets 7.2's
 * type error.
 */
import { HostlinkError } from '../../../core/errors.js';

export type CaptureMode = 'none' | 'stdout' | 'stderr' | 'separated' | 'merged';

const MODES: readonly CaptureMode[] = ['none', 'stdout', 'stderr', 'separated', 'merged'];

export function parseCaptureOutput(value: unknown): CaptureMode {
  if (value === undefined || value === false) return 'none';
  if (value === true) return 'separated';
  if (typeof value === 'string' && (MODES as readonly string[]).includes(value)) return value as CaptureMode;
  throw new HostlinkError('InvalidParameter', "Invalid parameter type for 'capture-output', expected: boolean");
}
