/**
 * The freeze gate is applied to the whole QGA command set the agent registers: after a
 * freeze (through a recording fake fsfreeze), commands outside qemu-ga's allow list are
 * refused as qemu-ga refuses them, and work again after a thaw.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { startHostlinkQga } from '../helpers/hostlink-qga.js';
import { QgaRawClient } from '../helpers/qga-raw-client.js';
import { makeTempDir } from '../helpers/temp.js';
import { FakePrograms } from './fake-programs.js';

test('qgaCommands gates every unsafe command while frozen', async () => {
  const temp = makeTempDir('hostlink-freeze-wiring-');
  const fakes = new FakePrograms(join(temp.path, 'bin'));
  const agent = await startHostlinkQga({ programs: fakes.programs });
  const client = await QgaRawClient.connect(agent.socketPath);
  try {
    const frozen = await client.request('guest-fsfreeze-freeze');
    assert.equal(typeof frozen.return, 'number', JSON.stringify(frozen));
    assert.deepEqual(await client.request('guest-fsfreeze-status'), { return: 'frozen' });
    for (const name of ['guest-get-osinfo', 'guest-file-open', 'guest-exec', 'guest-shutdown']) {
      assert.deepEqual(await client.request(name), {
        error: { class: 'CommandNotFound', desc: `Command ${name} has been disabled: the agent is in frozen state` },
      });
    }
    const info = (await client.request('guest-info')).return as { supported_commands: { name: string; enabled: boolean }[] };
    const enabled = new Map(info.supported_commands.map((c) => [c.name, c.enabled]));
    assert.equal(enabled.get('guest-exec'), false);
    assert.equal(enabled.get('guest-ping'), true);
    assert.equal(enabled.get('guest-fsfreeze-thaw'), true);
    assert.deepEqual(await client.request('guest-ping'), { return: {} });
    assert.equal(typeof (await client.request('guest-fsfreeze-thaw')).return, 'number');
    assert.deepEqual(await client.request('guest-fsfreeze-status'), { return: 'thawed' });
    assert.ok('return' in (await client.request('guest-get-osinfo')));
    assert.ok(fakes.calls().every((call) => call.name === 'fsfreeze'), 'only the fake fsfreeze ran');
  } finally {
    client.close();
    await agent.stop();
    temp.remove();
  }
});
