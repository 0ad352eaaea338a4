import type { Command } from 'commander';

/** `hostlink qga ...`: placeholder until the QGA client lands. */
export function addQgaCommand(program: Command): void {
  program.command('qga').description('talk to a QEMU guest agent').action(() => {
    throw new Error('not implemented yet');
  });
}
