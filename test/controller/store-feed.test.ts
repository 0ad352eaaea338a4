/**
 * The stores' part of the event feed, against the memory store and a real redis-server:
 * with nobody listening (no lease, or a lease that lapsed) a job's creation, its result
 * states and an agent's coming and going announce nothing beyond what the controller
 * always needed (completed ids); while the feed is listened to, the same steps announce
 * the created job, every recorded state and the agent's presence, in order.
 */
import assert from 'node:assert/strict';
import { after, test, type TestContext } from 'node:test';
import type { ControllerStore, StoreEvent } from '../../src/controller/stores/store.js';
import { pendingResult, type JobCommand } from '../../src/protocols/fleet/job-model.js';
import { Fleet, waitFor } from './fleet-helpers.js';

const fleet = new Fleet();
after(() => fleet.stopAll());

function openStore(t: TestContext, kind: 'memory' | 'redis'): Promise<ControllerStore | undefined> {
  return fleet.store(t, kind, `feed${Date.now()}:`);
}

/** A job's life and an agent's visit, as the controller records them; returns what the store announced. */
async function lifeOf(store: ControllerStore, events: StoreEvent[], id: string): Promise<StoreEvent[]> {
  const from = events.length;
  const command: JobCommand = { id, gid: 1, nid: 1, cmd: 'ping', args: {} };
  await store.createJob({ command, created: 1_700_000_000_000, targets: [{ gid: 1, nid: 1 }] }, [pendingResult(command, 1, 1)]);
  await store.putResult({ ...pendingResult(command, 1, 1, 'RUNNING'), starttime: 1_700_000_000_100 }, false);
  await store.putResult({ ...pendingResult(command, 1, 1, 'SUCCESS'), starttime: 1_700_000_000_100, time: 42, data: '"pong"' }, true, true);
  await store.agentOnline({ gid: 1, nid: 7, roles: ['web'], instance: `i-${id}`, controller: 'c1', connected: 1_700_000_000_200, hostname: 'h7' });
  await store.agentOffline({ gid: 1, nid: 7 }, `i-${id}`, 'c1', 1_700_000_000_300);
  // Events arrive in order: once this one is in, all of the above are.
  await store.publish({ type: 'kill', id: `end-${id}`, gid: 0, nid: 0 });
  await waitFor('the end marker', () => events.some((event) => event.type === 'kill' && event.id === `end-${id}`), 5000);
  return events.slice(from).filter((event) => event.type !== 'kill');
}

for (const kind of ['memory', 'redis'] as const) {
  test(`${kind} store: feed news only while the feed is listened to`, async (t) => {
    const store = await openStore(t, kind);
    if (!store) return;
    const events: StoreEvent[] = [];
    store.subscribe((event) => events.push(event));
    try {
      await t.test('nobody listens: only the completed id, as before', async () => {
        assert.deepEqual(await lifeOf(store, events, 'quiet'), [{ type: 'result', ids: ['quiet'] }]);
      });

      await t.test('a lease that lapsed: nothing more either', async () => {
        await store.feedListening(30);
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.deepEqual(await lifeOf(store, events, 'lapsed'), [{ type: 'result', ids: ['lapsed'] }]);
      });

      await t.test('someone listens: the job, each state, the agent coming and going', async () => {
        await store.feedListening(60_000);
        const news = await lifeOf(store, events, 'heard');
        const results = news.filter((event): event is Extract<StoreEvent, { type: 'result' }> => event.type === 'result');
        assert.deepEqual(results.flatMap((event) => event.ids), ['heard']);
        const jobs = results.flatMap((event) => event.jobs ?? []);
        assert.equal(jobs.length, 1);
        assert.equal(jobs[0]!.state, 'QUEUED');
        assert.equal(jobs[0]!.record.command.id, 'heard');
        assert.deepEqual(jobs[0]!.record.targets, [{ gid: 1, nid: 1 }]);
        assert.equal(jobs[0]!.record.created, 1_700_000_000_000);
        assert.deepEqual(
          results.flatMap((event) => event.changes ?? []),
          [
            { id: 'heard', gid: 1, nid: 1, state: 'RUNNING', starttime: 1_700_000_000_100, time: 0 },
            { id: 'heard', gid: 1, nid: 1, state: 'SUCCESS', starttime: 1_700_000_000_100, time: 42 },
          ],
        );
        const agents = news.filter((event): event is Extract<StoreEvent, { type: 'agent' }> => event.type === 'agent');
        assert.deepEqual(
          agents.map((event) => [event.presence.nid, event.presence.hostname, event.online, event.seen]),
          [
            [7, 'h7', true, 1_700_000_000_200],
            [7, 'h7', false, 1_700_000_000_300],
          ],
        );
        // The job comes before its states.
        const firstJob = news.findIndex((event) => event.type === 'result' && (event.jobs?.length ?? 0) > 0);
        const firstChange = news.findIndex((event) => event.type === 'result' && (event.changes?.length ?? 0) > 0);
        assert.ok(firstJob >= 0 && firstJob <= firstChange);
      });
    } finally {
      await store.close();
    }
  });
}
