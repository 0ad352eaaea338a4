import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHostlinkQga } from '../helpers/hostlink-qga.js';
import { QgaRawClient } from '../helpers/qga-raw-client.js';

test('hostlink QGA agent answers guest-ping, guest-sync-delimited and errors', async () => {
  const agent = await startHostlinkQga();
  try {
    const client = await QgaRawClient.connect(agent.socketPath);
    client.send('{"execute":"guest-ping","id":"abc"}');
    assert.equal((await client.readLineBytes()).toString(), '{"return": {}, "id": "abc"}');
    client.send('{"execute":"guest-sync-delimited","arguments":{"id":42}}');
    assert.deepEqual(await client.readReply(), { delimited: true, reply: { return: 42 } });
    client.send('{"execute":"no-such-command"}');
    assert.equal(
      (await client.readLineBytes()).toString(),
      '{"error": {"class": "CommandNotFound", "desc": "The command no-such-command has not been found"}}',
    );
    client.close();
  } finally {
    await agent.stop();
  }
});
