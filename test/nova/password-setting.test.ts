/**
 * Setting a password, shared by nova's password and guest-set-user-password: SHA-512
 * crypt against its specification's vectors and `openssl passwd -6`, the shadow file
 * rewritten in a fake root, and chpasswd (a recording fake) on the running system.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha512Crypt } from '../../src/commands/common/sha512-crypt.js';
import { setUserPassword } from '../../src/commands/common/user-password.js';
import { requireProgram } from '../helpers/peers.js';
import { makeTempDir } from '../helpers/temp.js';
import { makeFakeRoot } from './nova-helpers.js';

test('SHA-512 crypt: the specification vectors', () => {
  assert.equal(
    sha512Crypt('Hello world!', { salt: 'saltstring' }),
    '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1',
  );
  assert.equal(
    sha512Crypt('Hello world!', { salt: 'saltstringsaltstring', rounds: 10000 }),
    '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.',
  );
  assert.equal(
    sha512Crypt('a very much longer text to encrypt.  This one even stretches over morethan one line.', { salt: 'anotherlongsaltstring', rounds: 1400 }),
    '$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1',
  );
  assert.match(sha512Crypt('x'), /^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
});

test('SHA-512 crypt agrees with openssl passwd -6', (t) => {
  if (!requireProgram(t, 'openssl', 'openssl')) return;
  for (const [password, salt] of [['hunter2', 'abcdefgh'], ['x', 'x'], ['p\u00e4ss:w\u00f6rd with spaces', 'ABCDEFGHIJKLMNOP'], ['a'.repeat(200), 'salt./09']] as const) {
    const result = spawnSync('openssl', ['passwd', '-6', '-salt', salt, '-stdin'], { input: `${password}\n` });
    assert.equal(result.status, 0, result.stderr.toString());
    assert.equal(sha512Crypt(password, { salt }), result.stdout.toString().trim(), `${password.slice(0, 10)} / ${salt}`);
  }
});

test('under a root folder: only the user\'s hash and change date change; mode kept; errors change nothing', async () => {
  const temp = makeTempDir('hostlink-shadow-');
  try {
    const root = makeFakeRoot(temp.path);
    const shadow = join(root, 'etc/shadow');
    chmodSync(shadow, 0o640);
    await setUserPassword({ rootDir: root }, 'daemon', Buffer.from('s3cret'), false);
    const [rootLine, daemonLine] = readFileSync(shadow, 'utf8').split('\n');
    assert.equal(rootLine, 'root:*:19000:0:99999:7:::');
    const fields = daemonLine!.split(':');
    assert.equal(fields.length, 9);
    assert.equal(sha512Crypt('s3cret', { salt: fields[1]!.split('$')[2]! }), fields[1]);
    assert.equal(fields[2], String(Math.floor(Date.now() / 86_400_000)));
    assert.deepEqual(fields.slice(3), ['0', '99999', '7', '', '', '']);
    assert.equal(statSync(shadow).mode & 0o777, 0o640);

    await setUserPassword({ rootDir: root }, 'root', Buffer.from('$6$abc$def'), true);
    assert.match(readFileSync(shadow, 'utf8'), /^root:\$6\$abc\$def:\d+:0:99999:7:::$/m);

    const before = readFileSync(shadow, 'utf8');
    await assert.rejects(setUserPassword({ rootDir: root }, 'nobody', Buffer.from('x'), false), /user 'nobody' is not in \/etc\/shadow/);
    await assert.rejects(setUserPassword({ rootDir: root }, 'ro:ot', Buffer.from('x'), false), /forbidden characters in username/);
    await assert.rejects(setUserPassword({ rootDir: root }, 'root', Buffer.from('a\nb'), false), /forbidden characters in raw password/);
    await assert.rejects(setUserPassword({ rootDir: root }, 'root', Buffer.from('$6$a:b'), true), /forbidden character/);
    await assert.rejects(setUserPassword({ rootDir: join(temp.path, 'empty') }, 'root', Buffer.from('x'), false), /cannot read \/etc\/shadow/);
    assert.equal(readFileSync(shadow, 'utf8'), before);
  } finally {
    temp.remove();
  }
});

test('on the running system: chpasswd gets "user:password" on stdin (-e when crypted)', async () => {
  const temp = makeTempDir('hostlink-chpasswd-');
  try {
    const fake = join(temp.path, 'chpasswd');
    const record = join(temp.path, 'record');
    writeFileSync(fake, `#!/bin/sh\necho "args:$*" >> '${record}'\ncat >> '${record}'\n[ "$1" = "-e" ] && { echo "chpasswd: bad hash" >&2; exit 3; }\nexit 0\n`);
    chmodSync(fake, 0o755);
    await setUserPassword({ rootDir: '/', programs: { programs: { chpasswd: fake } } }, 'root', Buffer.from('pw with: colon'), false);
    await assert.rejects(setUserPassword({ rootDir: '/', programs: { programs: { chpasswd: fake } } }, 'root', Buffer.from('$6$x$y'), true), /chpasswd failed: chpasswd: bad hash/);
    assert.equal(readFileSync(record, 'utf8'), 'args:\nroot:pw with: colon\nargs:-e\nroot:$6$x$y\n');
    await assert.rejects(setUserPassword({ rootDir: '/', programs: { programs: { chpasswd: join(temp.path, 'missing') } } }, 'root', Buffer.from('x'), false), /cannot find the chpasswd program/);
  } finally {
    temp.remove();
  }
});
