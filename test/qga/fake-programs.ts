/**
 * Recording fakes of every system program the QGA control commands run. Each fake
 * records its argv (and stdin when asked) and then does what the test told it: exit with
 * a code, print a message, or kill itself. Tests of destructive commands map EVERY name
 * to a fake (a removed fake is a missing program), so nothing real can ever run.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CONTROL_PROGRAMS = [
  'shutdown',
  'hwclock',
  'date',
  'systemctl',
  'pm-is-supported',
  'pm-hibernate',
  'pm-suspend',
  'pm-suspend-hybrid',
  'chpasswd',
  'fsfreeze',
  'fstrim',
] as const;

export type ControlProgram = (typeof CONTROL_PROGRAMS)[number];

export interface FakeBehaviour {
  readonly exit?: number;
  readonly stdout?: string;
  readonly stderr?: string;
  /** Ends itself with SIGKILL instead of exiting. */
  readonly killSelf?: boolean;
  /** Records stdin too. */
  readonly readStdin?: boolean;
  /** Shell lines run after recording, in place of the exit above ("$@" are the arguments). */
  readonly script?: string;
}

export interface RecordedCall {
  readonly name: string;
  readonly args: string[];
  readonly stdin?: string;
}

const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

export class FakePrograms {
  readonly programs: Record<string, string> = {};
  private readonly callsDir: string;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.callsDir = join(dir, 'calls');
    mkdirSync(this.callsDir, { recursive: true });
    for (const name of CONTROL_PROGRAMS) this.set(name, {});
  }

  /** (Re)writes the fake for `name`. */
  set(name: ControlProgram, behaviour: FakeBehaviour): void {
    const path = join(this.dir, name);
    const lines = [
      '#!/bin/sh',
      `calls=${quote(this.callsDir)}`,
      'n=$(cat "$calls/count" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "$calls/count"',
      `printf '%s\\0' ${quote(name)} "$@" > "$calls/$n.args"`,
      behaviour.readStdin ? 'cat > "$calls/$n.stdin"' : '',
      behaviour.stdout !== undefined ? `printf '%s' ${quote(behaviour.stdout)}` : '',
      behaviour.stderr !== undefined ? `printf '%s' ${quote(behaviour.stderr)} >&2` : '',
      behaviour.script ?? (behaviour.killSelf ? 'kill -9 $$' : `exit ${behaviour.exit ?? 0}`),
    ];
    writeFileSync(path, lines.filter((line) => line !== '').join('\n') + '\n');
    chmodSync(path, 0o755);
    this.programs[name] = path;
  }

  /** Takes the fake away: the program is then missing (never looked up elsewhere). */
  remove(name: ControlProgram): void {
    rmSync(join(this.dir, name), { force: true });
  }

  /** Every call so far, in order. */
  calls(): RecordedCall[] {
    const count = Number(existsSync(join(this.callsDir, 'count')) ? readFileSync(join(this.callsDir, 'count'), 'utf8') : 0);
    const calls: RecordedCall[] = [];
    for (let n = 1; n <= count; n++) {
      const [name = '', ...args] = readFileSync(join(this.callsDir, `${n}.args`), 'utf8').split('\0').slice(0, -1);
      const stdinPath = join(this.callsDir, `${n}.stdin`);
      calls.push(existsSync(stdinPath) ? { name, args, stdin: readFileSync(stdinPath, 'latin1') } : { name, args });
    }
    return calls;
  }

  /** Calls as "name arg arg" lines, for compact assertions. */
  callLines(): string[] {
    return this.calls().map((call) => [call.name, ...call.args].join(' '));
  }

  clearCalls(): void {
    for (const entry of readdirSync(this.callsDir)) rmSync(join(this.callsDir, entry), { force: true });
  }
}
