/**
 * `hostlink stats`: the statistics the controller keeps (level-10 statsd lines and the
 * CPU/memory samples of jobs run with --stats-interval), one row per series.
 *
 *   hostlink stats ID              a job's statistics (every agent it ran on)
 *   hostlink stats ID -g G -n N    only agent G:N's part of the job
 *   hostlink stats -g G -n N       an agent's statistics, across its jobs
 */
import type { Command } from 'commander';
import { HostlinkError } from '../core/errors.js';
import { formatBytes, table } from './qga/format.js';
import { addClientOptions, clientFor, FleetUsageError, formatTime, parseInteger, printJson, runFleetAction, type FleetClientOptions } from './fleet/context.js';
import { formatNumber, summariseStats, type StatsSeries } from './fleet/stats-summary.js';

interface StatsOptions extends FleetClientOptions {
  gid?: string;
  nid?: string;
  samples?: boolean;
}

const BYTE_KEYS: ReadonlySet<string> = new Set(['rss', 'vms', 'swap']);

/** A value with the unit its series implies: CPU %, seconds, bytes, timer milliseconds. */
function valueText(series: StatsSeries, value: number): string {
  if (series.type === 'g' && series.key === 'cpu') return `${formatNumber(value)}%`;
  if (series.type === 'g' && series.key === 'cpu_seconds') return `${formatNumber(value)}s`;
  if (series.type === 'g' && BYTE_KEYS.has(series.key)) return formatBytes(Math.round(value));
  if (series.type === 'ms') return `${formatNumber(value)}ms`;
  return formatNumber(value);
}

function valueCells(series: StatsSeries): string[] {
  return [series.type, String(series.samples), ...[series.last, series.min, series.max, series.avg].map((value) => valueText(series, value))];
}

const VALUE_HEADERS = ['kind', 'samples', 'last', 'min', 'max', 'avg'];

const NOTHING_YET = 'programs report statistics with lines like 10::name:3|g (g, c, ms or s); --stats-interval N samples CPU and memory';

function agentOf(options: StatsOptions): { gid: number; nid: number } | undefined {
  if (options.gid === undefined && options.nid === undefined) return undefined;
  if (options.gid === undefined || options.nid === undefined) throw new FleetUsageError('give --gid and --nid together');
  return { gid: parseInteger(options.gid, '--gid'), nid: parseInteger(options.nid, '--nid') };
}

async function showJob(id: string, agent: { gid: number; nid: number } | undefined, options: StatsOptions): Promise<void> {
  const client = clientFor(options);
  let entries = await client.getJobStats(id);
  // The controller answers an unknown job with no statistics: ask for the job to tell the two apart.
  if (entries.length === 0) await client.getJob(id);
  if (agent) entries = entries.filter((entry) => entry.gid === agent.gid && entry.nid === agent.nid);
  const series = summariseStats(entries, { points: options.samples === true });
  if (options.json) return printJson({ job: id, ...(agent ? { agent } : {}), series });
  if (series.length === 0) {
    process.stdout.write(`job ${id} has no statistics${agent ? ` from agent ${agent.gid}:${agent.nid}` : ''} (${NOTHING_YET})\n`);
    return;
  }
  process.stdout.write(table(['agent', 'key', ...VALUE_HEADERS], series.map((one) => [`${one.gid}:${one.nid}`, one.key, ...valueCells(one)])));
}

async function showAgent(agent: { gid: number; nid: number }, options: StatsOptions): Promise<void> {
  const client = clientFor(options);
  const entries = await client.getAgentStats(agent.gid, agent.nid);
  if (entries.length === 0 && !(await client.getAgents()).some((known) => known.gid === agent.gid && known.nid === agent.nid)) {
    throw new HostlinkError('CommandNotFound', `no agent ${agent.gid}:${agent.nid} is known to the controller`);
  }
  const series = summariseStats(entries, { points: options.samples === true });
  if (options.json) return printJson({ agent, series });
  if (series.length === 0) {
    process.stdout.write(`agent ${agent.gid}:${agent.nid} has no statistics (${NOTHING_YET})\n`);
    return;
  }
  process.stdout.write(table(['job', 'key', ...VALUE_HEADERS, 'updated'], series.map((one) => [one.job, one.key, ...valueCells(one), formatTime(one.last_epoch)])));
}

const HELP_AFTER = `
One row per series (job, agent, key, kind): the newest value, min, max, average and
how many samples the controller still holds (it keeps the newest ones per job and agent).
Kinds: g gauge, c counter, ms timer, s set. cpu (%), cpu_seconds, rss, vms and swap are
the CPU and memory samples of a job run with --stats-interval N.

Examples:
  hostlink run -g 1 -n 1 --stats-interval 1 --no-wait -- ./load-test
  hostlink stats JOB_ID
  hostlink stats -g 1 -n 1 --json
`;

export function addStatsCommand(program: Command): void {
  addClientOptions(
    program
      .command('stats')
      .description('show the statistics of a job or an agent: statsd lines (level 10) and CPU/memory samples')
      .argument('[id]', 'job id (leave out, with --gid and --nid, for an agent)')
      .option('-g, --gid <gid>', "the agent's grid id (with --nid): its statistics, or its part of the job")
      .option('-n, --nid <nid>', "the agent's node id (with --gid)")
      .option('--samples', 'with --json: every sample of every series too')
      .addHelpText('after', HELP_AFTER),
  ).action((id: string | undefined, options: StatsOptions) =>
    runFleetAction('stats', async () => {
      const agent = agentOf(options);
      if (options.samples && !options.json) throw new FleetUsageError('--samples goes with --json');
      if (id !== undefined && id.trim() === '') throw new FleetUsageError('the job id is empty');
      if (id !== undefined) return showJob(id, agent, options);
      if (!agent) throw new FleetUsageError('give a job id, or --gid and --nid for an agent (hostlink stats JOB_ID, hostlink stats -g 1 -n 1)');
      return showAgent(agent, options);
    }),
  );
}
