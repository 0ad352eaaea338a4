/**
 * Many commands at once: ControllerClient gathers concurrent cmd() calls into one
 * request (POST /v1/jobs?atomic=false), the controller's stores gather their steps into
 * few round trips, and still every caller gets its own answer, a bad command fails
 * alone, a duplicate id is refused once, and jobs for one agent keep their order. Run
 * against the memory store and a real redis-server.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { HostlinkError } from '../../src/core/errors.js';
import { requireProgram } from '../helpers/peers.js';
import { Fleet, type ControllerProc } from './fleet-helpers.js';

const fleet = new Fleet();
after(() => fleet.stopAll());

async function controllerFor(t: TestContext, store: 'memory' | 'redis'): Promise<ControllerProc | undefined> {
  if (store === 'memory') return fleet.controller();
  const redisServer = requireProgram(t, 'redis-server', 'redis-server');
  if (!redisServer) return undefined;
  const redis = await fleet.redis(redisServer);
  return fleet.controller(['--redis', redis.url]);
}

async function postJobs(controller: ControllerProc, query: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${controller.url}/v1/jobs${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

for (const store of ['memory', 'redis'] as const) {
  test(`${store} store: concurrent cmd() calls each get their own answer`, async (t) => {
    const controller = await controllerFor(t, store);
    if (!controller) return;
    await fleet.onlineAgent(controller, 1, 1);
    const { client } = controller;
    const pings = Array.from({ length: 60 }, () => client.cmd(1, 1, 'ping'));
    // Settled at once (its rejection is checked below, after the others).
    const bad = client.cmd(1, 1, 'ping', { max_time: 'soon' as unknown as number }).then(
      () => undefined,
      (error: unknown) => error,
    );
    const first = client.cmd(1, 1, 'ping', {}, undefined, `dup-${store}`);
    const second = client.cmd(1, 1, 'ping', {}, undefined, `dup-${store}`);
    const handles = await Promise.all(pings);
    assert.equal(new Set(handles.map((handle) => handle.id)).size, 60);
    for (const handle of handles) {
      const result = await handle.getNextResult(20);
      assert.equal(result?.state, 'SUCCESS');
      assert.equal(result?.data, '"pong"');
    }
    const failure = await bad;
    assert.ok(failure instanceof HostlinkError && failure.errorClass === 'InvalidParameter' && /max_time/.test(failure.message), String(failure));
    const duplicates = await Promise.all([first, second]);
    assert.deepEqual(duplicates.map((handle) => handle.duplicate).sort(), [false, true]);
    assert.equal((await duplicates.find((handle) => !handle.duplicate)!.getNextResult(20))?.state, 'SUCCESS');
  });

  test(`${store} store: POST /v1/jobs with atomic=false fails a bad command alone; without it, refuses the lot`, async (t) => {
    const controller = await controllerFor(t, store);
    if (!controller) return;
    await fleet.onlineAgent(controller, 1, 1);
    const before = (await controller.client.getJobs(1000)).length;
    const refused = await postJobs(controller, '', [{ gid: 1, nid: 1, cmd: 'ping' }, { gid: 1, nid: 1, cmd: 'ping', args: { max_time: 'x' } }]);
    assert.equal(refused.status, 400);
    assert.match(String((refused.body.error as { message: string }).message), /jobs\[1\]/);
    assert.equal((await controller.client.getJobs(1000)).length, before, 'an atomic batch with a bad command queues nothing');
    const each = await postJobs(controller, '?atomic=false', [{ gid: 1, nid: 1, cmd: 'ping' }, { gid: 1, nid: 1, cmd: 'ping', args: { max_time: 'x' } }, { gid: 9, nid: 9, cmd: 'ping' }]);
    assert.equal(each.status, 201);
    const jobs = each.body.jobs as Array<Record<string, unknown>>;
    assert.equal(jobs.length, 3);
    assert.equal(typeof jobs[0]!.id, 'string');
    assert.deepEqual(jobs[0]!.targets, [{ gid: 1, nid: 1 }]);
    assert.equal((jobs[1]!.error as { class: string }).class, 'InvalidParameter');
    assert.match((jobs[1]!.error as { message: string }).message, /max_time/);
    assert.equal(jobs[2]!.error, 'No matching connected agents found');
    const result = await (await controller.client.getCmd(String(jobs[0]!.id))).getNextResult(20);
    assert.equal(result?.state, 'SUCCESS');
  });

  test(`${store} store: jobs for one agent sent at once keep their order in a queue`, async (t) => {
    const controller = await controllerFor(t, store);
    if (!controller) return;
    const agent = await fleet.onlineAgent(controller, 1, 1);
    const file = join(agent.dir, 'order.txt');
    const handles = await Promise.all(Array.from({ length: 30 }, (_, index) => controller.client.execute(1, 1, 'sh', ['-c', `echo ${index} >> "$0"`, file], { queue: 'in-order' })));
    for (const handle of handles) assert.equal((await handle.getNextResult(30))?.state, 'SUCCESS');
    const lines = readFileSync(file, 'utf8').trim().split('\n').map(Number);
    assert.deepEqual(lines, Array.from({ length: 30 }, (_, index) => index));
  });
}
