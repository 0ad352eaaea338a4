/**
 * The fleet's read and kill commands: `hostlink agents`, `hostlink jobs`,
 * `hostlink job ID`, `hostlink msgs ID`, `hostlink kill ID`. Tables on a terminal,
 * --json for scripts.
 */
import type { Command } from 'commander';
import { parseLevels } from '../protocols/fleet/command-check.js';
import { table } from './qga/format.js';
import { addClientOptions, clientFor, FleetUsageError, formatTime, parseInteger, printJson, runFleetAction, type FleetClientOptions } from './fleet/context.js';
import { EXIT } from './main.js';

interface MsgsOptions extends FleetClientOptions {
  levels?: string;
  limit?: string;
  gid?: string;
  nid?: string;
}

function shorten(text: string, width: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

function statesText(states: Readonly<Record<string, number>>): string {
  return Object.entries(states)
    .map(([state, count]) => `${state}${count > 1 ? `×${count}` : ''}`)
    .join(' ');
}

export function addFleetCommands(program: Command): void {
  addClientOptions(program.command('agents').description('list the agents the controller knows, online or recently seen')).action((options: FleetClientOptions) =>
    runFleetAction('agents', async () => {
      const agents = await clientFor(options).getAgents();
      if (options.json) return printJson(agents);
      const rows = agents
        .sort((a, b) => a.gid - b.gid || a.nid - b.nid)
        .map((agent) => [agent.gid, agent.nid, agent.online ? 'online' : 'away', agent.roles.join(',') || '-', agent.hostname ?? '-', agent.online ? formatTime(agent.connected) : formatTime(agent.seen)]);
      process.stdout.write(table(['gid', 'nid', 'state', 'roles', 'hostname', 'since'], rows));
    }),
  );

  addClientOptions(program.command('jobs').description('list recent jobs, newest first').option('--limit <n>', 'how many (default 50)')).action((options: FleetClientOptions & { limit?: string }) =>
    runFleetAction('jobs', async () => {
      const jobs = await clientFor(options).getJobs(options.limit === undefined ? 50 : parseInteger(options.limit, '--limit'));
      if (options.json) return printJson(jobs);
      process.stdout.write(table(['id', 'cmd', 'created', 'targets', 'states'], jobs.map((job) => [job.id, job.cmd, formatTime(job.created), job.targets, statesText(job.states)])));
    }),
  );

  addClientOptions(program.command('job').description("show a job's command and every target's latest result").argument('<id>', 'job id')).action((id: string, options: FleetClientOptions) =>
    runFleetAction('job', async () => {
      const job = await clientFor(options).getJob(id);
      if (options.json) return printJson(job);
      const command = job.command as { cmd?: string; args?: { name?: string; args?: string[] } };
      const what = command.cmd === 'execute' ? `execute ${[command.args?.name, ...(command.args?.args ?? [])].join(' ')}` : String(command.cmd);
      process.stdout.write(`job ${id}: ${what} (created ${formatTime(job.created)})\n`);
      const rows = job.results.map((result) => [
        `${result.gid}:${result.nid}`,
        result.state,
        result.run ?? '-',
        result.starttime ? formatTime(result.starttime) : '-',
        result.time ? `${result.time}ms` : '-',
        shorten(result.data || result.critical || '', 60) || '-',
      ]);
      process.stdout.write(table(['agent', 'state', 'run', 'started', 'time', 'data'], rows));
      return job.results.every((result) => result.state === 'SUCCESS') ? EXIT.ok : EXIT.remoteError;
    }),
  );

  addClientOptions(
    program
      .command('msgs')
      .description("show a job's stored messages, oldest first")
      .argument('<id>', 'job id')
      .option('--levels <levels>', 'only these levels ("1,2,20-23")')
      .option('--limit <n>', 'how many, up to 1000 (default 100)')
      .option('-g, --gid <gid>', 'only this agent (with --nid)')
      .option('-n, --nid <nid>', 'only this agent (with --gid)'),
  ).action((id: string, options: MsgsOptions) =>
    runFleetAction('msgs', async () => {
      if ((options.gid === undefined) !== (options.nid === undefined)) throw new FleetUsageError('give --gid and --nid together');
      if (options.levels !== undefined) {
        try {
          parseLevels(options.levels, '--levels');
        } catch (error) {
          throw new FleetUsageError((error as Error).message);
        }
      }
      const messages = await clientFor(options).getMsgs(id, {
        limit: options.limit === undefined ? 100 : parseInteger(options.limit, '--limit'),
        ...(options.levels !== undefined ? { levels: options.levels } : {}),
        ...(options.gid !== undefined ? { gid: parseInteger(options.gid, '--gid'), nid: parseInteger(options.nid!, '--nid') } : {}),
      });
      if (options.json) return printJson(messages);
      for (const message of messages) process.stdout.write(`${formatTime(message.epoch)} ${message.gid}:${message.nid} [${message.level}] ${message.data}\n`);
    }),
  );

  addClientOptions(program.command('kill').description('kill a job wherever it is queued or running').argument('<id>', 'job id')).action((id: string, options: FleetClientOptions) =>
    runFleetAction('kill', async () => {
      const targets = await clientFor(options).killJob(id);
      if (options.json) return printJson({ id, targets });
      process.stdout.write(targets === 0 ? `job ${id} has nothing left to kill\n` : `kill sent for job ${id} on ${targets} agent${targets === 1 ? '' : 's'}\n`);
    }),
  );
}
