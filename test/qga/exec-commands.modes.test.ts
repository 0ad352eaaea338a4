/**
 * QEMU 8.0's capture-output modes (qemu-ga 7.2 has only the boolean), on hostlink only.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createExecCommandSet } from '../../src/commands/qga/exec-commands.js';
import { dispatcherAgent } from './agent-in-folder.js';

const set = createExecCommandSet();
const agent = dispatcherAgent(set.definitions);
after(() => set.killAll());

async function run(capture: unknown): Promise<Record<string, unknown>> {
  const started = await agent.request('guest-exec', { path: 'sh', arg: ['-c', 'echo out; echo err >&2'], 'capture-output': capture });
  const pid = (started.return as { pid: number }).pid;
  for (;;) {
    const status = (await agent.request('guest-exec-status', { pid })).return as Record<string, unknown>;
    if (status.exited) return status;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

test('none, stdout, stderr, separated and merged capture what they name', async () => {
  assert.deepEqual(await run('none'), { exited: true, exitcode: 0 });
  assert.deepEqual(await run('stdout'), { exited: true, exitcode: 0, 'out-data': b64('out\n'), 'out-truncated': false });
  assert.deepEqual(await run('stderr'), { exited: true, exitcode: 0, 'err-data': b64('err\n'), 'err-truncated': false });
  assert.deepEqual(await run('separated'), {
    exited: true,
    exitcode: 0,
    'out-data': b64('out\n'),
    'out-truncated': false,
    'err-data': b64('err\n'),
    'err-truncated': false,
  });
  assert.deepEqual(await run('merged'), { exited: true, exitcode: 0, 'out-data': b64('out\nerr\n'), 'out-truncated': false });
});

test('an unknown mode gets qemu-ga 7.2\'s type error', async () => {
  assert.deepEqual(await agent.request('guest-exec', { path: 'true', 'capture-output': 'interactive' }), {
    error: { class: 'GenericError', desc: "Invalid parameter type for 'capture-output', expected: boolean" },
  });
});

test('a status poll while the program runs says exited: false and keeps the pid', async () => {
  const started = await agent.request('guest-exec', { path: 'sleep', arg: ['5'] });
  const pid = (started.return as { pid: number }).pid;
  assert.deepEqual(await agent.request('guest-exec-status', { pid }), { return: { exited: false } });
  set.killAll();
  for (;;) {
    const status = (await agent.request('guest-exec-status', { pid })).return as Record<string, unknown>;
    if (status.exited) {
      assert.deepEqual(status, { exited: true, signal: 9 });
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
});
