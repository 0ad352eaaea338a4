/**
 * agentupdate from a local HTTP server: a good archive is unpacked and its installer
 * runs; a wrong MD5 or SHA-256, an archive with members escaping its folder and a plain
 * http URL (unless allowed) are refused, with nothing run. kmsactivate is not supported.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkMembers, parseVerboseListing } from '../../src/commands/nova/agent-update/archive-check.js';
import { requireProgram } from '../helpers/peers.js';
import { makeTempDir } from '../helpers/temp.js';
import { novaExchange, startNovaAgent } from './nova-helpers.js';

const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function tar(cwd: string, args: string[]): void {
  const result = spawnSync('tar', args, { cwd, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
}

async function serve(files: Record<string, Buffer>): Promise<{ server: Server; base: string }> {
  const server = createServer((request, response) => {
    const body = files[request.url ?? ''];
    if (!body) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

test('archive listings: escaping members, links out and members under links are refused', () => {
  const listing = [
    'drwxr-xr-x root/root 0 2026-01-01 00:00 "pkg/"',
    '-rw-r--r-- root/root 3 2026-01-01 00:00 "pkg/a \\"b\\"\\n\\303\\251.txt"',
    'lrwxrwxrwx root/root 0 2026-01-01 00:00 "pkg/ok" -> "sub/x"',
    'hrw-r--r-- root/root 0 2026-01-01 00:00 "pkg/hard" link to "pkg/ok"',
  ].join('\n');
  const members = parseVerboseListing(listing);
  assert.deepEqual(members.map((m) => [m.type, m.name, m.linkTarget]), [
    ['d', 'pkg/', undefined],
    ['-', 'pkg/a "b"\n\u00e9.txt', undefined],
    ['l', 'pkg/ok', 'sub/x'],
    ['h', 'pkg/hard', 'pkg/ok'],
  ]);
  checkMembers(members);
  const refuse = (line: string, error: RegExp): void => assert.throws(() => checkMembers(parseVerboseListing(line)), error);
  refuse('-rw-r--r-- u/g 1 d t "../x"', /member leaves its folder: \.\.\/x/);
  refuse('-rw-r--r-- u/g 1 d t "a/../../x"', /member leaves its folder/);
  refuse('-rw-r--r-- u/g 1 d t "/etc/passwd"', /member leaves its folder/);
  refuse('lrwxrwxrwx u/g 0 d t "a/l" -> "../../etc"', /link leaves its folder/);
  refuse('lrwxrwxrwx u/g 0 d t "l" -> "/etc"', /link leaves its folder/);
  refuse('hrw-r--r-- u/g 0 d t "h" link to "../x"', /link leaves its folder/);
  refuse('crw-r--r-- u/g 0 d t "dev"', /device or FIFO/);
  refuse('lrwxrwxrwx u/g 0 d t "a" -> "."\n-rw-r--r-- u/g 1 d t "a/b"', /member under a link: a\/b/);
});

test('agentupdate over the nova protocol: checksums, escaping archives, http refused; installer runs once all is good', async (t) => {
  if (!requireProgram(t, 'tar', 'tar')) return;
  const temp = makeTempDir('hostlink-agentupdate-');
  const marker = join(temp.path, 'installed');
  const build = join(temp.path, 'build');
  mkdirSync(join(build, 'good'), { recursive: true });
  writeFileSync(join(build, 'good/installer.sh'), `#!/bin/sh\necho "installed from $(pwd | sed 's,.*/,,')" > '${marker}'\n`);
  writeFileSync(join(build, 'good/agent.bin'), 'new agent');
  tar(join(build, 'good'), ['-czf', '../good.tgz', 'installer.sh', 'agent.bin']);
  writeFileSync(join(build, 'outside.txt'), 'x');
  tar(build, ['-cf', 'dotdot.tar', '--transform', 's,^,../,', 'outside.txt']);
  mkdirSync(join(build, 'linkdir'));
  symlinkSync('/etc', join(build, 'linkdir/etc'));
  writeFileSync(join(build, 'linkdir/installer.sh'), `#!/bin/sh\necho bad > '${marker}'\n`);
  tar(join(build, 'linkdir'), ['-cf', '../link.tar', 'installer.sh', 'etc']);
  const good = readFileSync(join(build, 'good.tgz'));
  const dotdot = readFileSync(join(build, 'dotdot.tar'));
  const link = readFileSync(join(build, 'link.tar'));
  const { server, base } = await serve({ '/good.tgz': good, '/dotdot.tar': dotdot, '/link.tar': link, '/junk': Buffer.from('not an archive') });
  const workDir = join(temp.path, 'work');
  const agent = await startNovaAgent({ agentUpdate: { allowHttp: true, workDir } });
  const strict = await startNovaAgent();
  try {
    const replies = await novaExchange(agent.socket, [
      { name: 'agentupdate', value: `${base}/good.tgz,${'0'.repeat(32)}` },
      { name: 'agentupdate', value: { url: `${base}/good.tgz`, md5sum: md5(good), sha256: 'f'.repeat(64) } },
      { name: 'agentupdate', value: { url: `${base}/dotdot.tar`, md5sum: md5(dotdot) } },
      { name: 'agentupdate', value: { url: `${base}/link.tar`, md5sum: md5(link) } },
      { name: 'agentupdate', value: `${base}/junk,${md5(Buffer.from('not an archive'))}` },
      { name: 'agentupdate', value: `${base}/missing,${'0'.repeat(32)}` },
      { name: 'agentupdate', value: 'ftp://example.com/x,00' },
      { name: 'agentupdate', value: 'https://example.com/x,00' },
      { name: 'kmsactivate', value: 'activation-key-123' },
    ]);
    assert.deepEqual(
      replies.map((reply) => `${reply.returncode} ${reply.message}`),
      [
        '500 agentupdate: the MD5 sum does not match',
        '500 agentupdate: the SHA-256 sum does not match',
        '500 agentupdate: refused an archive whose member leaves its folder: ../outside.txt',
        '500 agentupdate: refused an archive whose link leaves its folder: etc -> /etc',
        '500 agentupdate: the archive cannot be read: tar: This does not look like a tar archive',
        '500 agentupdate: download failed: HTTP 404',
        '500 agentupdate: only https:// URLs are allowed (or http://)',
        '500 agentupdate: the MD5 sum must be 32 hex digits',
        '500 not supported',
      ],
    );
    assert.equal(existsSync(marker), false, 'no installer ran');
    assert.equal(existsSync(join(temp.path, 'outside.txt')), false);

    const [installed] = await novaExchange(agent.socket, [{ name: 'agentupdate', value: { url: `${base}/good.tgz`, md5sum: md5(good).toUpperCase(), sha256: sha256(good) } }]);
    assert.deepEqual(installed, { returncode: '0', message: '' });
    assert.equal(readFileSync(marker, 'utf8'), 'installed from unpacked\n');
    assert.deepEqual(readdirSync(workDir), [], 'the work folder is cleaned up');

    const [refused] = await novaExchange(strict.socket, [{ name: 'agentupdate', value: `${base}/good.tgz,${md5(good)}` }]);
    assert.deepEqual(refused, { returncode: '500', message: 'agentupdate: only https:// URLs are allowed' });
  } finally {
    await agent.close();
    await strict.close();
    server.close();
    temp.remove();
  }
});
