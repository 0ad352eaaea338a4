import type { Command } from 'commander';

/** `hostlink agent ...`: placeholder until the agent daemon lands. */
export function addAgentCommand(program: Command): void {
  program.command('agent').description('run the hostlink agent').action(() => {
    throw new Error('not implemented yet');
  });
}
