/**
 * The XML-RPC and JSON-RPC listeners spelled as `--listen PROTOCOL:TRANSPORT:ADDRESS`:
 * parsed by the agent's listen-spec parser, built by its listener factory, and served
 * beside the vt agent's main HTTP listener.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatListenSpec, parseListenSpec } from '../../src/agent/listen-spec.js';
import { makeTempDir } from '../helpers/temp.js';
import { startTestVtAgent } from './vt-helpers.js';

test('xmlrpc and jsonrpc listen specs parse and print back', () => {
  assert.deepEqual(parseListenSpec('xmlrpc:http:127.0.0.1:8000').address, { transport: 'http', host: '127.0.0.1', port: 8000 });
  assert.deepEqual(parseListenSpec('xmlrpc:http:8000').address, { transport: 'http', host: '127.0.0.1', port: 8000 });
  assert.equal(formatListenSpec(parseListenSpec('jsonrpc:http:[::1]:9')), 'jsonrpc:http:[::1]:9');
  assert.equal(parseListenSpec('jsonrpc:unix:/run/x.sock').address.transport, 'unix');
  assert.throws(() => parseListenSpec('xmlrpc:http:host:99999'), /port "99999"/);
});

/** One newline-delimited JSON-RPC exchange on a Unix socket. */
function jsonLine(path: string, request: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\n')) {
        socket.destroy();
        resolve(JSON.parse(text));
      }
    });
    socket.on('error', reject);
    socket.write(`${JSON.stringify(request)}\n`);
  });
}

test('extra listeners serve the same registry: jsonrpc:unix and a second xmlrpc:http', async () => {
  const temp = makeTempDir('hostlink-vt-listen-');
  const socket = join(temp.path, 'vt.sock');
  const agent = await startTestVtAgent({ extraListeners: [parseListenSpec(`jsonrpc:unix:${socket}`), parseListenSpec('xmlrpc:http:127.0.0.1:0'), parseListenSpec('jsonrpc:http:127.0.0.1:0')] });
  try {
    assert.deepEqual(agent.listeners.map((listener) => listener.description.split(':').slice(0, 2).join(':')), ['xmlrpc:http', 'jsonrpc:unix', 'xmlrpc:http', 'jsonrpc:http']);
    assert.deepEqual(await jsonLine(socket, { jsonrpc: '2.0', id: 7, method: 'vt_agent.api.get_log_dir' }), { jsonrpc: '2.0', result: `${agent.dataDir}/log`, id: 7 });
    const second = agent.listeners[2]!.description.replace(/^xmlrpc:http:/, 'http://');
    const xml = await (await fetch(`${second}/RPC2`, { method: 'POST', body: '<methodCall><methodName>api.is_alive</methodName></methodCall>' })).text();
    assert.match(xml, /<boolean>1<\/boolean>/);
    const json = agent.listeners[3]!.description.replace(/^jsonrpc:http:/, 'http://');
    // A jsonrpc:http listener answers JSON whatever the Content-Type says.
    const answer = await (await fetch(`${json}/`, { method: 'POST', body: '{"jsonrpc":"2.0","id":1,"method":"core.is_alive"}' })).json();
    assert.deepEqual(answer, { jsonrpc: '2.0', result: true, id: 1 });
  } finally {
    await agent.close();
    temp.remove();
  }
});

test('a protocol on a transport it cannot use is refused at start, with nothing left listening', async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  await assert.rejects(
    startTestVtAgent({ port, extraListeners: [parseListenSpec('xmlrpc:tcp:127.0.0.1:0')] }),
    /cannot listen on xmlrpc:tcp:127\.0\.0\.1:0: protocol xmlrpc cannot serve a byte stream/,
  );
  // The main listener, started first, was closed again.
  await assert.rejects(fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '' }), /fetch failed/);
});
