/**
 * `hostlink schedule`: cron-style recurring commands kept by the controller.
 *
 *   hostlink schedule add ID 'CRON' [-g G -n N | -r ROLE [--fanout]] [--cmd NAME] -- PROGRAM ARGS
 *   hostlink schedule list
 *   hostlink schedule rm ID
 */
import type { Command } from 'commander';
import type { RunArgs } from '../protocols/fleet/job-model.js';
import { table } from './qga/format.js';
import { addClientOptions, clientFor, FleetUsageError, formatTime, parseInteger, printJson, runFleetAction, type FleetClientOptions } from './fleet/context.js';
import { collect } from '../core/collect-option.js';

interface AddOptions extends FleetClientOptions {
  gid?: string;
  nid?: string;
  role?: string[];
  fanout?: boolean;
  cmd?: string;
  data?: string;
  maxTime?: string;
  queue?: string;
}


export function addScheduleCommand(program: Command): void {
  const schedule = program.command('schedule').description('recurring commands on a cron schedule, kept by the controller');

  addClientOptions(
    schedule
      .command('add')
      .description('add (or replace) a schedule; each run is a job with the id ID.EPOCHSECONDS')
      .argument('<id>', 'schedule id')
      .argument('<cron>', "cron expression: 'MIN HOUR DAY MONTH WEEKDAY' or with seconds first")
      .argument('[program...]', 'program and arguments for execute (after --)')
      .option('-g, --gid <gid>', 'grid id')
      .option('-n, --nid <nid>', 'node id')
      .option('-r, --role <role>', 'role (repeatable)', collect)
      .option('--fanout', 'every matching agent')
      .option('--cmd <name>', 'registry command instead of execute')
      .option('--data <text>', "stdin of the program, or the command's JSON arguments")
      .option('--max-time <seconds>', 'per run: seconds, then TIMEOUT')
      .option('--queue <name>', 'runs of this queue go one at a time on an agent'),
  ).action((id: string, cron: string, programArgs: string[], options: AddOptions) =>
    runFleetAction('schedule add', async () => {
      const roles = options.role ?? [];
      if (options.gid === undefined && roles.length === 0) throw new FleetUsageError('give a target: -g G -n N, or -r ROLE');
      const cmd = options.cmd ?? 'execute';
      const args: Record<string, unknown> = {};
      if (cmd === 'execute') {
        if (programArgs.length === 0) throw new FleetUsageError('give the program to run after --');
        args.name = programArgs[0];
        args.args = programArgs.slice(1);
      }
      if (options.maxTime !== undefined) args.max_time = parseInteger(options.maxTime, '--max-time');
      if (options.queue !== undefined) args.queue = options.queue;
      const added = await clientFor(options).schedule(
        id,
        cron,
        options.gid === undefined ? undefined : parseInteger(options.gid, '--gid'),
        options.nid === undefined ? undefined : parseInteger(options.nid, '--nid'),
        cmd,
        args as RunArgs,
        options.data,
        { roles, ...(options.fanout ? { fanout: true } : {}) },
      );
      if (options.json) return printJson(added);
      process.stdout.write(`schedule ${added.id} (${added.cron}), next run ${added.next ? formatTime(added.next) : 'never'}\n`);
    }),
  );

  addClientOptions(schedule.command('list').description('list the schedules')).action((options: FleetClientOptions) =>
    runFleetAction('schedule list', async () => {
      const schedules = await clientFor(options).getSchedules();
      if (options.json) return printJson(schedules);
      const rows = schedules.map((entry) => [entry.id, entry.cron, String(entry.command.cmd), entry.next ? formatTime(entry.next) : '-']);
      process.stdout.write(table(['id', 'cron', 'cmd', 'next'], rows));
    }),
  );

  addClientOptions(schedule.command('rm').description('remove a schedule').argument('<id>', 'schedule id')).action((id: string, options: FleetClientOptions) =>
    runFleetAction('schedule rm', async () => {
      await clientFor(options).unschedule(id);
      if (options.json) return printJson({ id, removed: true });
      process.stdout.write(`schedule ${id} removed\n`);
    }),
  );
}
