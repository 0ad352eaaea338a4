/**
 * guest-exec and guest-exec-status, as qemu-ga 7.2 answers them (plus QEMU 8.0's
 * capture-output modes). The program runs from its argument vector, never a shell; a
 * bare name is searched in PATH as g_spawn does; each captured stream keeps at most
 * 16 MiB and says when it was cut.
 */
import { genericError, HostlinkError } from '../../core/errors.js';
import { SpawnError, startProcess, type ProcessOptions } from '../../core/process-runner.js';
import { defineCommand, type CommandDefinition } from '../../core/registry.js';
import { t } from '../../core/schema.js';
import { parseCaptureOutput, type CaptureMode } from './exec/capture-mode.js';
import { ExecTable, type ExecEntry } from './exec/exec-table.js';
import { environmentFromList, resolveProgram } from './exec/search-path.js';
import type { QgaCommandOptions } from './index.js';
import { strerror } from './info/errno-text.js';
import { qbase64Decode } from './qbase64.js';

/** GUEST_EXEC_MAX_OUTPUT: bytes kept per captured stream. */
export const EXEC_MAX_OUTPUT = 16 * 1024 * 1024;

export interface ExecCommandSet {
  readonly definitions: CommandDefinition[];
  readonly table: ExecTable;
  /** Kills every process not yet reaped (tests). */
  killAll(): void;
}

function spawnFailed(file: string, errno: string): HostlinkError {
  return genericError(`Guest agent command failed, error was 'Failed to execute child process \u201c${file}\u201d (${strerror({ code: errno })})'`);
}

function outputOptions(mode: CaptureMode): Pick<ProcessOptions, 'stdout' | 'stderr'> {
  switch (mode) {
    case 'none':
      return { stdout: 'ignore', stderr: 'ignore' };
    case 'stdout':
      return { stdout: 'capture', stderr: 'ignore' };
    case 'stderr':
      return { stdout: 'ignore', stderr: 'capture' };
    case 'separated':
      return { stdout: 'capture', stderr: 'capture' };
    case 'merged':
      return { stdout: 'capture', stderr: 'merge' };
  }
}

/** The guest-exec-status reply for a finished process. */
function exitedStatus(entry: ExecEntry): Record<string, unknown> {
  const result = entry.process.snapshot()!;
  const status: Record<string, unknown> = { exited: true };
  if (result.signalNumber !== null) status.signal = result.signalNumber;
  else if (result.exitCode !== null) status.exitcode = result.exitCode;
  if (result.stdout.length > 0) {
    status['out-data'] = result.stdout.toString('base64');
    status['out-truncated'] = result.stdoutTruncated;
  }
  if (result.stderr.length > 0) {
    status['err-data'] = result.stderr.toString('base64');
    status['err-truncated'] = result.stderrTruncated;
  }
  return status;
}

export function createExecCommandSet(_options?: Partial<QgaCommandOptions>): ExecCommandSet {
  const table = new ExecTable();

  const definitions = [
    defineCommand({
      name: 'guest-exec',
      description: 'Run a program in the guest; poll guest-exec-status for its result',
      args: t.struct({
        path: t.str(),
        arg: t.optional(t.array(t.str())),
        env: t.optional(t.array(t.str())),
        'input-data': t.optional(t.str()),
        'capture-output': t.optional(t.any()),
      }),
      handler: async (args) => {
        const mode = parseCaptureOutput(args['capture-output']);
        const input = args['input-data'] === undefined ? undefined : qbase64Decode(args['input-data']);
        const resolved = await resolveProgram(args.path, args.env);
        if ('errno' in resolved) throw spawnFailed(args.path, resolved.errno);
        let entry: ExecEntry;
        try {
          const process = await startProcess(resolved.path, {
            args: args.arg ?? [],
            argv0: args.path,
            env: args.env ? environmentFromList(args.env) : undefined,
            input,
            maxOutputBytes: EXEC_MAX_OUTPUT,
            ...outputOptions(mode),
          });
          entry = { process, hasOutput: mode !== 'none' };
        } catch (error) {
          // Node refuses strings with NUL bytes before any exec: report it as execve would.
          throw spawnFailed(args.path, error instanceof SpawnError ? error.code : 'EINVAL');
        }
        table.add(entry);
        return { pid: entry.process.pid };
      },
    }),
    defineCommand({
      name: 'guest-exec-status',
      description: 'State of a process started by guest-exec; forgets it once reported exited',
      args: t.struct({ pid: t.int() }),
      handler: ({ pid }) => {
        const entry = table.find(pid);
        if (!entry) throw genericError("Invalid parameter 'pid'");
        // With output, qemu-ga also waits for the pipes to close, to have all of it.
        const done = entry.hasOutput ? entry.process.finished : entry.process.exited;
        if (!done) return { exited: false };
        table.remove(entry);
        return exitedStatus(entry);
      },
    }),
  ];

  return {
    definitions,
    table,
    killAll() {
      for (const entry of table.entries()) entry.process.kill('SIGKILL');
    },
  };
}

export function execCommands(options: QgaCommandOptions): CommandDefinition[] {
  return createExecCommandSet(options).definitions;
}
