/**
 * `hostlink qga [--socket PATH | --tcp HOST:PORT | --device PATH] [--timeout S] [--json] COMMAND`:
 * a command-line client of the QEMU guest agent. Each family of sub-commands lives in
 * src/cli/qga/. Also adds `hostlink completion bash|zsh`, whose scripts mostly complete
 * these sub-commands.
 */
import type { Command } from 'commander';
import { addAdminCommands } from './qga/admin-commands.js';
import { addCompletionCommand } from './qga/completion.js';
import { addExecCommand } from './qga/exec-command.js';
import { addFileCommands } from './qga/file-commands.js';
import { addInfoCommands } from './qga/info-commands.js';
import { addRawCommand } from './qga/raw-command.js';

export function addQgaCommand(program: Command): void {
  const qga = program
    .command('qga')
    .description('talk to a QEMU guest agent (qemu-ga or hostlink agent)')
    .option('--socket <path>', 'Unix socket of the agent channel (default: $HOSTLINK_QGA_SOCKET, else [qga] socket in the config file)')
    .option('--tcp <host:port>', 'TCP address of the agent channel')
    .option('--device <path>', 'character device of the agent channel (a host-side pty, a virtio port)')
    .option('--timeout <seconds>', 'how long to wait for each agent reply', '10')
    .option('--retries <n>', 'connect attempts to repeat while the agent is not up yet (with backoff)', '3')
    .option('--config <file>', 'configuration file (default /etc/hostlink/hostlink.toml)')
    .option('--json', "print the agent's result as JSON")
    .addHelpText(
      'after',
      '\nExit codes: 0 success, 1 the agent reported an error, 2 usage error, 3 the agent could not be reached or did not answer.\n' +
        'exec exits with the guest program\'s exit code.',
    );
  addInfoCommands(qga);
  addExecCommand(qga);
  addFileCommands(qga);
  addAdminCommands(qga);
  addRawCommand(qga);
  addCompletionCommand(program);
}

