/**
 * Run arguments on a real agent: live streaming (stream: true), recurring runs with one
 * result each, max_restart, queues, loglevels/loglevels_db, stats_interval and statsd
 * lines, and `restart`, which answers before it restarts.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Fleet, waitFor, type AgentProc, type ControllerProc } from './fleet-helpers.js';

const fleet = new Fleet();
let controller: ControllerProc;
let agent: AgentProc;

before(async () => {
  controller = await fleet.controller();
  agent = await fleet.onlineAgent(controller, 1, 1);
});

after(() => fleet.stopAll());

test('stream: true delivers messages while the job still runs', async () => {
  const marker = join(fleet.temp.path, 'go');
  // The job prints, then waits for the test to create a file: the message must arrive first.
  const script = `echo first; echo "3::public"; while [ ! -e '${marker}' ]; do sleep 0.05; done; echo second`;
  const handle = await controller.client.execute(1, 1, 'sh', ['-c', script], { stream: true });
  const seen: string[] = [];
  let stateWhenFirst: string | undefined;
  for await (const event of handle.stream()) {
    if (event.type === 'message') {
      seen.push(event.data);
      if (event.data === 'first') {
        stateWhenFirst = (await handle.getJobs()).get('1:1')?.state;
        writeFileSync(marker, '');
      }
    } else if (event.type === 'result') {
      seen.push(`result ${event.result.state}`);
    }
  }
  assert.equal(stateWhenFirst, 'RUNNING');
  assert.deepEqual(seen, ['first', 'public', 'second', 'result SUCCESS']);
});

test('recurring: one result per run, until killed', async () => {
  const handle = await controller.client.execute(1, 1, 'sh', ['-c', 'echo tick'], { recurring_period: 1 });
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await handle.getNextResult(20));
  assert.deepEqual(
    runs.map((result) => [result?.state, result?.run, result?.streams[0]]),
    [
      ['SUCCESS', 1, 'tick\n'],
      ['SUCCESS', 2, 'tick\n'],
      ['SUCCESS', 3, 'tick\n'],
    ],
  );
  assert.equal(handle.done, false);
  await handle.kill();
  const last = await waitFor('the KILLED result', async () => {
    const result = await handle.getNextResult(20);
    return result?.state === 'KILLED' ? result : undefined;
  });
  assert.equal(last.state, 'KILLED');
  assert.equal(await handle.getNextResult(1), undefined);
  assert.equal(handle.done, true);
});

test('max_restart starts a failing program again, then reports ERROR with the count', async () => {
  const counter = join(fleet.temp.path, 'attempts');
  const handle = await controller.client.execute(1, 1, 'sh', ['-c', `echo x >> '${counter}'; exit 1`], { max_restart: 2 });
  const result = await handle.getNextResult(20);
  assert.equal(result?.state, 'ERROR');
  assert.equal(result?.restarts, 2);
  assert.equal(readFileSync(counter, 'utf8'), 'x\nx\nx\n');
});

test('jobs sharing a queue run one at a time, in order', async () => {
  const log = join(fleet.temp.path, 'queue.log');
  const script = (name: string): string => `echo "start ${name}" >> '${log}'; sleep 0.3; echo "end ${name}" >> '${log}'`;
  const handles = [];
  for (const name of ['a', 'b', 'c']) handles.push(await controller.client.execute(1, 1, 'sh', ['-c', script(name)], { queue: 'one-at-a-time' }));
  for (const handle of handles) assert.equal((await handle.getNextResult(20))?.state, 'SUCCESS');
  assert.equal(readFileSync(log, 'utf8'), 'start a\nend a\nstart b\nend b\nstart c\nend c\n');
});

test('loglevels limits what the agent sends, loglevels_db what the controller keeps', async () => {
  const script = 'echo out; echo "3::public"; echo "7::warning"; echo "20::{\\"r\\":1}"';
  const handle = await controller.client.execute(1, 1, 'sh', ['-c', script], { loglevels: [1, 3, 20], loglevels_db: [3, 20] });
  const result = await handle.getNextResult(20);
  assert.equal(result?.data, '{"r":1}');
  assert.deepEqual((await handle.getMsgs({ limit: 100 })).map((message) => message.level).sort((a, b) => a - b), [3, 20]);
});

test('statsd lines (level 10) and stats_interval samples are kept per job and per agent', async () => {
  const handle = await controller.client.execute(1, 1, 'sh', ['-c', 'echo "10::requests:5|c"; echo "10::load:0.5|g"; sleep 1.5'], { stats_interval: 1 });
  assert.equal((await handle.getNextResult(20))?.state, 'SUCCESS');
  const stats = await controller.client.getJobStats(handle.id);
  const keys = new Set(stats.flatMap((entry) => entry.samples.map((sample) => sample.key)));
  assert.ok(keys.has('requests') && keys.has('load'), `statsd keys in ${[...keys].join(',')}`);
  assert.ok(keys.has('rss') && keys.has('cpu'), `process samples in ${[...keys].join(',')}`);
  const perAgent = await controller.client.getAgentStats(1, 1);
  assert.ok(perAgent.some((entry) => entry.id === handle.id));
});

test('restart answers first, then the agent restarts and takes jobs again', async () => {
  const result = await (await controller.client.cmd(1, 1, 'restart')).getNextResult(20);
  assert.equal(result?.state, 'SUCCESS');
  assert.equal(result?.data, '"restarting"');
  await waitFor('the agent to log its restart', () => (agent.log().includes('restarting') ? true : undefined));
  await fleet.waitOnline(controller.client, 1, 1);
  assert.equal(await controller.client.ping(1, 1), 'pong');
});
