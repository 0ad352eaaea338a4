/**
 * `hostlink stats` as a user runs it: a real controller (with a token) and a real agent
 * run a job that prints statsd lines and is sampled for CPU and memory
 * (stats_interval); the CLI shows them per job and per agent, as a table and as JSON,
 * and refuses unknown jobs and agents and usage mistakes with the usual exit codes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { StatsSeries } from '../../src/cli/fleet/stats-summary.js';
import { Fleet, runCli, waitFor, type ControllerProc } from './fleet-helpers.js';

const TOKEN = 'stats-cli-token-1';
const JOB = 'stats-cli-job';
const fleet = new Fleet();
let controller: ControllerProc;

/** `hostlink ARGS --controller URL --token T`. */
function stats(args: readonly string[], token = TOKEN): ReturnType<typeof runCli> {
  return runCli(['stats', ...args, '--controller', controller.url, ...(token ? ['--token', token] : [])]);
}

// The job reports gauges, counters, a timer and a set, lives long enough for two CPU/memory
// samples at stats_interval 1, and reports one more gauge value at the end.
const PROGRAM = [
  'echo "10::requests:3|g"',
  'echo "10::requests:5|g"',
  'echo "10::hits:1|c"',
  'echo "10::hits:2|c"',
  'echo "10::latency:12.5|ms"',
  'echo "10::users:7|s"',
  'sleep 2.5',
  'echo "10::requests:4|g"',
].join('; ');

before(async () => {
  controller = await fleet.controller(['--token', TOKEN]);
  await fleet.onlineAgent(controller, 1, 1, ['--controller-token', TOKEN]);
  const handle = await controller.client.execute(1, 1, 'sh', ['-c', PROGRAM], { stats_interval: 1 }, undefined, JOB);
  assert.equal((await handle.getNextResult(30))?.state, 'SUCCESS');
  // Statistics travel ahead of the result on the same link; wait for the last one anyway.
  await waitFor('the statistics stored', async () => {
    const samples = (await controller.client.getJobStats(JOB)).flatMap((entry) => entry.samples);
    return samples.filter((sample) => sample.key === 'requests').length === 3 && samples.some((sample) => sample.key === 'rss') ? true : undefined;
  });
});

after(() => fleet.stopAll());

function series(list: readonly StatsSeries[], key: string): StatsSeries {
  const found = list.find((one) => one.key === key);
  assert.ok(found, `series ${key} in ${list.map((one) => one.key).join(', ')}`);
  return found;
}

test('stats JOB --json: one summary per series, statsd and CPU/memory', async () => {
  const run = await stats([JOB, '--json']);
  assert.equal(run.status, 0, run.stderr);
  const answer = JSON.parse(run.stdout) as { job: string; series: StatsSeries[] };
  assert.equal(answer.job, JOB);
  const requests = series(answer.series, 'requests');
  assert.deepEqual(
    [requests.type, requests.samples, requests.last, requests.min, requests.max, requests.avg, requests.gid, requests.nid],
    ['g', 3, 4, 3, 5, 4, 1, 1],
  );
  const hits = series(answer.series, 'hits');
  assert.deepEqual([hits.type, hits.samples, hits.last, hits.sum], ['c', 2, 2, 3]);
  assert.deepEqual([series(answer.series, 'latency').type, series(answer.series, 'latency').last], ['ms', 12.5]);
  assert.deepEqual([series(answer.series, 'users').type, series(answer.series, 'users').last], ['s', 7]);
  // The job's own process group, sampled from /proc: memory is never zero, CPU never negative.
  const rss = series(answer.series, 'rss');
  assert.ok(rss.samples >= 1 && rss.min > 0, `rss ${JSON.stringify(rss)}`);
  assert.ok(series(answer.series, 'cpu').min >= 0);
  assert.ok(series(answer.series, 'vms').max >= rss.max);
  // CPU and memory first, then the statsd keys by name.
  assert.deepEqual(
    answer.series.map((one) => one.key),
    ['cpu', 'cpu_seconds', 'rss', 'vms', 'swap', 'hits', 'latency', 'requests', 'users'],
  );
  assert.equal(requests.points, undefined, 'samples only with --samples');
});

test('stats JOB: a table with units, and the same job for one agent', async () => {
  const [table, oneAgent, otherAgent] = await Promise.all([stats([JOB]), stats([JOB, '-g', '1', '-n', '1', '--json']), stats([JOB, '-g', '1', '-n', '2'])]);
  assert.equal(table.status, 0, table.stderr);
  const lines = table.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^AGENT\s+KEY\s+KIND\s+SAMPLES\s+LAST\s+MIN\s+MAX\s+AVG$/);
  assert.match(table.stdout, /^1:1\s+requests\s+g\s+3\s+4\s+3\s+5\s+4$/m);
  assert.match(table.stdout, /^1:1\s+hits\s+c\s+2\s+2\s+1\s+2\s+1\.5$/m);
  assert.match(table.stdout, /^1:1\s+latency\s+ms\s+1\s+12\.5ms\s+12\.5ms/m);
  assert.match(table.stdout, /^1:1\s+rss\s+g\s+\d+\s+[\d.]+ (KiB|MiB|GiB)\s/m);
  assert.match(table.stdout, /^1:1\s+cpu\s+g\s+\d+\s+[\d.]+%\s/m);

  assert.equal(oneAgent.status, 0, oneAgent.stderr);
  assert.equal(series((JSON.parse(oneAgent.stdout) as { series: StatsSeries[] }).series, 'requests').samples, 3);
  assert.equal(otherAgent.status, 0, otherAgent.stderr);
  assert.match(otherAgent.stdout, new RegExp(`^job ${JOB} has no statistics from agent 1:2 \\(programs report statistics with lines like 10::name:3\\|g`));
});

test('stats -g G -n N: an agent across its jobs, table and JSON with every sample', async () => {
  const [table, json] = await Promise.all([stats(['-g', '1', '-n', '1']), stats(['--gid', '1', '--nid', '1', '--json', '--samples'])]);
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout.split('\n')[0]!, /^JOB\s+KEY\s+KIND\s+SAMPLES\s+LAST\s+MIN\s+MAX\s+AVG\s+UPDATED$/);
  assert.match(table.stdout, new RegExp(`^${JOB}\\s+requests\\s+g\\s+3\\s+4\\s+3\\s+5\\s+4\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`, 'm'));

  assert.equal(json.status, 0, json.stderr);
  const answer = JSON.parse(json.stdout) as { agent: { gid: number; nid: number }; series: StatsSeries[] };
  assert.deepEqual(answer.agent, { gid: 1, nid: 1 });
  const requests = answer.series.find((one) => one.job === JOB && one.key === 'requests');
  assert.deepEqual(
    requests?.points?.map((point) => point.value),
    [3, 5, 4],
  );
});

test('a job without statistics is no error; unknown jobs and agents, usage mistakes and bad tokens are', async () => {
  const ping = await controller.client.cmd(1, 1, 'ping', {}, undefined, 'stats-cli-ping');
  assert.equal((await ping.getNextResult(20))?.state, 'SUCCESS');
  const [quiet, unknownJob, unknownAgent, nothing, halfAgent, badNid, samplesAlone, noToken, unreachable] = await Promise.all([
    stats(['stats-cli-ping', '--json']),
    stats(['no-such-job']),
    stats(['-g', '7', '-n', '7']),
    stats([]),
    stats(['-g', '1']),
    stats(['-g', '1', '-n', 'x']),
    stats([JOB, '--samples']),
    stats([JOB], ''),
    runCli(['stats', JOB, '--controller', 'http://127.0.0.1:1']),
  ]);
  assert.equal(quiet.status, 0, quiet.stderr);
  assert.deepEqual(JSON.parse(quiet.stdout), { job: 'stats-cli-ping', series: [] });

  assert.deepEqual([unknownJob.status, unknownJob.stdout, unknownJob.stderr], [1, '', 'hostlink stats: no job with id no-such-job\n']);
  assert.deepEqual([unknownAgent.status, unknownAgent.stderr], [1, 'hostlink stats: no agent 7:7 is known to the controller\n']);
  assert.equal(nothing.status, 2);
  assert.match(nothing.stderr, /give a job id, or --gid and --nid for an agent/);
  assert.deepEqual([halfAgent.status, halfAgent.stderr], [2, 'hostlink stats: give --gid and --nid together\n']);
  assert.deepEqual([badNid.status, badNid.stderr], [2, 'hostlink stats: --nid must be an integer, not "x"\n']);
  assert.deepEqual([samplesAlone.status, samplesAlone.stderr], [2, 'hostlink stats: --samples goes with --json\n']);
  assert.equal(noToken.status, 1);
  assert.match(noToken.stderr, /^hostlink stats: token missing/);
  assert.equal(unreachable.status, 3);
  assert.match(unreachable.stderr, /cannot reach the controller at http:\/\/127\.0\.0\.1:1/);
});
