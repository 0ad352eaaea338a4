/**
 * The store contract, the same cases against the memory store and the Redis store (a
 * real redis-server on a free port): queues and in-flight work, the straight hand-over
 * of work to a local agent, expiry of work put back after a disconnect, results in
 * completion order with one announcement per batch, and many operations in one turn of
 * the event loop (the Redis store runs them as one script) each answered on its own.
 */
import assert from 'node:assert/strict';
import { after, test, type TestContext } from 'node:test';
import type { ControllerStore, StoreEvent } from '../../src/controller/stores/store.js';
import { pendingResult, type JobCommand, type JobResult } from '../../src/protocols/fleet/job-model.js';
import { Fleet } from './fleet-helpers.js';

const fleet = new Fleet();
after(() => fleet.stopAll());

const command = (id: string, nid = 1): JobCommand => ({ id, gid: 1, nid, cmd: 'ping', args: {} });
const agent = { gid: 1, nid: 1 };
const hour = 3_600_000;

function openStore(t: TestContext, kind: 'memory' | 'redis'): Promise<ControllerStore | undefined> {
  return fleet.store(t, kind, `t${Date.now()}:`);
}

function done(result: JobResult): JobResult {
  return { ...result, state: 'SUCCESS', data: '"pong"' };
}

for (const kind of ['memory', 'redis'] as const) {
  test(`${kind} store: an offered job skips an empty queue, and queues behind waiting work`, async (t) => {
    const store = await openStore(t, kind);
    if (!store) return;
    try {
      assert.equal(await store.enqueue(agent, 'direct', Date.now() + hour, false, true), true);
      assert.deepEqual(await store.takeWork(agent, 10), [], 'a job handed over is not in the queue');
      assert.equal(await store.enqueue(agent, 'queued', Date.now() + hour, false, false), false);
      assert.equal(await store.enqueue(agent, 'behind', Date.now() + hour, false, true), false, 'work is waiting: the offer is declined');
      assert.equal(await store.queueLength(agent), 2);
      assert.deepEqual(await store.takeWork(agent, 10), ['queued', 'behind']);
      // Everything in flight (handed over or taken) goes back in order after a disconnect.
      await store.requeueInflight(agent, Date.now() + hour);
      assert.deepEqual(await store.takeWork(agent, 10), ['direct', 'queued', 'behind']);
      await store.acceptWork(agent, 'direct');
      assert.deepEqual(await store.listRunning(agent), ['direct']);
    } finally {
      await store.close();
    }
  });

  test(`${kind} store: work put back after a disconnect expires when the agent stays away`, async (t) => {
    const store = await openStore(t, kind);
    if (!store) return;
    try {
      assert.equal(await store.enqueue(agent, 'lost', Date.now() + hour, false, true), true);
      await store.requeueInflight(agent, Date.now() - 1);
      assert.deepEqual(await store.takeExpired(Date.now()), [{ gid: 1, nid: 1, id: 'lost' }]);
      assert.equal(await store.queueLength(agent), 0);
    } finally {
      await store.close();
    }
  });

  test(`${kind} store: many steps in one turn, each answered, results in completion order`, async (t) => {
    const store = await openStore(t, kind);
    if (!store) return;
    const events: StoreEvent[] = [];
    store.subscribe((event) => events.push(event));
    try {
      const ids = Array.from({ length: 50 }, (_, index) => `job-${index}`);
      // All issued together, as the controller does for a batch of commands.
      const created = await Promise.all([...ids, 'job-0'].map((id) => store.createJob({ command: command(id), created: Date.now(), targets: [agent] }, [pendingResult(command(id), 1, 1)])));
      assert.deepEqual(created, [...ids.map(() => true), false], 'the second job-0 is a DUPLICATE_ID');
      const offered = await Promise.all(ids.map((id) => store.enqueue(agent, id, Date.now() + hour, false, true)));
      assert.ok(offered.every((direct) => direct));
      const [found, missing] = await Promise.all([store.getAgent(agent), store.getAgent({ gid: 7, nid: 7 })]);
      assert.equal(found, undefined, 'no agent was announced');
      assert.equal(missing, undefined);
      const reversed = [...ids].reverse();
      await Promise.all(reversed.map((id) => store.putResult(done(pendingResult(command(id), 1, 1)), true, true, true)));
      const completed = await store.readCompleted('job-7', 0);
      assert.equal(completed.length, 1);
      assert.equal(completed[0]!.state, 'SUCCESS');
      assert.deepEqual(await store.takeWork(agent, 100), [], 'accepted with the result: nothing left in flight');
      await store.requeueInflight(agent, Date.now() + hour);
      assert.equal(await store.queueLength(agent), 0);
      assert.deepEqual(await store.listRunning(agent), []);
      const summaries = await store.listJobs(100);
      assert.equal(summaries.length, 50);
      assert.ok(summaries.every((summary) => summary.states.SUCCESS === 1));
      // Every completed job was announced (Redis: once per batch, over pub/sub).
      const deadline = Date.now() + 5000;
      const announced = (): Set<string> => new Set(events.flatMap((event) => (event.type === 'result' ? event.ids : [])));
      while (announced().size < 50 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual([...announced()].sort(), [...ids].sort());
    } finally {
      await store.close();
    }
  });

  test(`${kind} store: agents announced online are found one by one and in a list`, async (t) => {
    const store = await openStore(t, kind);
    if (!store) return;
    try {
      await store.controllerAlive('ctl-a', 60_000);
      await store.agentOnline({ gid: 1, nid: 1, roles: ['web'], instance: 'i-1', controller: 'ctl-a', connected: Date.now(), os: 'TestOS 1' });
      await store.agentOnline({ gid: 1, nid: 2, roles: [], instance: 'i-2', controller: 'ctl-a', connected: Date.now() });
      const [one, two, none] = await Promise.all([store.getAgent({ gid: 1, nid: 1 }), store.getAgent({ gid: 1, nid: 2 }), store.getAgent({ gid: 1, nid: 3 })]);
      assert.equal(one?.online, true);
      assert.deepEqual(one?.roles, ['web']);
      assert.equal(one?.os, 'TestOS 1');
      assert.equal(two?.instance, 'i-2');
      assert.equal(none, undefined);
      await store.agentOffline({ gid: 1, nid: 2 }, 'i-2', 'ctl-a', Date.now());
      assert.equal((await store.getAgent({ gid: 1, nid: 2 }))?.online, false);
      assert.equal((await store.listAgents()).length, 2);
    } finally {
      await store.close();
    }
  });
}
