/**
 * The `hostlink` command. Each sub-command lives in its own module and adds itself to
 * the program here.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { addAgentCommand } from './agent-command.js';
import { addControllerCommand } from './controller-command.js';
import { addFleetCommands } from './fleet-commands.js';
import { addNovaCommand } from './nova-command.js';
import { addRunCommand } from './run-command.js';
import { addScheduleCommand } from './schedule-command.js';
import { addStartCommand } from './start-command.js';
import { addQgaCommand } from './qga-command.js';
import { addVtAgentCommand } from './vt-agent-command.js';

/** Exit codes shared by every sub-command. */
export const EXIT = { ok: 0, remoteError: 1, usage: 2, connection: 3 } as const;

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('hostlink')
    .description('hostlink: one agent, controller and client for QEMU guest agent, vt_agent, nova-agent and JumpScale jobs')
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({ outputError: (text, write) => write(`hostlink: ${text.replace(/^error: /, '')}`) });
  addAgentCommand(program);
  addQgaCommand(program);
  addVtAgentCommand(program);
  addNovaCommand(program);
  addControllerCommand(program);
  addStartCommand(program);
  addRunCommand(program);
  addFleetCommands(program);
  addScheduleCommand(program);
  return program;
}

/** Runs the CLI and resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw error;
  }
}

// Allow `tsx src/cli/main.ts ...` during development and in tests.
if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`hostlink: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
