/**
 * Controller security with real processes and certificates made by openssl: a
 * controller on a non-loopback address refuses to start without tokens; over TLS,
 * agents authenticate with per-agent tokens or client certificates, and none can claim
 * another's gid/nid (forged handshake refused, forged result gid/nid ignored, a second
 * live agent on a taken gid/nid refused); client tokens carry rights.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { ControllerClient } from '../../src/client/controller/index.js';
import { findProgram, requireProgram } from '../helpers/peers.js';
import { Fleet, runCli, waitFor, type ControllerProc } from './fleet-helpers.js';

const fleet = new Fleet();
let controller: ControllerProc;
let ca: Buffer;
const TOKENS = { one: 'agent-one-token', two: 'agent-two-token', reader: 'reader-token-1', runner: 'runner-token-1', admin: 'admin-token-1' };

function openssl(args: string[]): void {
  const run = spawnSync('openssl', args, { cwd: fleet.temp.path, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${run.stderr}`);
}

/** A CA, a server certificate for 127.0.0.1 and an agent client certificate (CN "2:1"). */
function makeCertificates(): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=hostlink test CA']);
  writeFileSync(join(fleet.temp.path, 'server.ext'), 'subjectAltName = IP:127.0.0.1\n');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'agent.key', '-out', 'agent.csr', '-subj', '/CN=2:1']);
  openssl(['x509', '-req', '-in', 'agent.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'agent.pem', '-days', '2']);
}

const file = (name: string): string => join(fleet.temp.path, name);

function client(token?: string): ControllerClient {
  return new ControllerClient({ url: controller.url, ca, ...(token ? { token } : {}) });
}

/** A raw agent handshake: resolves with the HTTP status that refused it, or 101 when it was accepted. */
function handshake(gid: number, nid: number, options: { token?: string; instance?: string; cert?: boolean } = {}): Promise<{ status: number; reason: string; socket?: WebSocket }> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { 'x-hostlink-gid': String(gid), 'x-hostlink-nid': String(nid), 'x-hostlink-instance': options.instance ?? `raw-${gid}-${nid}` };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const socket = new WebSocket(`${controller.url.replace('https', 'wss')}/v1/agent`, {
      headers,
      ca,
      ...(options.cert ? { cert: readFileSync(file('agent.pem')), key: readFileSync(file('agent.key')) } : {}),
    });
    socket.on('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode ?? 0, reason: String(response.headers['x-hostlink-reason'] ?? '') });
      socket.terminate();
    });
    socket.on('open', () => resolve({ status: 101, reason: '', socket }));
    socket.on('error', () => undefined);
  });
}

before(async () => {
  if (!findProgram('openssl')) return;
  makeCertificates();
  ca = readFileSync(file('ca.pem'));
  writeFileSync(
    file('tokens.toml'),
    `[[agent]]\ntoken = "${TOKENS.one}"\ngid = 1\nnid = 1\n\n[[agent]]\ntoken = "${TOKENS.two}"\ngid = 1\nnid = 2\n\n` +
      `[[client]]\ntoken = "${TOKENS.reader}"\nrights = ["read"]\n\n[[client]]\ntoken = "${TOKENS.runner}"\nrights = ["read", "run"]\n\n` +
      `[[client]]\ntoken = "${TOKENS.admin}"\nrights = ["admin"]\n`,
  );
  controller = await fleet.controller(['--tokens-file', file('tokens.toml'), '--tls-cert', file('server.pem'), '--tls-key', file('server.key'), '--tls-ca', file('ca.pem')]);
  fleet.agent(controller.url, 1, 1, ['--controller-ca', file('ca.pem'), '--controller-token', TOKENS.one]);
  await fleet.waitOnline(client(TOKENS.reader), 1, 1);
});

after(() => fleet.stopAll());

test('a controller on a non-loopback address refuses to start without a token', async () => {
  const run = await runCli(['controller', '--listen', '0.0.0.0:0']);
  assert.equal(run.status, 2);
  assert.match(run.stderr, /refusing to listen on 0\.0\.0\.0 without authentication: give --token or --tokens-file/);
});

test('over TLS, an agent with its own token joins and runs jobs', async (t) => {
  if (!requireProgram(t, 'openssl', 'openssl')) return;
  assert.match(controller.url, /^https:\/\//);
  const result = await (await client(TOKENS.runner).execute(1, 1, 'echo', ['over tls'])).getNextResult(20);
  assert.equal(result?.state, 'SUCCESS');
  assert.equal(result?.streams[0], 'over tls\n');
});

test('agents cannot claim another gid/nid, nor join without a token or certificate', async (t) => {
  if (!requireProgram(t, 'openssl', 'openssl')) return;
  const noToken = await handshake(1, 2);
  assert.deepEqual([noToken.status, noToken.reason], [401, 'agent token missing']);
  const wrongToken = await handshake(1, 2, { token: 'not-a-real-token' });
  assert.equal(wrongToken.status, 401);
  const forged = await handshake(1, 2, { token: TOKENS.one });
  assert.deepEqual([forged.status, forged.reason], [403, 'this token belongs to agent 1:1, not 1:2']);
  const taken = await handshake(1, 1, { token: TOKENS.one, instance: 'another-process' });
  assert.equal(taken.status, 409);
  assert.match(taken.reason, /agent 1:1 is already connected/);
  const certForged = await handshake(2, 2, { cert: true });
  assert.deepEqual([certForged.status, certForged.reason], [403, 'this certificate belongs to agent 2:1, not 2:2']);
  const certified = await handshake(2, 1, { cert: true });
  assert.equal(certified.status, 101, 'a client certificate with CN "2:1" stands for agent 2:1');
  certified.socket?.close();
  assert.equal((await client(TOKENS.reader).getAgents()).find((agent) => agent.nid === 1 && agent.gid === 1)?.online, true);
});

test('a result cannot speak for another agent: the connection decides gid/nid', async (t) => {
  if (!requireProgram(t, 'openssl', 'openssl')) return;
  const raw = await handshake(1, 2, { token: TOKENS.two });
  assert.equal(raw.status, 101);
  const socket = raw.socket!;
  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as { type: string; job?: { id: string; cmd: string } };
    if (frame.type !== 'job' || !frame.job) return;
    const forgedResult = { id: frame.job.id, gid: 1, nid: 1, cmd: frame.job.cmd, args: {}, data: 'forged', streams: ['', ''], critical: '', level: 0, state: 'SUCCESS', starttime: Date.now(), time: 0, tags: '' };
    socket.send(JSON.stringify({ type: 'accepted', id: frame.job.id }));
    socket.send(JSON.stringify({ type: 'result', seq: 1, result: forgedResult }));
  });
  try {
    const runner = client(TOKENS.runner);
    await fleet.waitOnline(runner, 1, 2);
    const handle = await runner.cmd(1, 2, 'ping');
    const result = await handle.getNextResult(20);
    assert.equal(result?.data, 'forged');
    assert.deepEqual([result?.gid, result?.nid], [1, 2]);
    assert.deepEqual([...(await handle.getJobs()).keys()], ['1:2']);
  } finally {
    socket.close();
  }
});

test('client tokens: none is refused, read cannot run, run cannot schedule, admin can', async (t) => {
  if (!requireProgram(t, 'openssl', 'openssl')) return;
  await assert.rejects(client().getAgents(), (error: Error) => /token missing/.test(error.message));
  await assert.rejects(client('nonsense-token').getAgents(), /unknown token/);
  assert.ok((await client(TOKENS.reader).getAgents()).length >= 1);
  await assert.rejects(client(TOKENS.reader).cmd(1, 1, 'ping'), /lacks the "run" right/);
  await assert.rejects(client(TOKENS.runner).schedule('nightly', '0 3 * * *', 1, 1, 'ping'), /lacks the "admin" right/);
  const admin = client(TOKENS.admin);
  await admin.schedule('nightly', '0 3 * * *', 1, 1, 'ping');
  await admin.unschedule('nightly');
  await waitFor('nothing scheduled', async () => ((await admin.getSchedules()).length === 0 ? true : undefined));
});
