/**
 * The JumpScale node command set: what agent2 answered, under its names.
 *
 *   execute {name, args, data, env, working_dir}   run a program (argv, data on stdin)
 *   get_os_info  get_cpu_info  get_mem_info  get_disk_info  get_nic_info
 *   get_processes_stats  get_process_stats {id}  get_aggregated_stats
 *   kill {id}  killall  ping -> "pong"  get_msgs {jobid, levels, limit}  restart
 *   ...and one command per configured extension.
 *
 * Every one is an ordinary registry command, reachable from every protocol; run as a
 * controller job, execute and the extensions stream their messages through the job
 * hooks (job-context.ts) instead of collecting them.
 */
import { defineCommand, type CommandDefinition } from '../../core/registry.js';
import { HostlinkError } from '../../core/errors.js';
import { t } from '../../core/schema.js';
import type { JobMessage } from '../../protocols/fleet/job-model.js';
import { parseLevels } from '../../protocols/fleet/command-check.js';
import { SystemRoot } from '../qga/info/system-root.js';
import { cpuInfo, diskInfo, memInfo, nicInfo, osInfo } from './host-facts.js';
import { extensionArguments, type ExtensionSpec } from './extensions.js';
import { jobHooksOf } from './job-context.js';
import { runProcessJob } from './process-job.js';
import { ProcessSampler, type ProcessStats } from './process-stats.js';

export type { ExtensionSpec } from './extensions.js';

/** A job the agent is running, as the node commands see it. */
export interface NodeJobInfo {
  readonly id: string;
  readonly cmd: string;
  readonly starttime: number;
  /** Leader of the job's process group, while a process runs. */
  readonly pid?: number;
}

/** The agent's jobs, as the job runner exposes them to the node commands. */
export interface NodeJobTable {
  list(): NodeJobInfo[];
  /** Kills a job (its process group); false when no such job runs. */
  kill(id: string): boolean;
  killAll(): number;
  /** The job's recent messages, oldest first; undefined when the job is unknown. */
  messages(id: string, levels: readonly number[] | undefined, limit: number): JobMessage[] | undefined;
  /** Restarts the agent's job machinery once the current answer is on its way. */
  requestRestart(): void;
}

export interface NodeCommandOptions {
  readonly jobs: NodeJobTable;
  readonly extensions?: readonly ExtensionSpec[];
  /** Root of the system facts (/proc, /sys, /etc); "/" by default. */
  readonly rootDir?: string;
}

/** Arguments of execute and of every extension (the run arguments and the data). */
const PROCESS_ARGS = t.struct({
  name: t.optional(t.str()),
  domain: t.optional(t.str()),
  args: t.optional(t.array(t.str())),
  data: t.optional(t.str()),
  env: t.optional(t.any()),
  working_dir: t.optional(t.str()),
  max_time: t.optional(t.int('int32')),
});

export type ProcessCommandArgs = {
  name?: string;
  domain?: string;
  args?: string[];
  data?: string;
  env?: unknown;
  working_dir?: string;
  max_time?: number;
};

function checkEnv(env: unknown): Record<string, string> | undefined {
  if (env === undefined) return undefined;
  if (typeof env !== 'object' || env === null || Array.isArray(env) || !Object.values(env).every((value) => typeof value === 'string')) {
    throw new HostlinkError('InvalidParameter', "Parameter 'env' must be an object of strings");
  }
  return env as Record<string, string>;
}

function executeCommand(): CommandDefinition {
  return defineCommand({
    name: 'execute',
    description: 'Run a program: name is the executable, args its arguments, data goes to stdin (no shell)',
    args: PROCESS_ARGS,
    handler: (args, context) => {
      if (args.name === undefined || args.name === '') throw new HostlinkError('InvalidParameter', "execute needs 'name', the program to run");
      const env = checkEnv(args.env);
      return runProcessJob(
        {
          file: args.name,
          args: args.args ?? [],
          ...(args.data !== undefined ? { input: args.data } : {}),
          ...(env ? { env } : {}),
          ...(args.working_dir !== undefined ? { cwd: args.working_dir } : {}),
          ...(args.max_time !== undefined ? { maxTime: args.max_time } : {}),
        },
        context.signal,
        jobHooksOf(context),
      );
    },
  });
}

/** One command per configured extension. */
export function extensionCommands(extensions: readonly ExtensionSpec[]): CommandDefinition[] {
  return extensions.map((spec) =>
    defineCommand({
      name: spec.name,
      description: `Extension: runs ${spec.binary}${spec.cwd ? ` in ${spec.cwd}` : ''}`,
      args: PROCESS_ARGS,
      handler: (args, context) => {
        const env = { ...spec.env, ...checkEnv(args.env) };
        const cwd = args.working_dir ?? spec.cwd;
        return runProcessJob(
          {
            file: spec.binary,
            args: extensionArguments(spec, args),
            ...(args.data !== undefined ? { input: args.data } : {}),
            env,
            ...(cwd !== undefined ? { cwd } : {}),
            ...(args.max_time !== undefined ? { maxTime: args.max_time } : {}),
          },
          context.signal,
          jobHooksOf(context),
        );
      },
    }),
  );
}

/** Names of the commands that run a program (their arguments come from the run arguments). */
export function processCommandNames(options: Pick<NodeCommandOptions, 'extensions'>): Set<string> {
  return new Set(['execute', ...(options.extensions ?? []).map((spec) => spec.name)]);
}

function statsCommands(options: NodeCommandOptions, sampler: ProcessSampler): CommandDefinition[] {
  const { jobs } = options;
  const jobStats = async (job: NodeJobInfo): Promise<Record<string, unknown> | undefined> => {
    if (job.pid === undefined) return undefined;
    const stats = await sampler.sample(job.pid);
    return stats ? { id: job.id, cmd: job.cmd, pid: job.pid, ...stats } : undefined;
  };
  return [
    defineCommand({
      name: 'get_processes_stats',
      description: 'CPU and memory of every running job',
      handler: async () => (await Promise.all(jobs.list().map(jobStats))).filter((entry) => entry !== undefined),
    }),
    defineCommand({
      name: 'get_process_stats',
      description: 'CPU and memory of one running job',
      args: t.struct({ id: t.str() }),
      handler: async ({ id }) => {
        const job = jobs.list().find((candidate) => candidate.id === id);
        if (!job) throw new HostlinkError('InvalidParameter', `no job with id ${id} is running`);
        const stats = await jobStats(job);
        if (!stats) throw new HostlinkError('GenericError', `job ${id} has no running process`);
        return stats;
      },
    }),
    defineCommand({
      name: 'get_aggregated_stats',
      description: 'CPU and memory of the agent and all its running jobs together',
      handler: async () => {
        const samples: ProcessStats[] = [];
        const own = await sampler.sample(process.pid, true);
        if (own) samples.push(own);
        for (const job of jobs.list()) {
          const stats = job.pid === undefined ? undefined : await sampler.sample(job.pid);
          if (stats) samples.push(stats);
        }
        const sum = (key: 'cpu' | 'rss' | 'vms' | 'swap' | 'processes'): number => samples.reduce((total, sample) => total + sample[key], 0);
        return { cpu: Math.round(sum('cpu') * 100) / 100, rss: sum('rss'), vms: sum('vms'), swap: sum('swap'), processes: sum('processes'), jobs: jobs.list().length };
      },
    }),
  ];
}

function jobCommands(options: NodeCommandOptions): CommandDefinition[] {
  const { jobs } = options;
  return [
    defineCommand({
      name: 'kill',
      description: 'Kill a running job (its whole process group)',
      args: t.struct({ id: t.str() }),
      handler: ({ id }) => {
        if (!jobs.kill(id)) throw new HostlinkError('InvalidParameter', `no job with id ${id} is running`);
        return true;
      },
    }),
    defineCommand({
      name: 'killall',
      description: 'Kill every running job; answers how many',
      handler: () => jobs.killAll(),
    }),
    defineCommand({ name: 'ping', description: 'Answers "pong"', handler: () => 'pong' }),
    defineCommand({
      name: 'get_msgs',
      description: "A job's recent messages on this agent, oldest first (levels: list or \"1,2,20-23\"; limit up to 1000)",
      args: t.struct({ jobid: t.str(), levels: t.optional(t.any()), limit: t.optional(t.int('int32')) }),
      handler: ({ jobid, levels, limit }) => {
        const max = limit ?? 20;
        if (max < 1 || max > 1000) throw new HostlinkError('InvalidParameter', "Parameter 'limit' must be from 1 to 1000");
        const wanted = levels === undefined ? undefined : parseLevels(levels, 'levels');
        const messages = jobs.messages(jobid, wanted, max);
        if (!messages) throw new HostlinkError('InvalidParameter', `no job with id ${jobid} is known to this agent`);
        return messages;
      },
    }),
    defineCommand({
      name: 'restart',
      description: 'Answer, then restart the agent: jobs are stopped, the configuration is read again and the agent reconnects',
      handler: () => {
        jobs.requestRestart();
        return 'restarting';
      },
    }),
  ];
}

export function nodeCommands(options: NodeCommandOptions): CommandDefinition[] {
  const root = new SystemRoot(options.rootDir ?? '/');
  const sampler = new ProcessSampler();
  return [
    executeCommand(),
    ...extensionCommands(options.extensions ?? []),
    defineCommand({ name: 'get_os_info', description: 'Host name, OS, platform, uptime, process count, virtualization', handler: () => osInfo(root) }),
    defineCommand({ name: 'get_cpu_info', description: 'One record per logical CPU (/proc/cpuinfo)', handler: () => cpuInfo(root) }),
    defineCommand({ name: 'get_mem_info', description: 'Memory totals in bytes (/proc/meminfo)', handler: () => memInfo(root) }),
    defineCommand({ name: 'get_disk_info', description: 'Local file systems with device, type and usage', handler: () => diskInfo(root) }),
    defineCommand({ name: 'get_nic_info', description: 'Network interfaces with hardware address, MTU and addresses', handler: () => nicInfo(root) }),
    ...statsCommands(options, sampler),
    ...jobCommands(options),
  ];
}
