/**
 * `hostlink vt-agent` as a process: the pid file appears once the port is bound and is
 * removed on SIGTERM, SIGINT and quit(); quit() answers before the agent goes.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir } from '../helpers/temp.js';
import { EXAMPLE_SERVICES, requirePython, runPython } from './vt-helpers.js';
import { hostlinkNodeArgs } from '../helpers/cli.js';

interface AgentProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly stderr: () => string;
}

function spawnAgent(args: readonly string[]): AgentProcess {
  const child = spawn(process.execPath, [...hostlinkNodeArgs(), 'vt-agent', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

async function waitForUrl(agent: AgentProcess): Promise<string> {
  for (let i = 0; i < 1500; i++) {
    const match = /listening on (\S+)/.exec(agent.stderr());
    if (match) return match[1]!;
    if (agent.child.exitCode !== null) throw new Error(`vt-agent exited: ${agent.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`vt-agent did not start: ${agent.stderr()}`);
}

async function isAlive(url: string): Promise<string> {
  const response = await fetch(url, { method: 'POST', body: '<methodCall><methodName>vt_agent.api.is_alive</methodName></methodCall>' });
  return response.text();
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`pid file written once listening, removed on ${signal}`, async () => {
    const temp = makeTempDir('hostlink-vt-cli-');
    const pidFile = join(temp.path, 'run', 'vt_agent.pid');
    const agent = spawnAgent(['--port', '0', '--pid-file', pidFile, '--data-dir', join(temp.path, 'data'), '--services', EXAMPLE_SERVICES]);
    try {
      const url = await waitForUrl(agent);
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/); // loopback by default
      assert.equal(readFileSync(pidFile, 'utf8'), `${agent.child.pid}\n`);
      assert.match(await isAlive(url), /<boolean>1<\/boolean>/);
      assert.ok(existsSync(join(temp.path, 'data', 'log', 'agent.log')));
      assert.ok(existsSync(join(temp.path, 'data', 'download')));
      agent.child.kill(signal);
      assert.equal(await agent.exited, 0);
      assert.equal(existsSync(pidFile), false);
    } finally {
      agent.child.kill('SIGKILL');
      temp.remove();
    }
  });
}

test('quit() answers the client, then the agent stops cleanly', async (t) => {
  const python = requirePython(t);
  if (!python) return;
  const temp = makeTempDir('hostlink-vt-cli-');
  const pidFile = join(temp.path, 'vt_agent.pid');
  const agent = spawnAgent(['--port', '0', '--pid-file', pidFile, '--data-dir', join(temp.path, 'data')]);
  try {
    const url = await waitForUrl(agent);
    const result = await runPython(python, `import sys, xmlrpc.client\nprint(repr(xmlrpc.client.ServerProxy(sys.argv[1], allow_none=True).vt_agent.api.quit()))`, [url]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'None');
    assert.equal(await agent.exited, 0);
    assert.equal(existsSync(pidFile), false);
  } finally {
    agent.child.kill('SIGKILL');
    temp.remove();
  }
});

test('a port already taken: a clear error, exit status 1, no pid file', async () => {
  const temp = makeTempDir('hostlink-vt-cli-');
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
  const port = (blocker.address() as { port: number }).port;
  const pidFile = join(temp.path, 'vt_agent.pid');
  const agent = spawnAgent(['--port', String(port), '--pid-file', pidFile, '--data-dir', join(temp.path, 'data')]);
  try {
    assert.equal(await agent.exited, 1);
    assert.match(agent.stderr(), /hostlink vt-agent: cannot listen on http:127\.0\.0\.1:\d+: .*EADDRINUSE/);
    assert.equal(existsSync(pidFile), false);
  } finally {
    agent.child.kill('SIGKILL');
    blocker.close();
    temp.remove();
  }
});

test('--pid-file is required, as in vt_agent', async () => {
  const agent = spawnAgent(['--port', '0']);
  assert.equal(await agent.exited, 2);
  assert.match(agent.stderr(), /--pid-file/);
});
