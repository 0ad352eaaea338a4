import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requireProgram } from './helpers/peers.js';
import { startQemuGa } from './helpers/qga-peer.js';
import { QgaRawClient } from './helpers/qga-raw-client.js';

test('the reference qemu-ga starts and answers guest-ping', async (t) => {
  const qemuGa = requireProgram(t, 'qemu-ga', 'qemu-guest-agent');
  if (!qemuGa) return;
  const peer = await startQemuGa(qemuGa);
  try {
    const client = await QgaRawClient.connect(peer.socketPath);
    client.send('{"execute":"guest-ping","id":"abc"}');
    assert.deepEqual((await client.readReply()).reply, { return: {}, id: 'abc' });
    client.close();
  } finally {
    await peer.stop();
  }
});
