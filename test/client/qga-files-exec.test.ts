import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fakeProgram, peerTest } from './qga-peers.js';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { QgaClient, QgaProtocolError, QgaTimeoutError } from '../../src/client/index.js';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

peerTest('file round trips of 0 bytes, 1 byte and 20 MiB keep their hashes', async (_t, peer, scratch) => {
  await using client = new QgaClient(peer.socketPath);
  for (const size of [0, 1, 20 * 1024 * 1024]) {
    const data = randomBytes(size);
    const remote = join(scratch, `round-${size}`);
    const progress: number[] = [];
    assert.equal(await client.writeFile(remote, data, { onProgress: (done) => progress.push(done) }), size);
    assert.equal(sha256(readFileSync(remote)), sha256(data), `written ${size}`);
    assert.deepEqual(progress, size === 0 ? [] : Array.from({ length: Math.ceil(size / (4 << 20)) }, (_, i) => Math.min((i + 1) * (4 << 20), size)));
    const totals: Array<number | undefined> = [];
    const back = await client.readFile(remote, { chunkSize: 3 * 1024 * 1024, onProgress: (_done, total) => totals.push(total) });
    assert.equal(sha256(back), sha256(data), `read ${size}`);
    if (size > 0) assert.equal(totals.at(-1), size);
  }
});

peerTest('streams: write from a Readable, read chunk by chunk, append mode', async (_t, peer, scratch) => {
  await using client = new QgaClient(peer.socketPath);
  const remote = join(scratch, 'streamed');
  const pieces = Array.from({ length: 7 }, () => randomBytes(100_000));
  await client.writeFile(remote, Readable.from(pieces), { chunkSize: 256 * 1024 });
  await client.writeFile(remote, 'tail', { mode: 'a' });
  const expected = Buffer.concat([...pieces, Buffer.from('tail')]);
  const chunks: Buffer[] = [];
  for await (const chunk of client.readFileChunks(remote, { chunkSize: 300_000 })) chunks.push(chunk);
  assert.deepEqual(chunks.map((chunk) => chunk.length), [300_000, 300_000, 100_004]);
  assert.ok(Buffer.concat(chunks).equals(expected));
});

peerTest('low-level file calls: open, write, seek, read, flush, close', async (_t, peer, scratch) => {
  await using client = new QgaClient(peer.socketPath);
  const remote = join(scratch, 'low-level');
  const handle = await client.fileOpen(remote, 'w+');
  assert.deepEqual(await client.fileWrite(handle, Buffer.from('hello world')), { count: 11, eof: false });
  await client.fileFlush(handle);
  assert.equal(readFileSync(remote, 'utf8'), 'hello world');
  assert.deepEqual(await client.fileSeek(handle, 6, 'set'), { position: 6, eof: false });
  const read = await client.fileRead(handle, 100);
  assert.equal(read.count, 5);
  assert.equal(Buffer.from(read['buf-b64'], 'base64').toString(), 'world');
  assert.equal(read.eof, true);
  assert.equal((await client.fileSeek(handle, -5, 'end')).position, 6);
  await client.fileClose(handle);
  await assert.rejects(client.fileRead(handle), QgaProtocolError, 'a closed handle is gone');
});

peerTest('a failed transfer is an agent error and leaves no handle open', async (_t, peer, scratch) => {
  await using client = new QgaClient(peer.socketPath);
  await assert.rejects(client.readFile(join(scratch, 'missing')), (e: unknown) => e instanceof QgaProtocolError && /missing/.test(e.desc));
  await assert.rejects(client.writeFile(join(scratch, 'no-dir', 'x'), 'data'), QgaProtocolError);
  // A directory opens but cannot be read: the handle must still be closed.
  await assert.rejects(client.readFile(scratch), QgaProtocolError);
  const handle = await client.fileOpen(join(scratch, 'probe'), 'w');
  await client.fileClose(handle);
  // qemu-ga hands out increasing handle numbers; nothing leaked means nothing left to close.
  await assert.rejects(client.fileClose(handle - 1), QgaProtocolError);
});

peerTest('exec returns exit code, signal, output, and takes input and env', async (_t, peer) => {
  await using client = new QgaClient(peer.socketPath);
  const ran = await client.exec(['/bin/sh', '-c', 'printf "$GREETING"; cat; echo oops >&2; exit 3'], { input: 'from stdin', env: { GREETING: 'hi ', PATH: '/usr/bin:/bin' } });
  assert.equal(ran.exitCode, 3);
  assert.equal(ran.signal, null);
  assert.equal(ran.stdout.toString(), 'hi from stdin');
  assert.equal(ran.stderr.toString(), 'oops\n');
  assert.equal(ran.stdoutTruncated, false);
  const killed = await client.exec(['/bin/sh', '-c', 'kill -9 $$']);
  assert.equal(killed.exitCode, null);
  assert.equal(killed.signal, 9);
  const binary = await client.exec(['/bin/sh', '-c', 'printf "\\377\\000\\001"']);
  assert.deepEqual([...binary.stdout], [0xff, 0, 1]);
  await assert.rejects(client.exec(['/no/such/program']), QgaProtocolError);
});

peerTest('exec of a command printing 20 MiB reports truncation', async (_t, peer) => {
  await using client = new QgaClient(peer.socketPath);
  const big = await client.exec(['/bin/sh', '-c', 'head -c 20971520 /dev/zero']);
  assert.equal(big.exitCode, 0);
  assert.equal(big.stdoutTruncated, true);
  assert.ok(big.stdout.length > 0 && big.stdout.length < 20 * 1024 * 1024);
  assert.equal(big.stderrTruncated, false);
});

peerTest('exec gives up waiting after its timeout and the connection goes on', async (_t, peer, scratch) => {
  await using client = new QgaClient(peer.socketPath);
  const marker = join(scratch, 'pid');
  const error = await client.exec(['/bin/sh', '-c', `echo $$ > ${marker}; exec sleep 30`], { timeout: 200 }).catch((e: unknown) => e);
  assert.ok(error instanceof QgaTimeoutError);
  assert.match(error.message, /left running/);
  // On a loaded machine the shell may not have written its pid yet when the call gives up.
  let pid = '';
  for (let i = 0; i < 1000 && pid === ''; i++) {
    pid = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : '';
    if (pid === '') await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.match(pid, /^\d+$/);
  const killed = await client.exec(['kill', pid]);
  assert.equal(killed.exitCode, 0);
});

peerTest('setUserPassword base64-encodes the password', async (_t, peer, scratch) => {
  await using client = new QgaClient(peer.socketPath);
  await client.setUserPassword('alice', 'pa:ss wörd');
  await client.setUserPassword('bob', '$6$salt$hash', { crypted: true });
  const calls = readFileSync(join(scratch, 'chpasswd.log'), 'utf8');
  assert.match(calls, /^args: -e\nstdin: bob:\$6\$salt\$hash$/m);
  assert.ok(calls.includes('stdin: alice:pa:ss wörd'));
}, { hostlinkOnly: true, programs: (dir) => ({ chpasswd: fakeProgram(dir, 'chpasswd') }) });
