/**
 * guest-file-* against the real qemu-ga 7.2: the same requests on the same files give
 * the same replies, byte for byte where the reply line is compared. Each agent works on
 * its own copy of the fixture files, at the same paths (paths appear in error texts).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { startHostlinkQga } from '../helpers/hostlink-qga.js';
import { findProgram, requireProgram } from '../helpers/peers.js';
import { exchange, replyTexts } from '../helpers/qga-compare.js';
import { startQemuGa, type RunningQgaPeer } from '../helpers/qga-peer.js';
import { QgaRawClient } from '../helpers/qga-raw-client.js';
import { makeTempDir } from '../helpers/temp.js';
import { startHostlinkFilesIn, startQemuGaIn, type Agent, type Reply } from './agent-in-folder.js';

const work = makeTempDir('hostlink-file-conf-');
const files = join(work.path, 'files');
const BIG_SIZE = 10 * 1024 * 1024;
const big = randomBytes(BIG_SIZE);

/** The same starting files for each agent. */
function prepareFiles(): void {
  rmSync(files, { recursive: true, force: true });
  mkdirSync(files);
  writeFileSync(join(files, 'hello.txt'), 'hello world\n');
  writeFileSync(join(files, 'big.bin'), big);
}

let reference: RunningQgaPeer | undefined;
let hostlink: RunningQgaPeer | undefined;

before(async () => {
  const qemuGa = findProgram('qemu-ga');
  if (qemuGa) reference = await startQemuGa(qemuGa);
  hostlink = await startHostlinkQga();
});

after(async () => {
  await reference?.stop();
  await hostlink?.stop();
  work.remove();
});

function peers(t: TestContext): { reference: RunningQgaPeer; hostlink: RunningQgaPeer } | undefined {
  if (!requireProgram(t, 'qemu-ga', 'qemu-guest-agent')) return undefined;
  assert.ok(reference && hostlink);
  return { reference, hostlink };
}

/** Sends each request on one connection and returns the reply lines as text. */
async function script(socketPath: string, requests: readonly object[]): Promise<string[]> {
  const result = await exchange(socketPath, [requests.map((request) => JSON.stringify(request)).join('')], {
    expectLines: requests.length,
    timeoutMs: 10_000,
  });
  return replyTexts(result);
}

/** Runs the script on the reference, then (fresh files) on hostlink; both reply lists. */
async function onBoth(pair: { reference: RunningQgaPeer; hostlink: RunningQgaPeer }, requests: readonly object[]): Promise<[string[], string[]]> {
  prepareFiles();
  const fromReference = await script(pair.reference.socketPath, requests);
  const referenceFiles = snapshotFiles();
  prepareFiles();
  const fromHostlink = await script(pair.hostlink.socketPath, requests);
  assert.deepEqual(snapshotFiles(), referenceFiles, 'the files end up the same');
  return [fromReference, fromHostlink];
}

function snapshotFiles(): Record<string, { mode: number; sha256: string }> {
  const names = ['hello.txt', 'new.txt', 'append.txt'];
  const snapshot: Record<string, { mode: number; sha256: string }> = {};
  for (const name of names) {
    try {
      const path = join(files, name);
      snapshot[name] = { mode: statSync(path).mode, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
    } catch {
      // absent in both, or compared as absent
    }
  }
  return snapshot;
}

const call = (execute: string, args?: Record<string, unknown>): object => (args ? { execute, arguments: args } : { execute });
const b64 = (text: string): string => Buffer.from(text).toString('base64');

test('open, read, seek, write, flush and close answer as qemu-ga, handles numbered alike', async (t) => {
  const pair = peers(t);
  if (!pair) return;
  const hello = join(files, 'hello.txt');
  const created = join(files, 'new.txt');
  const appended = join(files, 'append.txt');
  // Handle numbers continue from what earlier tests used on each agent; each agent is
  // fresh per file, so read the next number first and script relative to it.
  const requests = [
    call('guest-file-open', { path: hello }),
    call('guest-file-read', { handle: 1000, count: 5 }),
    call('guest-file-read', { handle: 1000 }),
    call('guest-file-read', { handle: 1000 }),
    call('guest-file-seek', { handle: 1000, offset: 6, whence: 'set' }),
    call('guest-file-read', { handle: 1000, count: 3 }),
    call('guest-file-seek', { handle: 1000, offset: -2, whence: 2 }),
    call('guest-file-read', { handle: 1000, count: 0 }),
    call('guest-file-read', { handle: 1000, count: 2 }),
    call('guest-file-seek', { handle: 1000, offset: 0, whence: 'cur' }),
    call('guest-file-write', { handle: 1000, 'buf-b64': b64('nope') }),
    call('guest-file-flush', { handle: 1000 }),
    call('guest-file-close', { handle: 1000 }),
    call('guest-file-close', { handle: 1000 }),
    call('guest-file-open', { path: created, mode: 'w+' }),
    call('guest-file-write', { handle: 1001, 'buf-b64': b64('hello, file') }),
    call('guest-file-write', { handle: 1001, 'buf-b64': b64('abcdef'), count: 3 }),
    call('guest-file-seek', { handle: 1001, offset: 0, whence: 0 }),
    call('guest-file-read', { handle: 1001, count: 2 }),
    call('guest-file-write', { handle: 1001, 'buf-b64': b64('XY') }),
    call('guest-file-read', { handle: 1001, count: 100 }),
    call('guest-file-seek', { handle: 1001, offset: 20, whence: 'set' }),
    call('guest-file-write', { handle: 1001, 'buf-b64': b64('!') }),
    call('guest-file-seek', { handle: 1001, offset: 0, whence: 'end' }),
    call('guest-file-close', { handle: 1001 }),
    call('guest-file-open', { path: appended, mode: 'a' }),
    call('guest-file-write', { handle: 1002, 'buf-b64': b64('one') }),
    call('guest-file-seek', { handle: 1002, offset: 0, whence: 'set' }),
    call('guest-file-write', { handle: 1002, 'buf-b64': b64('two') }),
    call('guest-file-read', { handle: 1002 }),
    call('guest-file-close', { handle: 1002 }),
    call('guest-file-open', { path: appended, mode: 'a+b' }),
    call('guest-file-read', { handle: 1003 }),
    call('guest-file-close', { handle: 1003 }),
    call('guest-file-open', { path: hello, mode: 'rb+' }),
    call('guest-file-open', { path: hello, mode: 'r+b' }),
    call('guest-file-close', { handle: 1004 }),
    call('guest-file-close', { handle: 1005 }),
  ];
  // Fresh agents: both must start at 1000 for this script.
  const qemuGa = findProgram('qemu-ga')!;
  const freshReference = await startQemuGa(qemuGa);
  const freshHostlink = await startHostlinkQga();
  try {
    const [fromReference, fromHostlink] = await onBoth({ reference: freshReference, hostlink: freshHostlink }, requests);
    assert.equal(fromReference.length, requests.length);
    assert.deepEqual(fromHostlink, fromReference);
  } finally {
    await freshReference.stop();
    await freshHostlink.stop();
  }
});

test('error replies match qemu-ga: bad handle, mode, missing file, base64, counts, whence', async (t) => {
  const pair = peers(t);
  if (!pair) return;
  const hello = join(files, 'hello.txt');
  // Every request that opens a handle fails, so handle numbers stay put on both agents.
  const requests = [
    call('guest-file-read', { handle: 1234 }),
    call('guest-file-read', { handle: 2 ** 53 + 2 }),
    call('guest-file-write', { handle: 77, 'buf-b64': 'eA==' }),
    call('guest-file-seek', { handle: 77, offset: 0, whence: 7 }),
    call('guest-file-close', { handle: -1 }),
    call('guest-file-flush', { handle: 1 }),
    call('guest-file-open', { path: hello, mode: 'q' }),
    call('guest-file-open', { path: hello, mode: 'br' }),
    call('guest-file-open', { path: hello, mode: '' }),
    call('guest-file-open', { path: hello, mode: 'wx' }),
    call('guest-file-open', { path: join(files, 'missing.txt') }),
    call('guest-file-open', { path: join(files, 'no/such/dir.txt'), mode: 'w' }),
    call('guest-file-open', { path: files, mode: 'w' }),
    call('guest-file-open', { path: '' }),
    call('guest-file-open', {}),
    call('guest-file-open', { path: 1 }),
    call('guest-file-open', { path: hello, mode: 'r', extra: true }),
    call('guest-file-read', {}),
    call('guest-file-read', { handle: 'x' }),
    call('guest-file-read', { handle: 1.5 }),
    call('guest-file-seek', { handle: 1000, offset: 0 }),
    call('guest-file-seek', { handle: 1000, offset: 0, whence: 'foo' }),
    call('guest-file-seek', { handle: 1000, offset: 0, whence: true }),
    call('guest-file-seek', { handle: 1000, offset: 0, whence: 1.5 }),
    call('guest-file-seek', { handle: 1000, offset: 0, whence: null }),
    call('guest-file-seek', { handle: 1000, offset: 'x', whence: 0 }),
    call('guest-file-write', { handle: 1000 }),
  ];
  const [fromReference, fromHostlink] = await onBoth(pair, requests);
  assert.equal(fromReference.length, requests.length);
  assert.deepEqual(fromHostlink, fromReference);
});

test('errors on an open handle: base64, counts, whence codes, seeking before the start', async (t) => {
  const pair = peers(t);
  if (!pair) return;
  const hello = join(files, 'hello.txt');
  const results: Reply[][] = [];
  for (const peer of [pair.reference, pair.hostlink]) {
    prepareFiles();
    const client = await QgaRawClient.connect(peer.socketPath);
    try {
      const opened = await client.request('guest-file-open', { path: hello, mode: 'r+' });
      const handle = opened.return as number;
      const replies: Reply[] = [];
      for (const [execute, args] of [
        ['guest-file-write', { handle, 'buf-b64': '!!!' }],
        ['guest-file-write', { handle, 'buf-b64': 'aGVs bG8=' }],
        ['guest-file-write', { handle, 'buf-b64': 'aGVsbG8=', count: 6 }],
        ['guest-file-write', { handle, 'buf-b64': 'aGVsbG8=', count: -1 }],
        ['guest-file-write', { handle, 'buf-b64': 'aGVsbG8=aGVs' }],
        ['guest-file-write', { handle, 'buf-b64': 'aGVs\nbG8' }],
        ['guest-file-write', { handle, 'buf-b64': 'a' }],
        ['guest-file-read', { handle, count: -1 }],
        ['guest-file-read', { handle, count: 48 * 1024 * 1024 + 1 }],
        ['guest-file-read', { handle, count: 48 * 1024 * 1024 }],
        ['guest-file-seek', { handle, offset: 0, whence: 3 }],
        ['guest-file-seek', { handle, offset: 0, whence: -1 }],
        ['guest-file-seek', { handle, offset: -100, whence: 'set' }],
        ['guest-file-seek', { handle, offset: -1, whence: 'cur' }],
        ['guest-file-close', { handle }],
      ] as const) {
        replies.push(await client.request(execute, args));
      }
      results.push(replies);
    } finally {
      client.close();
    }
  }
  assert.deepEqual(results[1], results[0]);
});

test('a 10 MiB file read in 1 MiB chunks arrives whole (same sha256 from both)', async (t) => {
  const pair = peers(t);
  if (!pair) return;
  prepareFiles();
  const expected = createHash('sha256').update(big).digest('hex');
  for (const peer of [pair.reference, pair.hostlink]) {
    const client = await QgaRawClient.connect(peer.socketPath);
    try {
      const handle = (await client.request('guest-file-open', { path: join(files, 'big.bin') })).return as number;
      const hash = createHash('sha256');
      const counts: number[] = [];
      for (;;) {
        const reply = (await client.request('guest-file-read', { handle, count: 1024 * 1024 }, 15_000)).return as Reply;
        hash.update(Buffer.from(reply['buf-b64'] as string, 'base64'));
        counts.push(reply.count as number);
        if (reply.eof) break;
      }
      await client.request('guest-file-close', { handle });
      assert.equal(hash.digest('hex'), expected);
      // 10 full chunks, then an empty read that reports the end.
      assert.deepEqual(counts, [...Array<number>(10).fill(1024 * 1024), 0]);
    } finally {
      client.close();
    }
  }
});

test('handle numbers survive a restart on the same state folder, and qga.state matches', async (t) => {
  const qemuGa = requireProgram(t, 'qemu-ga', 'qemu-guest-agent');
  if (!qemuGa) return;
  const hello = join(work.path, 'restart-hello.txt');
  writeFileSync(hello, 'x');
  const states: string[][] = [];
  const handles: unknown[][] = [];
  const starters: Array<(stateDir: string) => Promise<Agent>> = [
    (stateDir) => startQemuGaIn(qemuGa, work.path, stateDir),
    (stateDir) => Promise.resolve(startHostlinkFilesIn(stateDir)),
  ];
  for (const [index, start] of starters.entries()) {
    const stateDir = join(work.path, `restart-state-${index}`);
    mkdirSync(stateDir);
    const seen: unknown[] = [];
    const stateTexts: string[] = [];
    let agent = await start(stateDir);
    try {
      stateTexts.push(readFileSync(join(stateDir, 'qga.state'), 'utf8'));
      seen.push((await agent.request('guest-file-open', { path: hello })).return);
      seen.push((await agent.request('guest-file-open', { path: hello })).return);
      seen.push((await agent.request('guest-file-open', { path: join(work.path, 'missing') })).error);
      stateTexts.push(readFileSync(join(stateDir, 'qga.state'), 'utf8'));
    } finally {
      await agent.stop();
    }
    agent = await start(stateDir);
    try {
      seen.push((await agent.request('guest-file-open', { path: hello })).return);
      seen.push((await agent.request('guest-file-read', { handle: 1000 })).error);
      stateTexts.push(readFileSync(join(stateDir, 'qga.state'), 'utf8'));
    } finally {
      await agent.stop();
    }
    states.push(stateTexts);
    handles.push(seen);
  }
  assert.deepEqual(states[0], ['[global]\nfd_counter=1000\n', '[global]\nfd_counter=1002\n', '[global]\nfd_counter=1003\n']);
  assert.deepEqual(states[1], states[0]);
  assert.deepEqual(handles[0]?.slice(0, 2), [1000, 1001]);
  assert.equal(handles[0]?.[3], 1002);
  assert.deepEqual(handles[1], handles[0]);
});

test('a state file with other values or an odd counter is read as qemu-ga reads it', async (t) => {
  const qemuGa = requireProgram(t, 'qemu-ga', 'qemu-guest-agent');
  if (!qemuGa) return;
  const hello = join(work.path, 'odd-hello.txt');
  writeFileSync(hello, 'x');
  for (const initial of ['[global]\nfd_counter=5\nother=1\n', '[global]\nfd_counter=abc\n', '[other]\nx=1\n', '# comment\n\n[global]\nfd_counter = 42 \n']) {
    const outcomes: unknown[] = [];
    for (const [index, start] of [
      (stateDir: string) => startQemuGaIn(qemuGa, work.path, stateDir),
      (stateDir: string) => Promise.resolve(startHostlinkFilesIn(stateDir)),
    ].entries()) {
      const stateDir = join(work.path, `odd-${index}-${outcomes.length}-${Math.random().toString(36).slice(2)}`);
      mkdirSync(stateDir);
      writeFileSync(join(stateDir, 'qga.state'), initial);
      const agent = await start(stateDir);
      try {
        const handle = (await agent.request('guest-file-open', { path: hello })).return;
        outcomes.push({ handle, state: readFileSync(join(stateDir, 'qga.state'), 'utf8') });
      } finally {
        await agent.stop();
      }
    }
    assert.deepEqual(outcomes[1], outcomes[0], `state file ${JSON.stringify(initial)}`);
  }
});
