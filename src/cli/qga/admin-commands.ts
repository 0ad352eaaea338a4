/**
 * Commands that change the guest: set-password, ssh-keys, fsfreeze, shutdown. Each
 * asks for exactly what it needs on the command line; nothing is changed on bad input.
 */
import type { Command } from 'commander';
import type { GuestShutdownMode } from '../../client/index.js';
import { qgaAction, UsageError } from './context.js';
import { json } from './format.js';
import { readSecret, readStdin } from './io.js';

const SHUTDOWN_MODES: readonly GuestShutdownMode[] = ['powerdown', 'halt', 'reboot'];

export function addAdminCommands(qga: Command): void {
  qga
    .command('set-password')
    .description("set a guest user's password (read from stdin, or asked for without echo on a terminal)")
    .argument('<user>', 'user name in the guest')
    .option('--crypted', 'the password is already crypt(3)-hashed')
    .action(
      qgaAction(async (run, user: string) => {
        const password = await readSecret(`Password for ${user}: `);
        if (password === '') throw new UsageError('an empty password was given; nothing was changed');
        await run.client.setUserPassword(user, password, { crypted: run.options.crypted === true });
        run.out(run.json ? json({}) : `password of ${user} set`);
      }),
    );

  const ssh = qga.command('ssh-keys').description("a guest user's ~/.ssh/authorized_keys");
  ssh
    .command('get')
    .description('list the keys')
    .argument('<user>')
    .action(
      qgaAction(async (run, user: string) => {
        const result = await run.client.sshGetAuthorizedKeys(user);
        run.out(run.json ? json(result) : result.keys.join('\n'));
      }),
    );
  ssh
    .command('add')
    .description('add keys (given as arguments, or one per line on stdin)')
    .argument('<user>')
    .argument('[keys...]')
    .option('--reset', 'replace all existing keys with these')
    .action(
      qgaAction(async (run, user: string, keys: string[]) => {
        const list = keys.length > 0 ? keys : await keysFromStdin();
        await run.client.sshAddAuthorizedKeys(user, list, { reset: run.options.reset === true });
        run.out(run.json ? json({}) : `${list.length} key(s) added for ${user}`);
      }),
    );
  ssh
    .command('remove')
    .description('remove keys (given as arguments, or one per line on stdin)')
    .argument('<user>')
    .argument('[keys...]')
    .action(
      qgaAction(async (run, user: string, keys: string[]) => {
        const list = keys.length > 0 ? keys : await keysFromStdin();
        await run.client.sshRemoveAuthorizedKeys(user, list);
        run.out(run.json ? json({}) : `${list.length} key(s) removed for ${user}`);
      }),
    );

  qga
    .command('fsfreeze')
    .description('freeze or thaw guest file systems (for consistent snapshots)')
    .argument('<action>', 'status, freeze or thaw')
    .option('--mountpoint <path>', 'freeze only this mount point (repeatable)', (value: string, list: string[]) => [...list, value], [] as string[])
    .action(
      qgaAction(async (run, action: string) => {
        const mountpoints = run.options.mountpoint as string[];
        let result: unknown;
        let text: string;
        switch (action) {
          case 'status':
            result = await run.client.fsfreezeStatus();
            text = String(result);
            break;
          case 'freeze':
            result = mountpoints.length > 0 ? await run.client.fsfreezeFreezeList(mountpoints) : await run.client.fsfreezeFreeze();
            text = `${String(result)} file system(s) frozen`;
            break;
          case 'thaw':
            result = await run.client.fsfreezeThaw();
            text = `${String(result)} file system(s) thawed`;
            break;
          default:
            throw new UsageError(`fsfreeze takes status, freeze or thaw, not "${action}"`);
        }
        run.out(run.json ? json(result) : text);
      }),
    );

  qga
    .command('shutdown')
    .description('shut the guest down (the agent sends no reply when it works)')
    .option('--mode <mode>', 'powerdown, halt or reboot', 'powerdown')
    .action(
      qgaAction(async (run) => {
        const mode = run.options.mode as GuestShutdownMode;
        if (!SHUTDOWN_MODES.includes(mode)) throw new UsageError(`--mode takes ${SHUTDOWN_MODES.join(', ')}, not "${mode}"`);
        await run.client.shutdown(mode);
        run.out(run.json ? json({}) : `${mode} requested`);
      }),
    );
}

async function keysFromStdin(): Promise<string[]> {
  if (process.stdin.isTTY) throw new UsageError('give the keys as arguments, or one per line on stdin');
  const keys = (await readStdin())
    .toString('utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (keys.length === 0) throw new UsageError('no keys given; nothing was changed');
  return keys;
}
