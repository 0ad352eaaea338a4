/**
 * `hostlink start` (what `npm start` runs): a controller with the memory store on
 * loopback and one local agent connected to it, in one process, then a few lines saying
 * how to send it a command. Nothing to install or configure; Ctrl-C stops both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildAgentRegistry } from '../agent/agent.js';
import { startFleetMember } from '../agent/fleet/fleet-member.js';
import { startControllerServer } from '../controller/server.js';
import { MemoryStore } from '../controller/stores/memory-store.js';
import { createLogger } from '../core/logger.js';
import { DEFAULT_CONTROLLER_LISTEN, parseControllerListen } from './controller-command.js';
import { EXIT, packageVersion } from './main.js';

interface StartOptions {
  listen: string;
  gid: string;
  nid: string;
  roles: string;
  verbose?: boolean;
}

function instructions(url: string, gid: number, nid: number, roles: string[]): string {
  const env = url === 'http://127.0.0.1:7700' ? '' : `HOSTLINK_CONTROLLER=${url} `;
  return [
    `hostlink start: controller on ${url} (memory store), agent ${gid}:${nid} connected (roles: ${roles.join(', ') || 'none'})`,
    '',
    'Send it a command from another terminal:',
    `  ${env}hostlink run -g ${gid} -n ${nid} -- uname -a`,
    `  ${env}hostlink run -r ${roles[0] ?? '*'} --cmd get_mem_info`,
    `  ${env}hostlink agents`,
    `  ${env}hostlink jobs`,
    '',
    `From this checkout without installing, write "npx tsx src/cli/main.ts" for "hostlink", e.g.`,
    `  ${env}npx tsx src/cli/main.ts run -g ${gid} -n ${nid} -- uname -a`,
    '',
    `Or open the dashboard in a browser: ${url}/`,
    '',
    'Ctrl-C stops the controller and the agent.',
    '',
  ].join('\n');
}

async function runStart(options: StartOptions): Promise<number> {
  const log = createLogger({ name: 'hostlink', level: options.verbose ? 'debug' : 'warn' });
  const gid = Number(options.gid);
  const nid = Number(options.nid);
  if (!Number.isInteger(gid) || !Number.isInteger(nid)) {
    process.stderr.write('hostlink start: --gid and --nid must be integers\n');
    return EXIT.usage;
  }
  const roles = options.roles.split(',').map((role) => role.trim()).filter((role) => role !== '');
  let address;
  try {
    address = parseControllerListen(options.listen);
  } catch (error) {
    process.stderr.write(`hostlink start: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  const stateDir = mkdtempSync(join(tmpdir(), 'hostlink-start-'));
  let controller;
  try {
    controller = await startControllerServer({ ...address, store: new MemoryStore(), log });
  } catch (error) {
    rmSync(stateDir, { recursive: true, force: true });
    const busy = (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? ' (is a controller already running? --listen PORT picks another port)' : '';
    process.stderr.write(`hostlink start: cannot start the controller on ${options.listen}: ${(error as Error).message}${busy}\n`);
    return EXIT.remoteError;
  }
  const member = startFleetMember({
    controller: controller.url,
    gid,
    nid,
    roles,
    registry: buildAgentRegistry({ stateDir, log }),
    log,
    loadSections: () => ({ extensions: [], startup: [] }),
    version: packageVersion(),
  });
  await member.waitConnected();
  process.stdout.write(instructions(controller.url, gid, nid, roles));
  return new Promise<number>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void (async () => {
        await member.stop();
        await controller.close();
        rmSync(stateDir, { recursive: true, force: true });
        resolve(EXIT.ok);
      })();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function addStartCommand(program: Command): void {
  program
    .command('start')
    .description('start a controller (memory store, loopback) with one local agent connected, and say how to use it')
    .option('--listen <addr>', 'controller address, HOST:PORT or PORT', DEFAULT_CONTROLLER_LISTEN)
    .option('--gid <gid>', 'grid id of the local agent', '1')
    .option('--nid <nid>', 'node id of the local agent', '1')
    .option('--roles <list>', 'roles of the local agent', 'local')
    .option('-v, --verbose', 'log at debug level')
    .action(async (options: StartOptions) => {
      process.exitCode = await runStart(options);
    });
}
