/**
 * The agent's configuration file and the controller's scheduler, with real processes:
 * [extensions.NAME] commands ({key} templates, data on stdin, env, cwd), [startup.ID]
 * jobs run when the agent starts (max_restart applies) and again after `restart`, which
 * also reads new extensions; a bad section stops the agent with a clear message; cron
 * schedules send one job per run.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Fleet, runCli, waitFor, type AgentProc, type ControllerProc } from './fleet-helpers.js';

const fleet = new Fleet();
let controller: ControllerProc;
let agent: AgentProc;
let configFile: string;
let scripts: string;

function config(extra = ''): string {
  return `
[agent]
roles = ["ext"]

[extensions.run_script]
binary = "sh"
cwd = "${scripts}"
args = ["{name}", "{domain}"]
env = { GREETING = "hello" }

[startup.beat]
cmd = "execute"
args = { name = "sh", args = ["-c", "echo started >> '${join(fleet.temp.path, 'beat.log')}'; echo '20::up'"] }

[startup.failing]
cmd = "execute"
args = { name = "sh", args = ["-c", "echo try >> '${join(fleet.temp.path, 'failing.log')}'; exit 1"], max_restart = 2 }
${extra}`;
}

function lines(file: string): string[] {
  try {
    return readFileSync(join(fleet.temp.path, file), 'utf8').trim().split('\n').filter((line) => line !== '');
  } catch {
    return [];
  }
}

before(async () => {
  scripts = join(fleet.temp.path, 'scripts');
  mkdirSync(scripts);
  writeFileSync(join(scripts, 'greet.sh'), 'echo "20:::"; echo "$GREETING $1 $(cat) in $(pwd)"; echo ":::"\n');
  chmodSync(join(scripts, 'greet.sh'), 0o755);
  configFile = join(fleet.temp.path, 'hostlink.toml');
  writeFileSync(configFile, config());
  controller = await fleet.controller();
  agent = await fleet.onlineAgent(controller, 1, 1, ['--config', configFile]);
});

after(() => fleet.stopAll());

test('an extension runs its binary with templated arguments, env, cwd and data on stdin', async () => {
  const handle = await controller.client.cmd(1, 1, 'run_script', { name: 'greet.sh', domain: 'jumpscale' }, 'from stdin');
  const result = await handle.getNextResult(20);
  assert.equal(result?.state, 'SUCCESS', result?.data);
  assert.equal(result?.data, `hello jumpscale from stdin in ${scripts}`);
  const missing = await (await controller.client.cmd(1, 1, 'run_script', { name: 'greet.sh' })).getNextResult(20);
  assert.equal(missing?.state, 'ERROR');
  assert.match(missing!.data, /no "domain" for \{domain\}/);
});

test('startup jobs run when the agent starts; max_restart applies; the controller records them', async () => {
  const beat = await waitFor('the startup job result', async () => {
    const job = await controller.client.getJob('startup:beat:1:1').catch(() => undefined);
    return job?.results[0]?.state === 'SUCCESS' ? job : undefined;
  });
  assert.equal(beat.command.cmd, 'execute');
  assert.equal(beat.results[0]?.data, 'up');
  assert.deepEqual(lines('beat.log'), ['started']);
  const failing = await waitFor('the failing startup job', async () => {
    const job = await controller.client.getJob('startup:failing:1:1').catch(() => undefined);
    return job?.results[0]?.state === 'ERROR' ? job : undefined;
  });
  assert.equal(failing.results[0]?.restarts, 2);
  assert.deepEqual(lines('failing.log'), ['try', 'try', 'try']);
});

test('restart reads the configuration again and runs the startup jobs again', async () => {
  await waitFor('the first startup run', () => (lines('beat.log').length === 1 ? true : undefined));
  writeFileSync(configFile, config(`\n[extensions.echo_args]\nbinary = "echo"\nargs = ["{name}"]\n`));
  assert.equal((await (await controller.client.cmd(1, 1, 'restart')).getNextResult(20))?.state, 'SUCCESS');
  await waitFor('the startup job to run again', () => (lines('beat.log').length === 2 ? true : undefined));
  await fleet.waitOnline(controller.client, 1, 1);
  const result = await (await controller.client.cmd(1, 1, 'echo_args', { name: 'new extension' })).getNextResult(20);
  assert.equal(result?.state, 'SUCCESS');
  assert.equal(result?.streams[0], 'new extension\n');
  assert.match(agent.log(), /restarting/);
});

test('a bad [extensions] section stops the agent before it starts, naming the problem', async () => {
  const bad = join(fleet.temp.path, 'bad.toml');
  writeFileSync(bad, '[extensions.broken]\ncwd = "/tmp"\n');
  const run = await runCli(['agent', '--config', bad, '--listen', `qga:unix:${join(fleet.temp.path, 'bad.sock')}`, '--state-dir', join(fleet.temp.path, 'bad-state'), '--controller', controller.url, '--gid', '9', '--nid', '9']);
  assert.equal(run.status, 2);
  assert.match(run.stderr, /\[extensions\.broken\] needs binary = "PROGRAM"/);
});

test('a cron schedule sends one job per run until removed', async () => {
  const { client } = controller;
  await assert.rejects(client.schedule('bad', '61 * * * *', 1, 1, 'ping'), /minute 61 is outside 0-59/);
  const schedule = await client.schedule('every-second', '* * * * * *', 1, 1, 'execute', { name: 'echo', args: ['scheduled'] });
  assert.equal(schedule.cron, '* * * * * *');
  assert.ok(schedule.next! > Date.now() - 1000);
  assert.deepEqual((await client.getSchedules()).map((entry) => entry.id), ['every-second']);
  const runs = await waitFor('two scheduled runs', async () => {
    const jobs = (await client.getJobs(200)).filter((job) => job.id.startsWith('every-second.') && job.states.SUCCESS === 1);
    return jobs.length >= 2 ? jobs : undefined;
  });
  assert.ok(runs.every((job) => /^every-second\.\d+$/.test(job.id) && job.tags === 'schedule:every-second'));
  await client.unschedule('every-second');
  assert.deepEqual(await client.getSchedules(), []);
  await assert.rejects(client.unschedule('every-second'), /no schedule with id every-second/);
});

test('hostlink vt-agent --controller: vt and service commands are jobs too', async () => {
  const services = join(fleet.temp.path, 'services');
  mkdirSync(services);
  writeFileSync(join(services, 'calc.js'), 'export function add(a, b) { return a + b; }\n');
  const vt = fleet.spawnCli(
    ['vt-agent', '--port', '0', '--pid-file', join(fleet.temp.path, 'vt.pid'), '--data-dir', join(fleet.temp.path, 'vt-data'), '--services', services, '--controller', controller.url, '--gid', '5', '--nid', '1'],
  );
  await fleet.waitOnline(controller.client, 5, 1, vt);
  assert.equal(await controller.client.call(5, 1, 'calc.add', [2, 3]), 5);
  assert.equal(await controller.client.call(5, 1, 'vt_agent.api.is_alive'), true);
  const result = await (await controller.client.execute(5, 1, 'echo', ['node commands too'])).getNextResult(20);
  assert.equal(result?.streams[0], 'node commands too\n');
});
