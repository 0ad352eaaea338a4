/**
 * The `hostlink` command. Each sub-command lives in its own module and adds itself to
 * the program here.
 */
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../core/package-version.js';

/** Exit codes shared by every sub-command. */
export const EXIT = { ok: 0, remoteError: 1, usage: 2, connection: 3 } as const;

export { packageVersion };

type AddCommands = (program: Command) => void;

/**
 * The modules that add the top-level commands, in help order, with the names each adds.
 * They are imported only when needed (a command line naming one loads just that one,
 * `--version` none), so `hostlink --version` and `hostlink qga ...` start fast.
 */
const COMMAND_MODULES: ReadonlyArray<{ readonly names: readonly string[]; readonly load: () => Promise<AddCommands> }> = [
  { names: ['agent'], load: async () => (await import('./agent-command.js')).addAgentCommand },
  { names: ['qga'], load: async () => (await import('./qga-command.js')).addQgaCommand },
  { names: ['vt-agent'], load: async () => (await import('./vt-agent-command.js')).addVtAgentCommand },
  { names: ['nova'], load: async () => (await import('./nova-command.js')).addNovaCommand },
  { names: ['controller'], load: async () => (await import('./controller-command.js')).addControllerCommand },
  { names: ['start'], load: async () => (await import('./start-command.js')).addStartCommand },
  { names: ['run'], load: async () => (await import('./run-command.js')).addRunCommand },
  { names: ['agents', 'jobs', 'job', 'msgs', 'kill'], load: async () => (await import('./fleet-commands.js')).addFleetCommands },
  { names: ['stats'], load: async () => (await import('./stats-command.js')).addStatsCommand },
  { names: ['events'], load: async () => (await import('./events-command.js')).addEventsCommand },
  { names: ['schedule'], load: async () => (await import('./schedule-command.js')).addScheduleCommand },
  { names: ['install-service'], load: async () => (await import('./install-service-command.js')).addInstallServiceCommand },
];

/** The modules `argv` needs: the one its command is in, none for --version, else all (help, completion, typos). */
function modulesFor(argv: readonly string[]): typeof COMMAND_MODULES {
  const first = argv[0];
  if (first === '-V' || first === '--version') return [];
  const owner = COMMAND_MODULES.find((module) => first !== undefined && module.names.includes(first));
  return owner ? [owner] : COMMAND_MODULES;
}

export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('hostlink')
    .description('hostlink: one agent, controller and client for QEMU guest agent, vt_agent, nova-agent and JumpScale jobs')
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({ outputError: (text, write) => write(`hostlink: ${text.replace(/^error: /, '')}`) });
  const modules = modulesFor(argv);
  const adders = await Promise.all(modules.map((module) => module.load()));
  for (const add of adders) add(program);
  return program;
}

/** Runs the CLI and resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
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
