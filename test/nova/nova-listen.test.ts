/** `--listen nova:unix:PATH` through the agent's listen-spec parser and listener factory. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { startAgent } from '../../src/agent/agent.js';
import { formatListenSpec, parseListenSpec } from '../../src/agent/listen-spec.js';
import { silentLogger } from '../../src/core/logger.js';
import { makeTempDir } from '../helpers/temp.js';
import { makeFakeRoot, novaExchange } from './nova-helpers.js';

test('nova listen specs parse; the agent serves nova and QGA commands over nova:unix', async () => {
  assert.equal(formatListenSpec(parseListenSpec('nova:tcp:4000')), 'nova:tcp:127.0.0.1:4000');
  assert.deepEqual(parseListenSpec('nova:xenstore').address, { transport: 'xenstore', path: '/dev/xen/xenbus' });
  assert.equal(formatListenSpec(parseListenSpec('nova:xenstore:/var/run/xenstored/socket')), 'nova:xenstore:/var/run/xenstored/socket');
  const temp = makeTempDir('hostlink-nova-listen-');
  const socket = join(temp.path, 'nova.sock');
  const agent = await startAgent({ listen: [parseListenSpec(`nova:unix:${socket}`)], stateDir: join(temp.path, 'state'), log: silentLogger(), rootDir: makeFakeRoot(temp.path) });
  try {
    assert.deepEqual(agent.listeners.map((listener) => listener.description), [`nova:unix:${socket}`]);
    const [version, ping, features] = await novaExchange(socket, [{ name: 'version' }, { name: 'guest-ping' }, { name: 'features' }]);
    assert.equal(version!.returncode, '0');
    assert.match(version!.message, /^\d+\.\d+\.\d+/);
    assert.deepEqual(ping, { returncode: '0', message: '' });
    assert.ok(features!.message.split(',').includes('password'));
    assert.ok(!features!.message.includes('guest-'), 'features lists the nova commands only');
  } finally {
    await agent.stop();
    temp.remove();
  }
});
