/**
 * What happens when agents go away (memory store, real processes): a job running on an
 * agent that is killed ends DISCONNECTED; a job for an away agent waits and runs when it
 * is back, or ends EXPIRED after --offline-wait; the wait queue has a limit.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Fleet, waitFor, type ControllerProc } from './fleet-helpers.js';

const fleet = new Fleet();
let controller: ControllerProc;
/** A controller that gives up on away agents quickly. */
let impatient: ControllerProc;

before(async () => {
  [controller, impatient] = await Promise.all([fleet.controller(['--lost-after', '1']), fleet.controller(['--offline-wait', '1', '--queue-limit', '1'])]);
});

after(() => fleet.stopAll());

test('an agent killed mid-job: the job ends DISCONNECTED with the reason', async () => {
  const agent = await fleet.onlineAgent(controller, 1, 1);
  const handle = await controller.client.execute(1, 1, 'sh', ['-c', 'echo $$; exec sleep 30'], { stream: true });
  const pid = await waitFor('the job to print its pid', async () => Number((await handle.getMsgs())[0]?.data) || undefined);
  try {
    await agent.stop('SIGKILL');
    const result = await handle.getNextResult(20);
    assert.equal(result?.state, 'DISCONNECTED');
    assert.match(result!.data, /went away while running the job/);
  } finally {
    // The job ran in its own session: it outlives a SIGKILLed agent.
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

test('a job for an away agent waits and runs when the agent is back', async () => {
  const first = await fleet.onlineAgent(controller, 2, 1);
  await first.stop();
  await waitFor('the agent to be away', async () => ((await controller.client.getAgents()).some((agent) => agent.nid === 1 && agent.gid === 2 && !agent.online) ? true : undefined));
  const handle = await controller.client.execute(2, 1, 'echo', ['waited']);
  assert.equal((await handle.getJobs()).get('2:1')?.state, 'QUEUED');
  await fleet.onlineAgent(controller, 2, 1);
  const result = await handle.getNextResult(20);
  assert.equal(result?.state, 'SUCCESS');
  assert.equal(result?.streams[0], 'waited\n');
});

test('an agent that stays away: EXPIRED after --offline-wait; beyond --queue-limit at once', async () => {
  const agent = await fleet.onlineAgent(impatient, 3, 1);
  await agent.stop();
  await waitFor('the agent to be away', async () => ((await impatient.client.getAgents()).some((entry) => entry.gid === 3 && !entry.online) ? true : undefined));
  const waiting = await impatient.client.execute(3, 1, 'echo', ['never']);
  const overflow = await impatient.client.execute(3, 1, 'echo', ['too many']);
  const refused = await overflow.getNextResult(5);
  assert.equal(refused?.state, 'EXPIRED');
  assert.match(refused!.data, /already has 1 jobs waiting/);
  const expired = await waiting.getNextResult(20);
  assert.equal(expired?.state, 'EXPIRED');
  assert.match(expired!.data, /away for longer than 1s/);
});
