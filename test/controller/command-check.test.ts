import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCommand, checkRunArgs, parseLevels } from '../../src/protocols/fleet/command-check.js';
import { HostlinkError } from '../../src/core/errors.js';

function refuses(input: unknown, pattern: RegExp): void {
  assert.throws(
    () => checkCommand(input),
    (error: unknown) => error instanceof HostlinkError && error.errorClass === 'InvalidParameter' && pattern.test(error.message),
  );
}

test('a command gets a fresh id, keeps its target and run arguments, and data as text', () => {
  const command = checkCommand({ gid: 1, nid: 2, cmd: 'execute', args: { name: 'ls', args: ['-l'], max_time: 5 }, data: { a: 1 } });
  assert.match(command.id, /^[0-9a-f-]{36}$/);
  assert.equal(command.gid, 1);
  assert.equal(command.nid, 2);
  assert.deepEqual(command.args, { name: 'ls', args: ['-l'], max_time: 5 });
  assert.equal(command.data, '{"a":1}');
  assert.equal(checkCommand({ roles: ['web'], cmd: 'ping', id: 'job-1' }).id, 'job-1');
});

test('bad commands are refused with the parameter named', () => {
  refuses({ cmd: 'ping' }, /needs a target/);
  refuses({ nid: 1, cmd: 'ping' }, /'nid' needs 'gid'/);
  refuses({ gid: 1, nid: 1, roles: ['a'], cmd: 'ping' }, /either 'nid' or 'roles'/);
  refuses({ gid: 1, nid: 1, cmd: '' }, /'cmd' is empty/);
  refuses({ gid: 1, nid: 1 }, /'cmd' is missing/);
  refuses({ gid: 'one', nid: 1, cmd: 'x' }, /'gid'/);
  refuses({ gid: 1, nid: 1, cmd: 'x', args: { max_time: -5 } }, /max_time/);
  refuses({ gid: 1, nid: 1, cmd: 'x', args: { nonsense: 1 } }, /'args.nonsense' is unexpected/);
  refuses({ gid: 1, nid: 1, cmd: 'x', args: { env: { PATH: 1 } } }, /args.env.PATH/);
  refuses({ gid: 1, nid: 1, cmd: 'x', id: 'has space' }, /'id'/);
});

test('levels: "*", lists, ranges; unknown levels refused', () => {
  assert.deepEqual(parseLevels('1,2,20-23', 'x'), [1, 2, 20, 21, 22, 23]);
  assert.deepEqual(parseLevels([30, 1, 1], 'x'), [1, 30]);
  assert.deepEqual(parseLevels('1', 'x'), [1]);
  assert.equal(parseLevels('*', 'x').length, 16);
  assert.throws(() => parseLevels('12', 'x'), /12 is not a message level/);
  assert.throws(() => parseLevels('a-b', 'x'), /not a level/);
  assert.deepEqual(checkRunArgs({ loglevels_db: '1' }), { loglevels_db: [1] });
});
