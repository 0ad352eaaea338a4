/**
 * The fleet CLI as a user runs it: hostlink run / agents / jobs / job / msgs / kill
 * against a real controller with two real agents; exit codes 0, 1, 2, 3.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ControllerClient } from '../../src/client/controller/index.js';
import { Fleet, freePort, runCli, waitFor, type ControllerProc } from './fleet-helpers.js';

const fleet = new Fleet();
let controller: ControllerProc;
let env: NodeJS.ProcessEnv;

before(async () => {
  controller = await fleet.controller();
  env = { HOSTLINK_CONTROLLER: controller.url };
  await Promise.all([fleet.onlineAgent(controller, 1, 1, ['--roles', 'web']), fleet.onlineAgent(controller, 1, 2, ['--roles', 'web'])]);
});

after(() => fleet.stopAll());

// Each CLI process costs a couple of seconds of start-up: independent ones run side by side.

test('run: live output, ERROR exit code, fan-out prefixes, --json', async () => {
  const [live, failing, fanout, json] = await Promise.all([
    runCli(['run', '-g', '1', '-n', '1', '--', 'sh', '-c', 'echo out; echo err >&2; echo "7::careful"'], env),
    runCli(['run', '--controller', controller.url, '-g', '1', '-n', '1', '--', 'sh', '-c', 'exit 4']),
    runCli(['run', '-r', 'web', '--fanout', '--', 'echo', 'hi'], env),
    runCli(['run', '-g', '1', '-n', '2', '--cmd', 'ping', '--json'], env),
  ]);
  assert.equal(live.status, 0, live.stderr);
  assert.equal(live.stdout, 'out\n');
  assert.match(live.stderr, /^err$/m);
  assert.match(live.stderr, /\[warning\] careful/);

  assert.equal(failing.status, 1);
  assert.match(failing.stderr, /1:1 ERROR: exited with status 4/);

  assert.equal(fanout.status, 0, fanout.stderr);
  assert.deepEqual(fanout.stdout.trim().split('\n').sort(), ['1:1| hi', '1:2| hi']);

  assert.equal(json.status, 0, json.stderr);
  const results = JSON.parse(json.stdout) as Array<{ state: string; data: string; nid: number }>;
  assert.deepEqual(
    results.map((result) => [result.state, result.data, result.nid]),
    [['SUCCESS', '"pong"', 2]],
  );
});

test('run: usage mistakes exit 2, an unreachable controller exits 3', async () => {
  const [noTarget, unreachable] = await Promise.all([
    runCli(['run', '-g', 'x', '--', 'true'], env),
    runCli(['run', '--controller', 'http://127.0.0.1:1', '-g', '1', '-n', '1', '--', 'true']),
  ]);
  assert.equal(noTarget.status, 2);
  assert.match(noTarget.stderr, /--gid must be an integer/);
  assert.equal(unreachable.status, 3);
  assert.match(unreachable.stderr, /cannot reach the controller at http:\/\/127\.0\.0\.1:1/);
});

test('agents, jobs, job, msgs', async () => {
  const id = 'cli-job-1';
  assert.equal((await runCli(['run', '-g', '1', '-n', '1', '--id', id, '--', 'sh', '-c', 'echo line-one; echo "3::shown"'], env)).status, 0);
  const [agents, jobs, job, msgs] = await Promise.all([
    runCli(['agents'], env),
    runCli(['jobs'], env),
    runCli(['job', id], env),
    runCli(['msgs', id, '--levels', '3'], env),
  ]);
  assert.equal(agents.status, 0);
  assert.match(agents.stdout, /^\s*1\s+1\s+online\s+web/m);
  assert.match(agents.stdout, /^\s*1\s+2\s+online\s+web/m);
  assert.match(jobs.stdout, new RegExp(`^${id}\\s+execute\\s+.*SUCCESS`, 'm'));
  assert.equal(job.status, 0);
  assert.match(job.stdout, /execute sh -c/);
  assert.match(job.stdout, /^1:1\s+SUCCESS/m);
  assert.equal(msgs.status, 0);
  assert.match(msgs.stdout, /1:1 \[3\] shown$/m);
  assert.doesNotMatch(msgs.stdout, /line-one/);
});

test('run --no-wait, then kill', async () => {
  const started = await runCli(['run', '-g', '1', '-n', '1', '--no-wait', '--', 'sleep', '30'], env);
  assert.equal(started.status, 0);
  const id = started.stdout.trim();
  await waitFor('the job to run', async () => ((await controller.client.getJob(id)).results[0]?.state === 'RUNNING' ? true : undefined));
  const kill = await runCli(['kill', id], env);
  assert.equal(kill.status, 0);
  assert.match(kill.stdout, /kill sent for job .* on 1 agent/);
  await waitFor('KILLED', async () => ((await controller.client.getJob(id)).results[0]?.state === 'KILLED' ? true : undefined));
});

test('hostlink start: a controller and a local agent in one process, and how to use them', async () => {
  const port = await freePort();
  const start = fleet.start(['--listen', `127.0.0.1:${port}`]);
  await waitFor('the instructions', () => (/Ctrl-C stops/.test(start.output()) ? true : undefined));
  assert.match(start.output(), new RegExp(`controller on http://127\\.0\\.0\\.1:${port} \\(memory store\\), agent 1:1 connected`));
  assert.match(start.output(), /hostlink run -g 1 -n 1 -- uname -a/);
  const client = new ControllerClient({ url: `http://127.0.0.1:${port}` });
  assert.equal(await client.ping(1, 1), 'pong');
  assert.equal(await start.stop('SIGTERM'), 0);
});
