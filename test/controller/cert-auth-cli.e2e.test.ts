/**
 * Agents authenticated by TLS client certificates, through the CLI as a user sets it up:
 * openssl makes a CA, a server certificate for 127.0.0.1 and agent certificates; a
 * `hostlink controller` process serves HTTPS with that CA for client certificates and a
 * token (so tokens are required); `hostlink agent` processes join with a certificate and
 * no token. The right certificate runs jobs; a certificate of another agent, or one
 * from another CA, is refused with the reason in the agent's log.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { ControllerClient } from '../../src/client/controller/index.js';
import { findProgram, requireProgram } from '../helpers/peers.js';
import { Fleet, runCli, waitFor, type AgentProc, type ControllerProc } from './fleet-helpers.js';

const TOKEN = 'cert-auth-cli-token';
const fleet = new Fleet();
let controller: ControllerProc;
let client: ControllerClient;
let agent: AgentProc;

const file = (name: string): string => join(fleet.temp.path, name);

function openssl(args: readonly string[]): void {
  const run = spawnSync('openssl', args, { cwd: fleet.temp.path, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${run.stderr}`);
}

/** NAME.key and NAME.pem: a P-256 key and a certificate for `subject`, signed by `ca`. */
function certificate(name: string, subject: string, ca: string, extensions?: string): void {
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  if (extensions !== undefined) writeFileSync(file(`${name}.ext`), extensions);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', ...(extensions !== undefined ? ['-extfile', `${name}.ext`] : [])]);
}

function authority(name: string, subject: string): void {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', subject]);
}

function makeCertificates(): void {
  authority('ca', '/CN=hostlink fleet CA');
  authority('other-ca', '/CN=some other CA');
  certificate('server', '/CN=127.0.0.1', 'ca', 'subjectAltName = IP:127.0.0.1\n');
  certificate('agent-1-1', '/CN=1:1', 'ca');
  certificate('agent-1-2', '/CN=1:2', 'ca');
  certificate('stranger-1-3', '/CN=1:3', 'other-ca');
}

/** `hostlink agent --controller URL --gid G --nid N` with the CA and a client certificate, no token. */
function certifiedAgent(gid: number, nid: number, certificateName: string): AgentProc {
  return fleet.agent(controller.url, gid, nid, ['--controller-ca', file('ca.pem'), '--controller-cert', file(`${certificateName}.pem`), '--controller-key', file(`${certificateName}.key`)], { HOSTLINK_AGENT_TOKEN: '' });
}

function skipWithoutOpenssl(t: TestContext): boolean {
  return requireProgram(t, 'openssl', 'openssl') === undefined;
}

before(async () => {
  if (!findProgram('openssl')) return;
  makeCertificates();
  controller = await fleet.controller(['--token', TOKEN, '--tls-cert', file('server.pem'), '--tls-key', file('server.key'), '--tls-ca', file('ca.pem')]);
  client = new ControllerClient({ url: controller.url, token: TOKEN, ca: readFileSync(file('ca.pem')) });
  agent = certifiedAgent(1, 1, 'agent-1-1');
  await fleet.waitOnline(client, 1, 1, agent);
});

after(() => fleet.stopAll());

test('an agent with its certificate and no token joins the TLS controller and runs jobs from the CLI', async (t) => {
  if (skipWithoutOpenssl(t)) return;
  assert.match(controller.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const [run, agents, noToken] = await Promise.all([
    runCli(['run', '--controller', controller.url, '--ca', file('ca.pem'), '--token', TOKEN, '-g', '1', '-n', '1', '--', 'echo', 'signed by the fleet CA']),
    runCli(['agents', '--controller', controller.url, '--ca', file('ca.pem'), '--token', TOKEN, '--json']),
    runCli(['run', '--controller', controller.url, '--ca', file('ca.pem'), '-g', '1', '-n', '1', '--', 'true']),
  ]);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, 'signed by the fleet CA\n');
  assert.equal(agents.status, 0, agents.stderr);
  const listed = (JSON.parse(agents.stdout) as Array<{ gid: number; nid: number; online: boolean }>).map((one) => [one.gid, one.nid, one.online]);
  assert.deepEqual(listed, [[1, 1, true]]);
  // The controller does want tokens: a client without one is refused.
  assert.equal(noToken.status, 1);
  assert.match(noToken.stderr, /token missing/);
  assert.match(agent.log(), /connected to the controller/);
  assert.doesNotMatch(agent.log(), /refused/);

  const result = await (await client.execute(1, 1, 'id', ['-u'])).getNextResult(20);
  assert.equal(result?.state, 'SUCCESS');
});

test("an agent presenting agent 1:2's certificate while claiming 1:1 is refused, and says why", async (t) => {
  if (skipWithoutOpenssl(t)) return;
  const impostor = certifiedAgent(1, 1, 'agent-1-2');
  await waitFor('the refusal in the log', () => (/refused/.test(impostor.log()) ? true : undefined));
  await impostor.stop();
  assert.match(impostor.log(), /controller refused the connection: HTTP 403 \(this certificate belongs to agent 1:2, not 1:1\)/);
  assert.doesNotMatch(impostor.log(), /connected to the controller"/);
  // The real 1:1 is still the one connected, and still runs jobs.
  assert.equal(await client.ping(1, 1), 'pong');
});

test('a certificate from another CA is refused (and no token stands in for it)', async (t) => {
  if (skipWithoutOpenssl(t)) return;
  const stranger = certifiedAgent(1, 3, 'stranger-1-3');
  await waitFor('the refusal in the log', () => (/refused/.test(stranger.log()) ? true : undefined));
  await stranger.stop();
  assert.match(stranger.log(), /controller refused the connection: HTTP 401 \(client certificate not trusted \([^)]+\) and agent token missing\)/);
  assert.equal((await client.getAgents()).some((known) => known.gid === 1 && known.nid === 3), false, 'agent 1:3 never joined');
});
