/** `hostlink completion bash|zsh`: prints the completion script shipped in contrib/completion/. */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { EXIT } from '../main.js';

const SHELLS = ['bash', 'zsh'] as const;

export function completionScript(shell: (typeof SHELLS)[number]): string {
  // src/cli/qga/ and dist/cli/qga/ are both three levels below the package root.
  return readFileSync(new URL(`../../../contrib/completion/hostlink.${shell}`, import.meta.url), 'utf8');
}

export function addCompletionCommand(program: Command): void {
  if (program.commands.some((command) => command.name() === 'completion')) return;
  program
    .command('completion')
    .description('print the shell completion script: eval "$(hostlink completion bash)", or save it for zsh as _hostlink')
    .argument('<shell>', SHELLS.join(' or '))
    .action((shell: string) => {
      if (!(SHELLS as readonly string[]).includes(shell)) {
        process.stderr.write(`hostlink completion: unknown shell "${shell}" (bash or zsh)\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      process.stdout.write(withTopLevelCommands(completionScript(shell as (typeof SHELLS)[number]), shell, program));
    });
}

/**
 * The shipped scripts list the top-level commands known when they were written; the
 * printed ones list the commands this build actually has.
 */
function withTopLevelCommands(script: string, shell: string, program: Command): string {
  const commands = program.commands.filter((command) => !(command as unknown as { _hidden?: boolean })._hidden);
  if (shell === 'bash') {
    const names = [...commands.map((command) => command.name()), 'help'].join(' ');
    return script.replace(/^(\s*local top=)"[^"]*"$/m, `$1"${names}"`);
  }
  const entries = commands.map((command) => `'${command.name()}:${command.description().split(/[:.;(]/)[0]!.replace(/['"\\$`]/g, '').trim()}'`).join(' ');
  return script.replace(/^(\s*top=)\(.*\)$/m, `$1(${entries})`);
}
