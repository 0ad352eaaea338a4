/**
 * One controller and one agent, as real processes: execute and the output protocol,
 * every result state, errors that carry their message, registry commands (node and
 * guest-*) sent as jobs.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Fleet, waitFor, type ControllerProc } from './fleet-helpers.js';

const fleet = new Fleet();
let controller: ControllerProc;

before(async () => {
  controller = await fleet.controller();
  await fleet.onlineAgent(controller, 1, 1, ['--roles', 'web,db']);
});

after(() => fleet.stopAll());

test('execute: the 20::: block is the data (blank lines kept), streams hold the lines, messages are stored', async () => {
  const { client } = controller;
  const script = 'echo hello; echo "20:::"; echo "{"; echo; echo "  \\"a\\": 1"; echo "}"; echo ":::"; echo oops >&2; echo "9::disk on fire"; echo "3::public"';
  const handle = await client.execute(1, 1, 'sh', ['-c', script]);
  const result = await handle.getNextResult(20);
  assert.ok(result);
  assert.equal(result.state, 'SUCCESS');
  assert.equal(result.level, 20);
  assert.equal(result.data, '{\n\n  "a": 1\n}');
  assert.deepEqual(JSON.parse(result.data), { a: 1 });
  assert.equal(result.critical, 'disk on fire');
  assert.match(result.streams[0], /^hello\n20:::\n/);
  assert.equal(result.streams[1], 'oops\n');
  assert.equal(result.gid, 1);
  assert.equal(result.nid, 1);
  assert.ok(result.starttime > 0);
  assert.equal(await handle.getNextResult(1), undefined, 'one target, one result');
  const messages = await handle.getMsgs({ limit: 100 });
  const levels = messages.map((message) => message.level);
  assert.deepEqual([...levels].sort((a, b) => a - b), [1, 2, 3, 9, 20]);
  assert.deepEqual((await handle.getMsgs({ levels: '3,9' })).map((message) => message.data).sort(), ['disk on fire', 'public']);
});

test('a block cut off by the exit is kept as the result', async () => {
  const handle = await controller.client.execute(1, 1, 'sh', ['-c', 'echo "20:::"; echo partial; echo; echo end']);
  const result = await handle.getNextResult(20);
  assert.equal(result?.state, 'SUCCESS');
  assert.equal(result?.data, 'partial\n\nend');
});

test('a failing program is ERROR with its exit status as the data', async () => {
  const result = await (await controller.client.execute(1, 1, 'sh', ['-c', 'echo nope >&2; exit 3'])).getNextResult(20);
  assert.equal(result?.state, 'ERROR');
  assert.equal(result?.data, 'exited with status 3');
  assert.equal(result?.streams[1], 'nope\n');
});

test('a program that does not exist is ERROR saying so', async () => {
  const result = await (await controller.client.execute(1, 1, 'no-such-program-here')).getNextResult(20);
  assert.equal(result?.state, 'ERROR');
  assert.match(result!.data, /cannot run no-such-program-here: ENOENT/);
});

test('the child inherits the agent environment (PATH) with env on top; data goes to stdin; working_dir', async () => {
  const handle = await controller.client.execute(1, 1, 'sh', ['-c', 'echo "$PATH"; echo "$EXTRA"; pwd; cat'], { env: { EXTRA: 'on top' }, working_dir: '/tmp' }, 'from stdin');
  const result = await handle.getNextResult(20);
  assert.equal(result?.state, 'SUCCESS');
  const [path, extra, cwd, input] = result!.streams[0].split('\n');
  assert.equal(path, process.env.PATH, 'PATH is the agent’s own');
  assert.equal(extra, 'on top');
  assert.equal(cwd, '/tmp');
  assert.equal(input, 'from stdin');
});

test('max_time: TIMEOUT, and the whole process group is gone', async () => {
  const handle = await controller.client.execute(1, 1, 'sh', ['-c', 'sleep 30 & echo $!; wait'], { max_time: 1 });
  const result = await handle.getNextResult(20);
  assert.equal(result?.state, 'TIMEOUT');
  const pid = Number(result!.streams[0].trim());
  assert.ok(pid > 0);
  await waitFor('the background sleep to be killed', () => {
    try {
      process.kill(pid, 0);
      return undefined;
    } catch {
      return true;
    }
  });
});

test('kill: KILLED', async () => {
  const handle = await controller.client.execute(1, 1, 'sleep', ['30']);
  await waitFor('the job to run', async () => ((await handle.getJobs()).get('1:1')?.state === 'RUNNING' ? true : undefined));
  assert.equal(await handle.kill(), 1);
  const result = await handle.getNextResult(20);
  assert.equal(result?.state, 'KILLED');
});

test('UNKNOWN_CMD names the command', async () => {
  const result = await (await controller.client.cmd(1, 1, 'no_such_command')).getNextResult(20);
  assert.equal(result?.state, 'UNKNOWN_CMD');
  assert.match(result!.data, /no_such_command/);
});

test('DUPLICATE_ID: a second job with a taken id is refused', async () => {
  const first = await controller.client.cmd(1, 1, 'ping', {}, undefined, 'fixed-id-1');
  assert.equal((await first.getNextResult(20))?.state, 'SUCCESS');
  const second = await controller.client.cmd(1, 1, 'ping', {}, undefined, 'fixed-id-1');
  assert.equal(second.duplicate, true);
  assert.equal((await second.getNextResult(1))?.state, 'DUPLICATE_ID');
});

test('no matching agent: an immediate ERROR result', async () => {
  const handle = await controller.client.cmd(null, null, 'ping', {}, undefined, undefined, { roles: ['nobody-has-this'] });
  const result = await handle.getNextResult(5);
  assert.equal(result?.state, 'ERROR');
  assert.equal(result?.data, 'No matching connected agents found');
  const unknownAgent = await (await controller.client.cmd(9, 9, 'ping')).getNextResult(5);
  assert.equal(unknownAgent?.data, 'No matching connected agents found');
});

test('node commands as jobs: ping, get_os_info, get_mem_info, get_msgs', async () => {
  const { client } = controller;
  assert.equal(await client.ping(1, 1), 'pong');
  const os = (await client.getOsInfo(1, 1)) as Record<string, unknown>;
  assert.equal(os.os, 'linux');
  assert.equal(typeof os.hostname, 'string');
  const memory = (await client.getMemInfo(1, 1)) as Record<string, number>;
  assert.ok(memory.total > 0 && memory.total >= memory.available);
  const cpus = (await client.getCpuInfo(1, 1)) as unknown[];
  assert.ok(cpus.length >= 1);
  const job = await client.execute(1, 1, 'sh', ['-c', 'echo one; echo "3::two"']);
  await job.getNextResult(20);
  const messages = (await client.call(1, 1, 'get_msgs', { jobid: job.id, levels: [3] })) as Array<{ data: string }>;
  assert.deepEqual(messages.map((message) => message.data), ['two']);
});

test('a registry error is ERROR carrying its message and class (the original sent {})', async () => {
  const result = await (await controller.client.cmd(1, 1, 'get_process_stats', {}, { id: 'not-a-job' })).getNextResult(20);
  assert.equal(result?.state, 'ERROR');
  assert.equal(result?.data, 'no job with id not-a-job is running');
  assert.equal(result?.error_class, 'InvalidParameter');
  const bad = await (await controller.client.cmd(1, 1, 'ping', {}, 'not json')).getNextResult(20);
  assert.equal(bad?.state, 'ERROR');
  assert.match(bad!.data, /must be its arguments as JSON/);
});

test('QEMU guest agent commands are jobs too', async () => {
  const info = (await controller.client.call(1, 1, 'guest-info')) as { version: string; supported_commands: Array<{ name: string }> };
  assert.ok(info.supported_commands.some((command) => command.name === 'guest-ping'));
  const host = (await controller.client.call(1, 1, 'guest-get-host-name')) as { 'host-name': string };
  assert.equal(typeof host['host-name'], 'string');
  const failed = await (await controller.client.cmd(1, 1, 'guest-file-open', {}, { path: '/nonexistent/file' })).getNextResult(20);
  assert.equal(failed?.state, 'ERROR');
  assert.match(failed!.data, /nonexistent/);
});

test('an unknown job id is a clear 404 error', async () => {
  await assert.rejects(controller.client.getJob('no-such-job'), /no job with id no-such-job/);
  await assert.rejects(controller.client.killJob('no-such-job'), /no job with id no-such-job/);
});
