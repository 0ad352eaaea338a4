/**
 * `hostlink events`: the controller's live feed of the whole fleet (GET /v1/events), one
 * line per event as it happens: jobs created, result states (QUEUED, RUNNING, final),
 * agents connecting and going away. --json prints each event as one JSON line (NDJSON).
 * Runs until Ctrl-C; when the controller drops a reader that fell behind (overflow), it
 * connects again.
 */
import type { Command } from 'commander';
import type { ControllerEvent, FeedJob, ResultChange } from '../client/controller/index.js';
import type { AgentInfo } from '../protocols/fleet/job-model.js';
import { EXIT } from './main.js';
import { addClientOptions, clientFor, formatTime, runFleetAction, type FleetClientOptions } from './fleet/context.js';

function shorten(text: string, width: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

function agentsText(targets: FeedJob['targets']): string {
  const keys = targets.map((target) => `${target.gid}:${target.nid}`);
  return keys.length <= 3 ? keys.join(', ') : `${keys.length} agents`;
}

function jobLine(job: FeedJob): string {
  const args = job.command.args;
  const what = job.cmd === 'execute' ? `execute ${[args.name ?? '', ...(args.args ?? [])].join(' ')}` : `${job.cmd}${job.command.data ? ` ${job.command.data}` : ''}`;
  const failed = job.states.ERROR ? ' (no matching agent)' : '';
  return `job ${job.id} created: ${shorten(what, 80)} -> ${agentsText(job.targets)}${failed}`;
}

function resultLine(result: ResultChange): string {
  const run = result.run ? ` run ${result.run}` : '';
  const took = result.state !== 'QUEUED' && result.state !== 'RUNNING' && result.time > 0 ? ` in ${result.time} ms` : '';
  return `result ${result.id} ${result.gid}:${result.nid} ${result.state}${run}${took}`;
}

function agentLine(agent: AgentInfo): string {
  if (!agent.online) return `agent ${agent.gid}:${agent.nid} went away`;
  const about = [agent.roles.length > 0 ? `roles ${agent.roles.join(',')}` : '', agent.hostname ? `host ${agent.hostname}` : '', agent.version ? `version ${agent.version}` : ''].filter(Boolean);
  return `agent ${agent.gid}:${agent.nid} connected${about.length > 0 ? ` (${about.join('; ')})` : ''}`;
}

/** The event as one line for a terminal; undefined for the ones that go to stderr. */
export function eventLine(event: ControllerEvent): string | undefined {
  switch (event.type) {
    case 'job':
      return jobLine(event.job);
    case 'result':
      return resultLine(event.result);
    case 'agent':
      return agentLine(event.agent);
    default:
      return undefined;
  }
}

async function follow(options: FleetClientOptions): Promise<number> {
  const client = clientFor(options);
  const stop = new AbortController();
  const onInterrupt = (): void => stop.abort();
  process.once('SIGINT', onInterrupt);
  try {
    for (;;) {
      let overflow = false;
      for await (const event of client.events(stop.signal)) {
        if (options.json) process.stdout.write(`${JSON.stringify(event)}\n`);
        if (event.type === 'hello') {
          if (!options.json) process.stderr.write(`hostlink events: following controller ${event.controller} (Ctrl-C to stop)\n`);
        } else if (event.type === 'overflow') {
          overflow = true;
          process.stderr.write('hostlink events: fell behind and was dropped by the controller; connecting again\n');
        } else if (!options.json) {
          process.stdout.write(`${formatTime(Date.now())} ${eventLine(event)}\n`);
        }
      }
      if (stop.signal.aborted) return EXIT.ok;
      if (!overflow) {
        process.stderr.write('hostlink events: the controller ended the feed (it is shutting down?)\n');
        return EXIT.connection;
      }
    }
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

const HELP_AFTER = `
One line per event: a job created (its command and targets), a result state recorded
(QUEUED, RUNNING, then SUCCESS, ERROR, ...), an agent connecting or going away. With
several controllers on one Redis, the news of all of them. --json prints the events as
the controller sends them, one JSON object per line (the first is {"type":"hello"}).

Examples:
  hostlink events
  hostlink events --json | jq -c 'select(.type == "result")'
`;

export function addEventsCommand(program: Command): void {
  addClientOptions(program.command('events').description('follow the live feed of the fleet: jobs, result states, agents coming and going').addHelpText('after', HELP_AFTER)).action(
    (options: FleetClientOptions) => runFleetAction('events', () => follow(options)),
  );
}
