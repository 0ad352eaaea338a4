/**
 * `hostlink agent --listen xmlrpc:http:... --services DIR`: the same agent that answers
 * QEMU guest agent clients serves vt_agent's core API and a service folder to Python's
 * own xmlrpc.client, and quit() stops it the way SIGTERM does (pid file removed).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startAgentCli } from '../agent/agent-cli.js';
import { makeTempDir } from '../helpers/temp.js';
import { EXAMPLE_SERVICES, requirePython, runPython } from './vt-helpers.js';

const CLIENT = `
import sys, json, xmlrpc.client
agent = xmlrpc.client.ServerProxy(sys.argv[1], allow_none=True)
out = {
  "alive": agent.vt_agent.api.is_alive(),
  "hello": agent.examples.hello.say_hello("Developer"),
  "ping": agent.__getattr__("guest-ping")(),
}
print(json.dumps(out))
print(repr(agent.api.quit()))
`;

test('hostlink agent serves vt_agent services over XML-RPC beside QGA, and quit() stops it', async (t) => {
  const python = requirePython(t);
  if (!python) return;
  const temp = makeTempDir('hostlink-agent-services-');
  const pidFile = join(temp.path, 'agent.pid');
  const qgaSocket = join(temp.path, 'qga.sock');
  const agent = await startAgentCli([
    '--listen', 'xmlrpc:http:127.0.0.1:0',
    '--listen', `qga:unix:${qgaSocket}`,
    '--services', EXAMPLE_SERVICES,
    '--state-dir', join(temp.path, 'state'),
    '--pid-file', pidFile,
  ]);
  try {
    const http = agent.listeners.find((listener) => listener.startsWith('xmlrpc:'));
    assert.ok(http, `an xmlrpc listener is reported: ${agent.listeners.join(', ')}`);
    const url = `http://${http.replace(/^xmlrpc:(http:)?/, '').replace(/^\/\//, '')}/`;
    const result = await runPython(python, CLIENT, [url]);
    assert.equal(result.code, 0, result.stderr);
    const [json, quit] = result.stdout.trim().split('\n');
    assert.deepEqual(JSON.parse(json!), { alive: true, hello: 'Hello, Developer! This is vt_agent running on vm.', ping: null });
    assert.equal(quit, 'None');
    assert.equal(await agent.exited, 0);
    assert.equal(existsSync(pidFile), false);
    assert.equal(existsSync(qgaSocket), false);
    assert.ok(existsSync(join(temp.path, 'state', 'vt-data', 'log')), 'the data folder is in the state folder');
  } finally {
    await agent.stop().catch(() => undefined);
    temp.remove();
  }
});
