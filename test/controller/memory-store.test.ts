import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from '../../src/controller/stores/memory-store.js';
import { pendingResult, type JobCommand } from '../../src/protocols/fleet/job-model.js';

const command = (id: string): JobCommand => ({ id, gid: 1, nid: 1, cmd: 'ping', args: {} });

test('the memory store keeps at most maxJobs jobs, dropping the oldest', async () => {
  const store = new MemoryStore({ maxJobs: 3 });
  try {
    for (const id of ['a', 'b', 'c', 'd']) assert.equal(await store.createJob({ command: command(id), created: Date.now(), targets: [{ gid: 1, nid: 1 }] }, [pendingResult(command(id), 1, 1)]), true);
    assert.equal(await store.getJob('a'), undefined);
    assert.deepEqual((await store.listJobs(10)).map((job) => job.id), ['d', 'c', 'b']);
    assert.equal(await store.createJob({ command: command('d'), created: Date.now(), targets: [] }, []), false, 'DUPLICATE_ID');
  } finally {
    await store.close();
  }
});

test('queues: taken work is in flight until acknowledged, put back after a reconnect, expired when due', async () => {
  const store = new MemoryStore();
  const agent = { gid: 1, nid: 1 };
  try {
    await store.enqueue(agent, 'one', Date.now() + 60_000, false);
    await store.enqueue(agent, 'two', Date.now() + 60_000, false);
    await store.enqueue(agent, 'late', Date.now() - 1, false);
    assert.deepEqual(await store.takeWork(agent, 1), ['one']);
    await store.requeueInflight(agent, Date.now() + 60_000);
    assert.deepEqual(await store.takeWork(agent, 2), ['one', 'two']);
    await store.acceptWork(agent, 'one');
    assert.deepEqual(await store.listRunning(agent), ['one']);
    assert.deepEqual(await store.takeExpired(Date.now()), [{ gid: 1, nid: 1, id: 'late' }]);
    assert.equal(await store.queueLength(agent), 0);
  } finally {
    await store.close();
  }
});
