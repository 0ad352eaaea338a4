/** injectfile: binary contents with commas, modes and owners, and paths that try to leave the root. */
import assert from 'node:assert/strict';
import { chownSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { novaExchange, startNovaAgent } from './nova-helpers.js';

const inject = (path: string, contents: Buffer | string): object => ({
  name: 'injectfile',
  value: Buffer.concat([Buffer.from(`${path},`), Buffer.from(contents)]).toString('base64'),
});

test('binary contents with commas and NULs land byte for byte; new files are 0644 with their folders', async () => {
  const agent = await startNovaAgent();
  try {
    const contents = Buffer.concat([Buffer.from('a,b,,c\n'), Buffer.from([0, 0xff, 0x2c, 0x80, 0x0a])]);
    const [reply, empty] = await novaExchange(agent.socket, [inject('/etc/new/dir/file.bin', contents), inject('/etc/empty', '')]);
    assert.deepEqual(reply, { returncode: '0', message: '' });
    assert.deepEqual(empty, { returncode: '0', message: '' });
    const written = join(agent.rootDir, 'etc/new/dir/file.bin');
    assert.deepEqual(readFileSync(written), contents);
    assert.equal(statSync(written).mode & 0o777, 0o644);
    assert.equal(readFileSync(join(agent.rootDir, 'etc/empty')).length, 0);
  } finally {
    await agent.close();
  }
});

test('an existing file keeps its mode and owner', async () => {
  const agent = await startNovaAgent();
  try {
    const path = join(agent.rootDir, 'etc/secret.conf');
    writeFileSync(path, 'old', { mode: 0o600 });
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chownSync(path, 1, 2);
    const [reply] = await novaExchange(agent.socket, [inject('/etc/secret.conf', 'new,contents')]);
    assert.deepEqual(reply, { returncode: '0', message: '' });
    const info = statSync(path);
    assert.equal(readFileSync(path, 'utf8'), 'new,contents');
    assert.equal(info.mode & 0o777, 0o600);
    if (asRoot) assert.deepEqual([info.uid, info.gid], [1, 2]);
  } finally {
    await agent.close();
  }
});

test('paths that leave the root, relative paths, bad base64 and data without a comma change nothing', async () => {
  const agent = await startNovaAgent();
  try {
    const outside = join(agent.temp, 'outside');
    mkdirSync(outside);
    symlinkSync(outside, join(agent.rootDir, 'link'));
    const replies = await novaExchange(agent.socket, [
      inject('/../outside/x', 'x'),
      inject('/etc/../../outside/x', 'x'),
      inject('relative/x', 'x'),
      inject('/link/x', 'x'),
      inject('/link/deeper/x', 'x'),
      { name: 'injectfile', value: '@@@' },
      { name: 'injectfile', value: Buffer.from('no comma here').toString('base64') },
      inject('/etc', 'a folder'),
    ]);
    assert.deepEqual(
      replies.map((reply) => `${reply.returncode} ${reply.message}`),
      [
        '500 the path must not contain "..": /../outside/x',
        '500 the path must not contain "..": /etc/../../outside/x',
        '500 the path must be absolute: relative/x',
        "500 the path leaves the agent's root: /link/x",
        "500 the path leaves the agent's root: /link/deeper/x",
        "500 Couldn't decode base64 data",
        '500 Invalid data received: expected "path,contents"',
        "500 Couldn't write /etc: EISDIR",
      ],
    );
    assert.equal(existsSync(join(outside, 'x')), false);
    assert.equal(existsSync(join(outside, 'deeper')), false);
  } finally {
    await agent.close();
  }
});
