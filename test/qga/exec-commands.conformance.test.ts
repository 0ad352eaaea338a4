/**
 * guest-exec and guest-exec-status against the real qemu-ga 7.2: the same programs give
 * the same status lines (byte for byte, the pid aside), the same reaping and the same
 * error texts.
 */
import assert from 'node:assert/strict';
import { after, before, test, type TestContext } from 'node:test';
import { startHostlinkQga } from '../helpers/hostlink-qga.js';
import { findProgram, requireProgram } from '../helpers/peers.js';
import { startQemuGa, type RunningQgaPeer } from '../helpers/qga-peer.js';
import { LineClient } from './line-client.js';

let reference: RunningQgaPeer | undefined;
let hostlink: RunningQgaPeer | undefined;
const clients: { reference?: LineClient; hostlink?: LineClient } = {};

before(async () => {
  const qemuGa = findProgram('qemu-ga');
  if (qemuGa) {
    reference = await startQemuGa(qemuGa);
    clients.reference = await LineClient.connect(reference.socketPath);
  }
  hostlink = await startHostlinkQga();
  clients.hostlink = await LineClient.connect(hostlink.socketPath);
});

after(async () => {
  clients.reference?.close();
  clients.hostlink?.close();
  await reference?.stop();
  await hostlink?.stop();
});

function both(t: TestContext): [LineClient, LineClient] | undefined {
  if (!requireProgram(t, 'qemu-ga', 'qemu-guest-agent')) return undefined;
  assert.ok(clients.reference && clients.hostlink);
  return [clients.reference, clients.hostlink];
}

/** One request, the reply line as text (for byte comparisons) and parsed. */
async function line(client: LineClient, execute: string, args?: Record<string, unknown>): Promise<{ text: string; reply: Record<string, unknown> }> {
  const text = await client.request(execute, args);
  return { text, reply: JSON.parse(text) as Record<string, unknown> };
}

async function exec(client: LineClient, args: Record<string, unknown>): Promise<number> {
  const { reply } = await line(client, 'guest-exec', args);
  const result = reply.return as { pid?: unknown } | undefined;
  assert.equal(typeof result?.pid, 'number', `guest-exec replied ${JSON.stringify(reply)}`);
  return result!.pid as number;
}

/** Polls until the status says exited; returns that status line. */
async function finalStatus(client: LineClient, pid: number): Promise<string> {
  for (let i = 0; i < 400; i++) {
    const { text, reply } = await line(client, 'guest-exec-status', { pid });
    const status = reply.return as { exited?: boolean } | undefined;
    assert.ok(status, `status replied ${text}`);
    if (status.exited) return text;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail(`pid ${pid} did not exit`);
}

/** Runs the same guest-exec on both agents and returns both final status lines. */
async function onBoth(pair: [LineClient, LineClient], args: Record<string, unknown>): Promise<[string, string]> {
  const statuses: string[] = [];
  for (const client of pair) statuses.push(await finalStatus(client, await exec(client, args)));
  return [statuses[0]!, statuses[1]!];
}

test('exit code, stdout and stderr of sh -c, captured apart', async (t) => {
  const pair = both(t);
  if (!pair) return;
  const [fromReference, fromHostlink] = await onBoth(pair, { path: 'sh', arg: ['-c', 'echo out; echo err >&2; exit 3'], 'capture-output': true });
  assert.equal(fromReference, '{"return": {"exitcode": 3, "err-data": "ZXJyCg==", "out-data": "b3V0Cg==", "err-truncated": false, "out-truncated": false, "exited": true}}');
  assert.equal(fromHostlink, fromReference);
});

test('input-data is fed to cat; without capture nothing comes back', async (t) => {
  const pair = both(t);
  if (!pair) return;
  const input = Buffer.from('hello\nworld\u0000\u00ff').toString('base64');
  const [captured, capturedOwn] = await onBoth(pair, { path: 'cat', 'input-data': input, 'capture-output': true });
  assert.ok(captured.includes(`"out-data": "${input}"`));
  assert.equal(capturedOwn, captured);
  const [silent, silentOwn] = await onBoth(pair, { path: 'cat', 'input-data': input });
  assert.equal(silent, '{"return": {"exitcode": 0, "exited": true}}');
  assert.equal(silentOwn, silent);
  // Without input-data stdin is /dev/null: read gets end-of-file at once.
  const [empty, emptyOwn] = await onBoth(pair, { path: 'sh', arg: ['-c', 'read x; echo "got[$x]"'], 'capture-output': true });
  assert.equal(emptyOwn, empty);
});

test('a process killed by a signal reports the signal number', async (t) => {
  const pair = both(t);
  if (!pair) return;
  for (const capture of [true, false]) {
    const [fromReference, fromHostlink] = await onBoth(pair, { path: 'sh', arg: ['-c', 'kill -9 $$'], 'capture-output': capture });
    assert.equal(fromReference, '{"return": {"signal": 9, "exited": true}}');
    assert.equal(fromHostlink, fromReference);
  }
});

test('a status that reports the exit is the last: the pid is then unknown', async (t) => {
  const pair = both(t);
  if (!pair) return;
  const replies: string[][] = [];
  for (const client of pair) {
    const pid = await exec(client, { path: 'true' });
    const running = await exec(client, { path: 'sleep', arg: ['0.3'] });
    const first = (await line(client, 'guest-exec-status', { pid: running })).text;
    const final = await finalStatus(client, pid);
    const again = (await line(client, 'guest-exec-status', { pid })).text;
    await finalStatus(client, running);
    replies.push([first, final, again]);
  }
  assert.deepEqual(replies[0], ['{"return": {"exited": false}}', '{"return": {"exitcode": 0, "exited": true}}', '{"error": {"class": "GenericError", "desc": "Invalid parameter \'pid\'"}}']);
  assert.deepEqual(replies[1], replies[0]);
});

async function bigOutput(client: LineClient, bytes: number): Promise<Record<string, unknown>> {
  const pid = await exec(client, { path: 'sh', arg: ['-c', `head -c ${bytes} /dev/zero; printf e >&2`], 'capture-output': true });
  const status = (JSON.parse(await finalStatus(client, pid)) as { return: Record<string, unknown> }).return;
  return {
    out: Buffer.from(status['out-data'] as string, 'base64').length,
    outTruncated: status['out-truncated'],
    err: status['err-data'],
    errTruncated: status['err-truncated'],
  };
}

test('output beyond 16 MiB is cut and flagged; exactly 16 MiB is not', async (t) => {
  const pair = both(t);
  if (!pair) return;
  const cut = { out: 16 * 1024 * 1024, outTruncated: true, err: 'ZQ==', errTruncated: false };
  assert.deepEqual(await bigOutput(pair[0], 16 * 1024 * 1024 + 1), cut);
  assert.deepEqual(await bigOutput(pair[1], 16 * 1024 * 1024 + 1), cut);
  // The boundary, seen from qemu-ga once by hand (slow there): 16 MiB exactly is whole.
  assert.deepEqual(await bigOutput(pair[1], 16 * 1024 * 1024), { ...cut, outTruncated: false });
});

test('programs that cannot run, and argument errors, are refused with qemu-ga\'s texts', async (t) => {
  const pair = both(t);
  if (!pair) return;
  const requests: Array<Record<string, unknown> | undefined> = [
    { path: '/nonexistent/prog' },
    { path: 'nonexistent-program-hostlink' },
    { path: '' },
    { path: '/tmp' },
    { path: 'sh', env: ['PATH=/nonexistent'] },
    { path: 'cat', 'input-data': '!!' },
    { path: 'cat', 'capture-output': 'bogus' },
    { path: 'cat', 'capture-output': 1 },
    { path: 'cat', arg: 'x' },
    { path: 'cat', env: [1] },
    {},
    undefined,
  ];
  const replies: string[][] = [];
  for (const client of pair) {
    const texts: string[] = [];
    for (const args of requests) texts.push((await line(client, 'guest-exec', args)).text);
    texts.push((await line(client, 'guest-exec-status', { pid: 'x' })).text);
    texts.push((await line(client, 'guest-exec-status', { pid: -1 })).text);
    texts.push((await line(client, 'guest-exec-status', {})).text);
    replies.push(texts);
  }
  assert.equal(
    replies[0]?.[0],
    '{"error": {"class": "GenericError", "desc": "Guest agent command failed, error was \'Failed to execute child process \\u201C/nonexistent/prog\\u201D (No such file or directory)\'"}}',
  );
  assert.deepEqual(replies[1], replies[0]);
});

test('env replaces the environment; PATH is searched from it, else from the agent', async (t) => {
  const pair = both(t);
  if (!pair) return;
  const [withEnv, withEnvOwn] = await onBoth(pair, { path: 'sh', arg: ['-c', 'echo "[$A][$HOME]"'], env: ['A=1', 'A=2'], 'capture-output': true });
  // The shell sees the last of two values; HOME is gone.
  assert.ok(withEnv.includes(`"out-data": "${Buffer.from('[2][]\n').toString('base64')}"`), withEnv);
  assert.equal(withEnvOwn, withEnv);
  const [searched, searchedOwn] = await onBoth(pair, { path: 'env', env: ['PATH=/usr/bin:/bin', 'X=y'], 'capture-output': true });
  assert.equal(searchedOwn, searched);
});
