/**
 * Three agents (real processes) on one controller: gid+nid, roles, gid+roles, role "*",
 * fanout, and results handed over in completion order (a slow agent does not hold back
 * the others, the original's flaw).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { JobResult } from '../../src/client/controller/index.js';
import { Fleet, type ControllerProc } from './fleet-helpers.js';
import { machine, release, type } from 'node:os';
import { packageVersion } from '../../src/core/package-version.js';

const fleet = new Fleet();
let controller: ControllerProc;

before(async () => {
  controller = await fleet.controller();
  // 1:1 is the slow one: its jobs read SLOW from the environment they inherit.
  await Promise.all([
    fleet.onlineAgent(controller, 1, 1, ['--roles', 'web,db'], { SLOW: '3' }),
    fleet.onlineAgent(controller, 1, 2, ['--roles', 'web']),
    fleet.onlineAgent(controller, 2, 1, ['--roles', 'db']),
  ]);
});

after(() => fleet.stopAll());

function agents(results: readonly JobResult[]): string[] {
  return results.map((result) => `${result.gid}:${result.nid}`).sort();
}

test('the controller lists every agent with its roles', async () => {
  const listed = await controller.client.getAgents();
  const byKey = new Map(listed.map((agent) => [`${agent.gid}:${agent.nid}`, agent]));
  assert.deepEqual([...byKey.keys()].sort(), ['1:1', '1:2', '2:1']);
  assert.deepEqual(byKey.get('1:1')?.roles, ['web', 'db']);
  // Each agent announces its system in one line: kernel name, release and machine at least.
  assert.equal(byKey.get('1:1')?.version, packageVersion(), 'an agent announces its hostlink version');
  assert.ok(byKey.get('1:1')?.os?.includes(`${type()} ${release()} ${machine()}`), `os: ${byKey.get('1:1')?.os}`);
  assert.ok(listed.every((agent) => agent.online));
});

test('gid+nid reaches exactly that agent', async () => {
  const handle = await controller.client.cmd(1, 2, 'ping');
  assert.deepEqual(handle.targets, [{ gid: 1, nid: 2 }]);
  assert.deepEqual(agents(await handle.getAllResults(20)), ['1:2']);
});

test('roles with fanout reach every agent holding all the roles', async () => {
  const web = await controller.client.cmd(null, null, 'ping', {}, undefined, undefined, { roles: ['web'], fanout: true });
  assert.deepEqual(agents(await web.getAllResults(20)), ['1:1', '1:2']);
  const both = await controller.client.cmd(null, null, 'ping', {}, undefined, undefined, { roles: ['web', 'db'], fanout: true });
  assert.deepEqual(agents(await both.getAllResults(20)), ['1:1']);
  const grid = await controller.client.cmd(2, null, 'ping', {}, undefined, undefined, { roles: ['db'], fanout: true });
  assert.deepEqual(agents(await grid.getAllResults(20)), ['2:1']);
  const anyone = await controller.client.cmd(null, null, 'ping', {}, undefined, undefined, { roles: ['*'], fanout: true });
  assert.deepEqual(agents(await anyone.getAllResults(20)), ['1:1', '1:2', '2:1']);
});

test('roles without fanout reach one matching agent', async () => {
  const handle = await controller.client.cmd(null, null, 'ping', {}, undefined, undefined, { roles: ['web'] });
  assert.equal(handle.targets.length, 1);
  const results = await handle.getAllResults(20);
  assert.equal(results.length, 1);
  assert.ok(['1:1', '1:2'].includes(`${results[0]!.gid}:${results[0]!.nid}`));
  assert.equal(results[0]!.data, '"pong"');
});

test('results come in completion order: the slow agent comes last, while it is still running', async () => {
  const handle = await controller.client.execute(null, null, 'sh', ['-c', 'sleep "${SLOW:-0}"; echo done'], {}, undefined, undefined, { roles: ['*'], fanout: true });
  assert.equal(handle.targets.length, 3);
  const first = await handle.getNextResult(20);
  const second = await handle.getNextResult(20);
  assert.ok(first && second);
  assert.deepEqual(agents([first, second]), ['1:2', '2:1']);
  // Handed over while the slow one still runs: nothing waited for it.
  assert.equal((await handle.getJobs()).get('1:1')?.state, 'RUNNING');
  const third = await handle.getNextResult(20);
  assert.equal(`${third?.gid}:${third?.nid}`, '1:1');
  assert.equal(third?.state, 'SUCCESS');
  assert.equal(await handle.getNextResult(1), undefined);
  assert.equal(handle.done, true);
});

test('many commands in one request: all checked first, each its own job', async () => {
  const handles = await controller.client.submitMany([
    { gid: 1, nid: 2, cmd: 'ping' },
    { roles: ['db'], fanout: true, cmd: 'execute', args: { name: 'echo', args: ['batched'] } },
  ]);
  assert.equal(handles.length, 2);
  assert.deepEqual(agents(await handles[0]!.getAllResults(20)), ['1:2']);
  const echoed = await handles[1]!.getAllResults(20);
  assert.deepEqual(agents(echoed), ['1:1', '2:1']);
  assert.ok(echoed.every((result) => result.streams[0] === 'batched\n'));
  const before = (await controller.client.getJobs(1000)).length;
  await assert.rejects(controller.client.submitMany([{ gid: 1, nid: 1, cmd: 'ping' }, { gid: 1, cmd: '' }]), /jobs\[1\]: Parameter 'cmd' is empty/);
  assert.equal((await controller.client.getJobs(1000)).length, before, 'nothing was queued');
});
