/**
 * JSON-RPC 2.0 over the same registry: on the HTTP listener by Content-Type, and as
 * newline-delimited JSON on a Unix socket and on TCP. Batches, notifications, the
 * standard error codes and the error's class in error.data.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Dispatcher } from '../../src/core/dispatcher.js';
import { Listener } from '../../src/core/listener.js';
import { silentLogger } from '../../src/core/logger.js';
import { CommandPolicy } from '../../src/core/policy.js';
import { CommandRegistry, defineCommand } from '../../src/core/registry.js';
import { t } from '../../src/core/schema.js';
import { createJsonRpcStreamProtocol } from '../../src/protocols/jsonrpc/index.js';
import { TcpTransport } from '../../src/transports/tcp.js';
import { UnixTransport } from '../../src/transports/unix.js';
import { makeTempDir } from '../helpers/temp.js';
import { EXAMPLE_SERVICES, startTestVtAgent, type TestVtAgent } from './vt-helpers.js';

let agent: TestVtAgent;
const temp = makeTempDir('hostlink-jsonrpc-');
const registry = new CommandRegistry();
const calls: string[] = [];
let unixListener: Listener;
let tcpTransport: TcpTransport;
let tcpListener: Listener;

before(async () => {
  agent = await startTestVtAgent({ servicesDir: EXAMPLE_SERVICES });
  registry.register(
    defineCommand({
      name: 'guest-file-open',
      args: t.struct({ path: t.str(), mode: t.optional(t.str()) }),
      handler: ({ path, mode }) => ({ path, mode: mode ?? 'r' }),
    }),
  );
  registry.register(defineCommand({ name: 'note', args: t.struct({ text: t.str() }), handler: ({ text }) => void calls.push(text) }));
  registry.register(defineCommand({ name: 'big', handler: () => 2n ** 62n }));
  registry.register(defineCommand({ name: 'bytes', handler: () => Buffer.from('hi') }));
  registry.register(
    defineCommand({
      name: 'wait',
      args: t.struct({ ms: t.int() }),
      handler: async ({ ms }) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return ms;
      },
    }),
  );
  const dispatcher = new Dispatcher(registry, CommandPolicy.allowAll());
  unixListener = new Listener(new UnixTransport({ path: join(temp.path, 'rpc.sock') }), createJsonRpcStreamProtocol({ maxLineBytes: 4096 }), dispatcher, silentLogger());
  await unixListener.start();
  tcpTransport = new TcpTransport({ port: 0 });
  tcpListener = new Listener(tcpTransport, createJsonRpcStreamProtocol(), dispatcher, silentLogger());
  await tcpListener.start();
});

after(async () => {
  await agent.close();
  await unixListener.close();
  await tcpListener.close();
  temp.remove();
});

async function postJson(body: unknown, raw?: string): Promise<{ status: number; json: unknown }> {
  const response = await fetch(agent.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ?? JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

test('over HTTP by Content-Type: results, errors with class, batches, notifications', async () => {
  assert.deepEqual(await postJson({ jsonrpc: '2.0', id: 1, method: 'vt_agent.api.is_alive' }), { status: 200, json: { jsonrpc: '2.0', result: true, id: 1 } });
  const hello = await postJson({ jsonrpc: '2.0', id: 'a', method: 'examples.hello.say_hello', params: ['json'] });
  assert.match((hello.json as { result: string }).result, /^Hello, json! This is vt_agent running on /);
  const unknown = await postJson({ jsonrpc: '2.0', id: 2, method: 'nope' });
  assert.deepEqual(unknown.json, { jsonrpc: '2.0', error: { code: -32601, message: 'method "nope" is not supported', data: { class: 'CommandNotFound' } }, id: 2 });
  const badParams = (await postJson({ jsonrpc: '2.0', id: 3, method: 'vt_agent.api.start_logger_client', params: { host: 'x' } })).json as { error: { code: number; data: { class: string } } };
  assert.equal(badParams.error.code, -32602);
  assert.equal(badParams.error.data.class, 'InvalidParameter');
  const parse = (await postJson(undefined, '{"jsonrpc": "2.0", "method"')).json as { error: { code: number }; id: null };
  assert.equal(parse.error.code, -32700);
  assert.equal(parse.id, null);
  const invalid = (await postJson({ jsonrpc: '1.0', id: 4, method: 'x' })).json as { error: { code: number } };
  assert.equal(invalid.error.code, -32600);
  const empty = (await postJson([])).json as { error: { code: number } };
  assert.equal(empty.error.code, -32600);
  const batch = (await postJson([
    { jsonrpc: '2.0', id: 1, method: 'api.is_alive' },
    { jsonrpc: '2.0', method: 'api.is_alive' },
    { jsonrpc: '2.0', id: 2, method: 'core.get_log_dir', params: [] },
    5,
  ])).json as { id: number | null }[];
  assert.equal(batch.length, 3); // the notification gets no answer
  assert.deepEqual(batch.find((item) => item.id === 1), { jsonrpc: '2.0', result: true, id: 1 });
  assert.deepEqual(batch.find((item) => item.id === 2), { jsonrpc: '2.0', result: `${agent.dataDir}/log`, id: 2 });
  assert.equal((batch.find((item) => item.id === null) as unknown as { error: { code: number } }).error.code, -32600);
  const onlyNotifications = await postJson([{ jsonrpc: '2.0', method: 'api.is_alive' }]);
  assert.equal(onlyNotifications.status, 204);
});

/** One newline-delimited JSON-RPC client connection. */
class LineClient {
  private buffer = '';
  private readonly waiting: ((line: string) => void)[] = [];
  private readonly lines: string[] = [];

  constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (let newline = this.buffer.indexOf('\n'); newline >= 0; newline = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, newline);
        this.buffer = this.buffer.slice(newline + 1);
        const next = this.waiting.shift();
        if (next) next(line);
        else this.lines.push(line);
      }
    });
  }

  static open(options: { path: string } | { port: number; host: string }): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(options);
      socket.once('connect', () => resolve(new LineClient(socket)));
      socket.once('error', reject);
    });
  }

  send(text: string): void {
    this.socket.write(text);
  }

  next(): Promise<unknown> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(JSON.parse(line));
    return new Promise((resolve) => this.waiting.push((text) => resolve(JSON.parse(text))));
  }

  close(): void {
    this.socket.destroy();
  }
}

test('newline-delimited over a Unix socket: named and positional params, exact big ints, bytes as base64', async () => {
  const client = await LineClient.open({ path: join(temp.path, 'rpc.sock') });
  try {
    client.send('{"jsonrpc":"2.0","id":1,"method":"guest-file-open","params":{"path":"/tmp/a"}}\n');
    assert.deepEqual(await client.next(), { jsonrpc: '2.0', result: { path: '/tmp/a', mode: 'r' }, id: 1 });
    client.send('{"jsonrpc":"2.0","id":2,"method":"guest-file-open","params":["/tmp/b","w"]}\r\n\n');
    assert.deepEqual(await client.next(), { jsonrpc: '2.0', result: { path: '/tmp/b', mode: 'w' }, id: 2 });
    client.send('{"jsonrpc":"2.0","id":3,"method":"big"}\n{"jsonrpc":"2.0","id":4,"method":"bytes"}\n');
    const answers = [await client.next(), await client.next()];
    assert.deepEqual(answers, [
      { jsonrpc: '2.0', result: Number(2n ** 62n), id: 3 },
      { jsonrpc: '2.0', result: 'aGk=', id: 4 },
    ]);
    client.send('{"jsonrpc":"2.0","method":"note","params":{"text":"quiet"}}\n{"jsonrpc":"2.0","id":5,"method":"guest-file-open"}\n');
    const missing = (await client.next()) as { id: number; error: { code: number; message: string } };
    assert.equal(missing.id, 5); // the notification before it was run and not answered
    assert.equal(missing.error.code, -32602);
    assert.equal(missing.error.message, "Parameter 'path' is missing");
    assert.deepEqual(calls, ['quiet']);
  } finally {
    client.close();
  }
});

test('big integers are written exactly', async () => {
  const client = await LineClient.open({ path: join(temp.path, 'rpc.sock') });
  try {
    const raw = new Promise<string>((resolve) => client.socket.once('data', (chunk) => resolve(String(chunk))));
    client.send('{"jsonrpc":"2.0","id":1,"method":"big"}\n');
    assert.equal(await raw, `{"jsonrpc":"2.0","result":${2n ** 62n},"id":1}\n`);
  } finally {
    client.close();
  }
});

test('over TCP requests run concurrently and answer as they finish', async () => {
  const client = await LineClient.open({ host: '127.0.0.1', port: tcpTransport.port });
  try {
    client.send('{"jsonrpc":"2.0","id":"slow","method":"wait","params":[300]}\n{"jsonrpc":"2.0","id":"fast","method":"wait","params":[1]}\n');
    const first = (await client.next()) as { id: string };
    const second = (await client.next()) as { id: string };
    assert.deepEqual([first.id, second.id], ['fast', 'slow']);
  } finally {
    client.close();
  }
});

test('a line beyond the limit is refused and the connection closed; others are unaffected', async () => {
  const client = await LineClient.open({ path: join(temp.path, 'rpc.sock') });
  const closed = new Promise<void>((resolve) => client.socket.once('close', () => resolve()));
  client.send(`{"jsonrpc":"2.0","id":1,"method":"note","params":{"text":"${'x'.repeat(10_000)}"}}\n`);
  const answer = (await client.next()) as { error: { code: number; message: string } };
  assert.equal(answer.error.code, -32600);
  assert.match(answer.error.message, /longer than 4096 bytes/);
  await closed;
  const other = await LineClient.open({ path: join(temp.path, 'rpc.sock') });
  try {
    other.send('{"jsonrpc":"2.0","id":9,"method":"big"}\n');
    assert.equal(((await other.next()) as { id: number }).id, 9);
  } finally {
    other.close();
  }
});
