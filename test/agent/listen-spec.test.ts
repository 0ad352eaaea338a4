import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatListenSpec, parseListenSpec } from '../../src/agent/listen-spec.js';
import { methodToListenSpec } from '../../src/agent/agent-settings.js';

test('listen specs: unix, tcp and chardev addresses', () => {
  assert.deepEqual(parseListenSpec('qga:unix:/run/a:b.sock').address, { transport: 'unix', path: '/run/a:b.sock' });
  assert.deepEqual(parseListenSpec('qga:tcp:4444').address, { transport: 'tcp', host: '127.0.0.1', port: 4444 });
  assert.deepEqual(parseListenSpec('qga:tcp:0.0.0.0:0').address, { transport: 'tcp', host: '0.0.0.0', port: 0 });
  assert.deepEqual(parseListenSpec('qga:tcp:[::1]:5').address, { transport: 'tcp', host: '::1', port: 5 });
  assert.deepEqual(parseListenSpec('qga:chardev:/dev/ttyS0').address, { transport: 'chardev', path: '/dev/ttyS0' });
  // Relative paths become absolute: a daemon leaves its starting folder.
  assert.equal(parseListenSpec('qga:unix:rel.sock').text, 'qga:unix:rel.sock', 'the text as written, for messages');
  assert.equal(formatListenSpec(parseListenSpec('qga:unix:rel.sock')), `qga:unix:${process.cwd()}/rel.sock`);
  assert.equal(formatListenSpec(parseListenSpec('qga:tcp:[::1]:5')), 'qga:tcp:[::1]:5');
  assert.equal(formatListenSpec(parseListenSpec('qga:tcp:99')), 'qga:tcp:127.0.0.1:99');
});

test('listen specs: mistakes are named', () => {
  const cases: [string, RegExp][] = [
    ['qga', /expected PROTOCOL:TRANSPORT:ADDRESS/],
    ['qga:unix', /expected PROTOCOL:TRANSPORT:ADDRESS/],
    ['qga:unix:', /the unix address is empty/],
    ['vt:unix:/x', /unknown protocol "vt" \(known: qga, xmlrpc, jsonrpc, nova\)/],
    ['qga:vsock:3:1', /unknown transport "vsock"/],
    ['qga:tcp:65536', /port "65536" is not a number from 0 to 65535/],
    ['qga:tcp::80', /the host before ":PORT" is empty/],
    ['qga:tcp:::1:80', /write an IPv6 host in brackets/],
  ];
  for (const [text, pattern] of cases) {
    assert.throws(() => parseListenSpec(text), (error: Error) => {
      assert.match(error.message, new RegExp(`^bad listen spec "${text.replace(/[[\]]/g, '\\$&')}": `));
      assert.match(error.message, pattern);
      return true;
    });
  }
});

test("qemu-ga's -m/-p become listen specs", () => {
  assert.equal(methodToListenSpec('unix-listen', '/tmp/s'), 'qga:unix:/tmp/s');
  assert.equal(methodToListenSpec(undefined, undefined), 'qga:chardev:/dev/virtio-ports/org.qemu.guest_agent.0');
  assert.equal(methodToListenSpec('virtio-serial', '/dev/vport0p1'), 'qga:chardev:/dev/vport0p1');
  assert.equal(methodToListenSpec('isa-serial', undefined), 'qga:chardev:/dev/ttyS0');
  assert.throws(() => methodToListenSpec('unix-listen', undefined), /needs --path/);
  assert.throws(() => methodToListenSpec('vsock-listen', '3:1'), /not supported/);
});
