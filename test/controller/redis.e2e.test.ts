/**
 * The Redis store with a real redis-server on a free port: two controllers share it (an
 * agent on controller A is reachable by a client of controller B), and killing and
 * restarting a controller mid-job loses neither the running job's result nor a queued
 * job nor the results kept so far.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ControllerClient } from '../../src/client/controller/index.js';
import { requireProgram } from '../helpers/peers.js';
import { Fleet, freePort, waitFor } from './fleet-helpers.js';

const fleet = new Fleet();
after(() => fleet.stopAll());

test('two controllers on one Redis; a controller restart loses nothing', async (t) => {
  const redisServer = requireProgram(t, 'redis-server', 'redis-server');
  if (!redisServer) return;
  const redis = await fleet.redis(redisServer);
  const portA = await freePort();
  const started = await Promise.all([fleet.controller(['--redis', redis.url, '--id', 'A'], {}, portA), fleet.controller(['--redis', redis.url, '--id', 'B'])]);
  let a = started[0];
  const b = started[1];
  const [agentOnA] = await Promise.all([fleet.onlineAgent(a, 1, 1, ['--roles', 'web']), fleet.onlineAgent(b, 1, 2, ['--roles', 'web'])]);

  await t.test('a client of B reaches the agent held by A, and both see the same job', async () => {
    const handle = await b.client.execute(1, 1, 'sh', ['-c', 'echo "20::from A"']);
    const result = await handle.getNextResult(20);
    assert.equal(result?.state, 'SUCCESS');
    assert.equal(result?.data, 'from A');
    const seenByA = await a.client.getJob(handle.id);
    assert.equal(seenByA.results[0]?.state, 'SUCCESS');
    assert.deepEqual((await a.client.getMsgs(handle.id)).map((message) => message.data), ['from A']);
    const agents = await b.client.getAgents();
    assert.deepEqual(
      agents.map((agent) => [agent.nid, agent.controller, agent.online]).sort(),
      [
        [1, 'A', true],
        [2, 'B', true],
      ],
    );
  });

  await t.test('fan-out from either controller reaches agents on both', async () => {
    const handle = await a.client.cmd(null, null, 'ping', {}, undefined, undefined, { roles: ['web'], fanout: true });
    const results = await handle.getAllResults(20);
    assert.deepEqual(results.map((result) => result.nid).sort(), [1, 2]);
  });

  await t.test('kill controller A mid-job, start it again: the result arrives, nothing is lost', async () => {
    const before = await b.client.execute(1, 1, 'echo', ['kept']);
    assert.equal((await before.getNextResult(20))?.state, 'SUCCESS');

    const running = await b.client.execute(1, 1, 'sh', ['-c', 'sleep 2; echo "20::survived"']);
    await waitFor('the job to run', async () => ((await running.getJobs()).get('1:1')?.state === 'RUNNING' ? true : undefined));
    await a.stop('SIGKILL');
    // While A is down, a job for its agent waits in Redis.
    const queued = await b.client.execute(1, 1, 'echo', ['queued while A was down']);
    a = await fleet.controller(['--redis', redis.url, '--id', 'A'], {}, portA);

    const result = await running.getNextResult(30);
    assert.equal(result?.state, 'SUCCESS', JSON.stringify(result));
    assert.equal(result?.data, 'survived');
    const queuedResult = await queued.getNextResult(30);
    assert.equal(queuedResult?.state, 'SUCCESS');
    assert.equal(queuedResult?.streams[0], 'queued while A was down\n');
    const kept = await new ControllerClient({ url: a.url }).getJob(before.id);
    assert.equal(kept.results[0]?.streams[0], 'kept\n');
    assert.equal(agentOnA.child.exitCode, null, 'the agent rode out the restart');
  });
});
