/**
 * guest-set-time: with a time, set the system clock (here through `date`, since Node has
 * no settimeofday) and then the RTC from it (hwclock -w); without one, the system clock
 * from the RTC (hwclock -s). Without hwclock the command is unsupported, as in qemu-ga.
 */
import { genericError } from '../../../core/errors.js';
import { strerror } from '../info/errno-text.js';
import { UNSUPPORTED, childFailure } from './child-errors.js';
import { reasonFromMessage, type SystemPrograms } from './system-programs.js';

const NANOS_PER_SECOND = 1_000_000_000n;

/** settimeofday()'s timeval from nanoseconds, with C's truncating division. */
export function toTimeval(timeNs: bigint): { seconds: bigint; micros: bigint } {
  return { seconds: timeNs / NANOS_PER_SECOND, micros: (timeNs % NANOS_PER_SECOND) / 1000n };
}

/** qemu-ga accepts local-time years 1970 to 2069. */
function isSettableYear(seconds: bigint): boolean {
  if (seconds < -(10n ** 13n) || seconds > 10n ** 13n) return false;
  const year = new Date(Number(seconds) * 1000).getFullYear();
  return year >= 1970 && year < 2070;
}

async function setSystemClock(programs: SystemPrograms, seconds: bigint, micros: bigint): Promise<void> {
  if (micros < 0n) throw genericError(`Failed to set time to guest: ${strerror({ code: 'EINVAL' })}`);
  const stamp = `@${seconds}.${micros.toString().padStart(6, '0')}`;
  const outcome = await programs.run('date', ['-u', '-s', stamp], { capture: true });
  if (outcome.kind === 'ran' && outcome.result.exitCode === 0) return;
  const reason =
    outcome.kind === 'ran'
      ? reasonFromMessage(outcome.result.stderr) || 'Operation not permitted'
      : strerror({ code: outcome.kind === 'missing' ? 'ENOENT' : outcome.errno });
  throw genericError(`Failed to set time to guest: ${reason}`);
}

export async function setTime(programs: SystemPrograms, time: number | bigint | undefined): Promise<void> {
  if ((await programs.find('hwclock')) === undefined) throw genericError(UNSUPPORTED);
  if (time !== undefined) {
    const { seconds, micros } = toTimeval(BigInt(time));
    if (!isSettableYear(seconds)) throw genericError('Invalid time');
    await setSystemClock(programs, seconds, micros);
  }
  const outcome = await programs.run('hwclock', [time !== undefined ? '-w' : '-s']);
  const failure = childFailure(outcome, 'hwclock failed to set hardware clock to system time');
  if (failure) throw failure;
}
