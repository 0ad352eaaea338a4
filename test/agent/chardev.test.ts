/**
 * The chardev transport over a pseudo-terminal made by socat, standing in for a serial
 * line or virtio port: socat owns the pty's master side and bridges it to a Unix socket,
 * as QEMU bridges a guest's port to a host chardev socket. The agent opens the pty.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { buildAgentRegistry } from '../../src/agent/agent.js';
import { Dispatcher } from '../../src/core/dispatcher.js';
import { Listener } from '../../src/core/listener.js';
import { silentLogger } from '../../src/core/logger.js';
import { CommandPolicy } from '../../src/core/policy.js';
import { qgaProtocol } from '../../src/protocols/qga/index.js';
import { blockedReaderCount, ChardevTransport } from '../../src/transports/chardev.js';
import { requireProgram } from '../helpers/peers.js';
import { QgaRawClient } from '../helpers/qga-raw-client.js';
import { makeTempDir } from '../helpers/temp.js';
import { startAgentCli } from './agent-cli.js';

interface PtyBridge {
  /** The pty the agent opens (the "guest" side). */
  readonly device: string;
  /** The Unix socket a test client connects to (the "host" side). */
  readonly hostSocket: string;
  stop(): Promise<void>;
}

async function startPtyBridge(socat: string, dir: string): Promise<PtyBridge> {
  const device = join(dir, 'ttyGA');
  const hostSocket = join(dir, 'host.sock');
  const child: ChildProcess = spawn(socat, [`pty,raw,echo=0,link=${device}`, `unix-listen:${hostSocket}`], { stdio: 'ignore' });
  for (let i = 0; i < 250 && !(existsSync(device) && existsSync(hostSocket)); i++) {
    if (child.exitCode !== null) throw new Error('socat exited at start');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (!existsSync(device)) throw new Error('socat did not create the pty');
  return {
    device,
    hostSocket,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await gone;
      }
    },
  };
}

async function withBridge(t: TestContext, body: (bridge: PtyBridge, dir: string) => Promise<void>): Promise<void> {
  const socat = requireProgram(t, 'socat', 'socat');
  if (!socat) return;
  const temp = makeTempDir('hostlink-chardev-');
  const bridge = await startPtyBridge(socat, temp.path);
  try {
    await body(bridge, temp.path);
  } finally {
    await bridge.stop();
    temp.remove();
  }
}

test('chardev transport: one conversation over a pty, in order, across many writes; close stops the reader', async (t) => {
  await withBridge(t, async (bridge, dir) => {
    const log = silentLogger();
    const dispatcher = new Dispatcher(buildAgentRegistry({ stateDir: join(dir, 'state'), log }), new CommandPolicy());
    const transport = new ChardevTransport({ path: bridge.device, log });
    const listener = new Listener(transport, qgaProtocol, dispatcher, log);
    await listener.start();
    try {
      assert.equal(listener.description, `qga:chardev:${bridge.device}`);
      const client = await QgaRawClient.connect(bridge.hostSocket);
      client.send('{"execute":"guest-sync-delimited","arguments":{"id":1234}}');
      assert.deepEqual(await client.readReply(), { delimited: true, reply: { return: 1234 } });
      // A request split across writes, then many pipelined ones: bytes arrive in order.
      client.send('{"execute":"guest-');
      client.send('ping","id":"split"}');
      assert.equal((await client.readLineBytes()).toString(), '{"return": {}, "id": "split"}');
      const count = 300;
      client.send(Array.from({ length: count }, (_, i) => `{"execute":"guest-sync","arguments":{"id":${i}}}`).join(''));
      for (let i = 0; i < count; i++) assert.deepEqual((await client.readReply()).reply, { return: i });
      client.close();
    } finally {
      await listener.close();
    }
    assert.equal(blockedReaderCount(), 0, 'the reader thread of a tty stops on close');
  });
});

test('hostlink agent --listen qga:chardev:PTY answers, and exits cleanly on SIGTERM', async (t) => {
  await withBridge(t, async (bridge, dir) => {
    const agent = await startAgentCli(['--listen', `qga:chardev:${bridge.device}`, '-t', join(dir, 'state')]);
    try {
      assert.deepEqual(agent.listeners, [`qga:chardev:${bridge.device}`]);
      const client = await QgaRawClient.connect(bridge.hostSocket);
      assert.deepEqual(await client.request('guest-ping'), { return: {} });
      const info = (await client.request('guest-info')) as { return: { version: string } };
      assert.equal(typeof info.return.version, 'string');
      client.close();
    } finally {
      assert.equal(await agent.stop('SIGTERM'), 0, agent.stderr());
    }
  });
});

test('-m isa-serial -p PTY is the same chardev listener', async (t) => {
  await withBridge(t, async (bridge, dir) => {
    const agent = await startAgentCli(['-m', 'isa-serial', '-p', bridge.device, '-t', join(dir, 'state')]);
    try {
      assert.deepEqual(agent.listeners, [`qga:chardev:${bridge.device}`]);
      const client = await QgaRawClient.connect(bridge.hostSocket);
      client.send('{"execute":"guest-sync-delimited","arguments":{"id":9}}');
      assert.deepEqual(await client.readReply(), { delimited: true, reply: { return: 9 } });
      client.close();
    } finally {
      assert.equal(await agent.stop('SIGINT'), 0, agent.stderr());
    }
  });
});

test('chardev transport on a device that reports end of file (a virtio port with no host): waits, answers, stops', async () => {
  // A regular file reads like a virtio port whose host went away: its bytes, then 0.
  // The reply is written at the shared file offset, after the request.
  const temp = makeTempDir('hostlink-chardev-eof-');
  try {
    const device = join(temp.path, 'port');
    const request = '{"execute":"guest-ping","id":1}';
    writeFileSync(device, request);
    const log = silentLogger();
    const dispatcher = new Dispatcher(buildAgentRegistry({ stateDir: join(temp.path, 'state'), log }), new CommandPolicy());
    const listener = new Listener(new ChardevTransport({ path: device, log, retryDelayMs: 20 }), qgaProtocol, dispatcher, log);
    await listener.start();
    try {
      const expected = `${request}{"return": {}, "id": 1}\n`;
      for (let i = 0; i < 250 && readFileSync(device, 'latin1') !== expected; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(readFileSync(device, 'latin1'), expected);
    } finally {
      await listener.close();
    }
    assert.equal(blockedReaderCount(), 0, 'a reader waiting after end of file stops on close');
  } finally {
    temp.remove();
  }
});
