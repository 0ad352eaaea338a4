/**
 * `hostlink run`: send a command to agents through the controller and show what it
 * does. Output streams live (stdout lines to stdout, stderr lines to stderr, other
 * levels tagged on stderr), fan-out lines are prefixed with the agent's gid:nid and a
 * progress line counts the results on a terminal; --json prints the results instead.
 * The exit code is 0 when every result is SUCCESS, 1 otherwise.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { CommandHandle } from '../client/controller/index.js';
import { agentKey, isResultLevel, LEVEL, type JobMessage, type JobResult, type RunArgs } from '../protocols/fleet/job-model.js';
import { EXIT } from './main.js';
import { addClientOptions, clientFor, FleetUsageError, parseInteger, printJson, runFleetAction, type FleetClientOptions } from './fleet/context.js';
import { collect } from '../core/collect-option.js';

interface RunOptions extends FleetClientOptions {
  gid?: string;
  nid?: string;
  role?: string[];
  fanout?: boolean;
  cmd?: string;
  data?: string;
  dataFile?: string;
  maxTime?: string;
  maxRestart?: string;
  recurring?: string;
  statsInterval?: string;
  queue?: string;
  cwd?: string;
  env?: string[];
  loglevels?: string;
  loglevelsDb?: string;
  domain?: string;
  id?: string;
  tags?: string;
  stream: boolean;
  wait: boolean;
  timeout?: string;
  verbose?: boolean;
}


const LEVEL_TAGS: Record<number, string> = { 3: 'public', 4: 'operator', 5: 'unknown', 6: 'structured', 7: 'warning', 8: 'error', 9: 'critical', 10: 'statsd', 11: 'debug' };

function runArgsOf(options: RunOptions, program: string[]): RunArgs {
  const args: Record<string, unknown> = {};
  const int = (text: string | undefined, option: string): number | undefined => (text === undefined ? undefined : parseInteger(text, option));
  if (options.cmd === undefined || options.cmd === 'execute') {
    if (program.length === 0) throw new FleetUsageError('give the program to run after --, e.g. hostlink run -g 1 -n 1 -- uname -a (or --cmd NAME for another command)');
    args.name = program[0];
    args.args = program.slice(1);
  } else if (program.length > 0) {
    throw new FleetUsageError(`--cmd ${options.cmd} takes its arguments as JSON in --data, not after --`);
  }
  const numbers: Array<[keyof RunArgs, string | undefined, string]> = [
    ['max_time', options.maxTime, '--max-time'],
    ['max_restart', options.maxRestart, '--max-restart'],
    ['recurring_period', options.recurring, '--recurring'],
    ['stats_interval', options.statsInterval, '--stats-interval'],
  ];
  for (const [key, text, option] of numbers) {
    const value = int(text, option);
    if (value !== undefined) args[key] = value;
  }
  if (options.queue !== undefined) args.queue = options.queue;
  if (options.cwd !== undefined) args.working_dir = options.cwd;
  if (options.domain !== undefined) args.domain = options.domain;
  if (options.loglevels !== undefined) args.loglevels = options.loglevels;
  if (options.loglevelsDb !== undefined) args.loglevels_db = options.loglevelsDb;
  if (options.env) {
    const env: Record<string, string> = {};
    for (const pair of options.env) {
      const equals = pair.indexOf('=');
      if (equals <= 0) throw new FleetUsageError(`--env takes NAME=VALUE, not "${pair}"`);
      env[pair.slice(0, equals)] = pair.slice(equals + 1);
    }
    args.env = env;
  }
  if (options.stream && !options.json) args.stream = true;
  return args as RunArgs;
}

function dataOf(options: RunOptions): string | undefined {
  if (options.data !== undefined && options.dataFile !== undefined) throw new FleetUsageError('give --data or --data-file, not both');
  if (options.dataFile !== undefined) return readFileSync(options.dataFile === '-' ? 0 : options.dataFile, 'utf8');
  return options.data;
}

/** Prints a job's live messages and results; returns the results. */
class LivePrinter {
  private readonly results: JobResult[] = [];
  private readonly shownData = new Set<string>();
  private progressShown = false;

  constructor(
    private readonly handle: CommandHandle,
    private readonly verbose: boolean,
  ) {}

  private get prefixed(): boolean {
    return this.handle.targets.length > 1;
  }

  private prefix(gid: number, nid: number): string {
    return this.prefixed ? `${gid}:${nid}| ` : '';
  }

  message(message: JobMessage): void {
    this.clearProgress();
    const text = `${this.prefix(message.gid, message.nid)}${message.data}\n`;
    if (message.level === LEVEL.stdout) process.stdout.write(text);
    else if (message.level === LEVEL.stderr) process.stderr.write(text);
    else if (isResultLevel(message.level)) {
      this.shownData.add(agentKey(message.gid, message.nid));
      process.stdout.write(text);
    } else if ((message.level !== LEVEL.statsd && message.level !== LEVEL.debug) || this.verbose) {
      process.stderr.write(`${this.prefix(message.gid, message.nid)}[${LEVEL_TAGS[message.level] ?? `level ${message.level}`}] ${message.data}\n`);
    }
  }

  result(result: JobResult): void {
    this.results.push(result);
    this.clearProgress();
    const key = agentKey(result.gid, result.nid);
    if (result.state === 'SUCCESS') {
      if (!this.shownData.has(key) && result.data !== '' && result.level >= 20) process.stdout.write(`${this.prefix(result.gid, result.nid)}${result.data}\n`);
    } else {
      process.stderr.write(`hostlink run: ${result.gid}:${result.nid} ${result.state}${result.data ? `: ${result.data}` : ''}\n`);
    }
    this.shownData.delete(key);
    this.progress();
  }

  private progress(): void {
    if (!this.prefixed || !process.stderr.isTTY) return;
    process.stderr.write(`\r${this.results.length}/${this.handle.targets.length} results\x1b[K`);
    this.progressShown = true;
  }

  private clearProgress(): void {
    if (!this.progressShown) return;
    process.stderr.write('\r\x1b[K');
    this.progressShown = false;
  }

  finish(): JobResult[] {
    this.clearProgress();
    return this.results;
  }
}

async function runAction(program: string[], options: RunOptions): Promise<number> {
  const roles = options.role ?? [];
  if (options.nid !== undefined && options.gid === undefined) throw new FleetUsageError('-n/--nid needs -g/--gid');
  if (options.gid === undefined && roles.length === 0) throw new FleetUsageError("give a target: -g G -n N for one agent, or -r ROLE (-r '*' for any agent; --fanout for all)");
  const gid = options.gid === undefined ? undefined : parseInteger(options.gid, '--gid');
  const nid = options.nid === undefined ? undefined : parseInteger(options.nid, '--nid');
  const args = runArgsOf(options, program);
  const timeout = options.timeout === undefined ? 0 : parseInteger(options.timeout, '--timeout');
  const client = clientFor(options);
  const handle = await client.cmd(gid, nid, options.cmd ?? 'execute', args, dataOf(options), options.id, {
    roles,
    ...(options.fanout ? { fanout: true } : {}),
    ...(options.tags !== undefined ? { tags: options.tags } : {}),
  });
  if (handle.duplicate) {
    process.stderr.write(`hostlink run: DUPLICATE_ID: a job with id ${handle.id} exists\n`);
    return EXIT.remoteError;
  }
  if (!options.wait) {
    if (options.json) printJson({ id: handle.id, targets: handle.targets });
    else process.stdout.write(`${handle.id}\n`);
    return EXIT.ok;
  }
  const stop = new AbortController();
  const onInterrupt = (): void => stop.abort();
  process.once('SIGINT', onInterrupt);
  const timer = timeout > 0 ? setTimeout(() => stop.abort(), timeout * 1000) : undefined;
  let results: JobResult[];
  try {
    if (options.json) {
      results = await handle.getAllResults(timeout);
      printJson(results);
    } else {
      const printer = new LivePrinter(handle, options.verbose === true);
      try {
        for await (const event of handle.stream(stop.signal)) {
          if (event.type === 'message') printer.message(event);
          else if (event.type === 'result') printer.result(event.result);
        }
      } catch (error) {
        if (!stop.signal.aborted) throw error;
      }
      results = printer.finish();
    }
  } finally {
    process.off('SIGINT', onInterrupt);
    if (timer) clearTimeout(timer);
  }
  if (stop.signal.aborted || (options.json && !handle.done)) {
    process.stderr.write(`hostlink run: stopped waiting; job ${handle.id} goes on (hostlink job ${handle.id} shows it, hostlink kill ${handle.id} stops it)\n`);
    return EXIT.remoteError;
  }
  return results.length > 0 && results.every((result) => result.state === 'SUCCESS') ? EXIT.ok : EXIT.remoteError;
}

const HELP_AFTER = `
Targets: -g G -n N is one agent; -r ROLE (repeatable, with or without -g) is one agent
holding all those roles, or all of them with --fanout; -r '*' matches any agent.

Examples:
  hostlink run -g 1 -n 1 -- uname -a
  hostlink run -r web --fanout --max-time 30 -- systemctl is-active nginx
  hostlink run -g 1 -n 1 --cmd get_mem_info
  hostlink run -g 1 -n 1 --cmd guest-get-osinfo --json
  hostlink run -g 1 -n 1 --cmd kill --data '{"id": "JOB"}'
  hostlink run -g 1 -n 1 --recurring 60 --no-wait -- /usr/local/bin/collect
`;

export function addRunCommand(program: Command): void {
  const command = program
    .command('run')
    .description('send a command to agents through the controller and show its output and results')
    .argument('[program...]', 'the program and its arguments (after --) for execute')
    .option('-g, --gid <gid>', 'grid id')
    .option('-n, --nid <nid>', 'node id (with --gid: one agent)')
    .option('-r, --role <role>', 'role the agents must hold (repeatable)', collect)
    .option('--fanout', 'send to every matching agent, not just one')
    .option('--cmd <name>', 'registry command to send instead of execute (get_os_info, guest-info, ...)')
    .option('--data <text>', "stdin of the program, or the command's JSON arguments")
    .option('--data-file <file>', 'read the data from a file (- for stdin)')
    .option('--max-time <seconds>', '0 no limit, N seconds then TIMEOUT, -1 long running')
    .option('--max-restart <n>', 'start the program again up to N times when it ends in ERROR')
    .option('--recurring <seconds>', 'run every N seconds (one result per run) until killed')
    .option('--stats-interval <seconds>', 'sample CPU and memory every N seconds')
    .option('--queue <name>', 'run one at a time with other jobs of this queue on the agent')
    .option('--cwd <dir>', 'working directory of the program')
    .option('--env <NAME=VALUE>', 'environment variable on top of the agent\'s (repeatable)', collect)
    .option('--loglevels <levels>', 'levels the agent forwards ("*", "1,2,20-23")')
    .option('--loglevels-db <levels>', 'levels the controller keeps for hostlink msgs')
    .option('--domain <domain>', 'JumpScale domain (kept with the job)')
    .option('--id <id>', 'job id (random by default)')
    .option('--tags <tags>', 'free text kept with the job')
    .option('--no-stream', 'do not stream output live; show it with each result')
    .option('--no-wait', 'print the job id and return at once')
    .option('--timeout <seconds>', 'stop waiting after N seconds (the job goes on)')
    .option('-v, --verbose', 'also show statsd and debug messages');
  addClientOptions(command)
    .addHelpText('after', HELP_AFTER)
    .action((programArgs: string[], options: RunOptions) => runFleetAction('run', () => runAction(programArgs, options)));
}
