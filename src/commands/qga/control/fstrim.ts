/**
 * guest-fstrim: discard unused blocks on every local mount (util-linux `fstrim`, where
 * qemu-ga issues FITRIM itself). Results come last mount first, as qemu-ga lists them.
 */
import { genericError } from '../../../core/errors.js';
import type { SystemRoot } from '../info/system-root.js';
import { UNSUPPORTED } from './child-errors.js';
import { mountpoints } from './fs-mounts.js';
import { reasonFromMessage, type SystemPrograms } from './system-programs.js';

export interface TrimResult {
  path: string;
  trimmed?: number;
  minimum?: number | bigint;
  error?: string;
}

async function trimOne(programs: SystemPrograms, path: string, minimum: number | bigint): Promise<TrimResult> {
  // FITRIM takes the minimum as an unsigned 64-bit length; the reply shows it as given.
  const minlen = BigInt.asUintN(64, BigInt(minimum));
  const outcome = await programs.run('fstrim', ['--verbose', '--minimum', minlen.toString(), path], { capture: true });
  if (outcome.kind !== 'ran') return { path, error: `failed to trim: ${UNSUPPORTED}` };
  const { result } = outcome;
  if (result.exitCode === 0 && result.signal === null) {
    const bytes = /\((\d+) bytes\) trimmed/.exec(result.stdout.toString('utf8'));
    return { path, minimum, trimmed: bytes ? Number(bytes[1]) : 0 };
  }
  const message = result.stderr.toString('utf8');
  if (/not supported/.test(message)) return { path, error: 'trim not supported' };
  if (/cannot open/.test(message)) return { path, error: `failed to open: ${reasonFromMessage(result.stderr)}` };
  return { path, error: `failed to trim: ${reasonFromMessage(result.stderr)}` };
}

export async function fstrim(programs: SystemPrograms, root: SystemRoot, minimum: number | bigint | undefined): Promise<{ paths: TrimResult[] }> {
  if ((await programs.find('fstrim')) === undefined) throw genericError(UNSUPPORTED);
  const paths: TrimResult[] = [];
  for (const path of await mountpoints(root)) paths.unshift(await trimOne(programs, path, minimum ?? 0));
  return { paths };
}
