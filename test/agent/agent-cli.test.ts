/**
 * `hostlink agent` as users run it: the real command line in a child process.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { requireProgram } from '../helpers/peers.js';
import { startQemuGa } from '../helpers/qga-peer.js';
import { QgaRawClient } from '../helpers/qga-raw-client.js';
import { makeTempDir } from '../helpers/temp.js';
import { runCli, startAgentCli, type AgentRun } from './agent-cli.js';

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A raw QGA exchange over TCP (QgaRawClient speaks Unix sockets). */
function tcpRequest(port: number, host: string, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    let data = '';
    socket.once('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
      const newline = data.indexOf('\n');
      if (newline >= 0) {
        socket.destroy();
        resolve(data.slice(0, newline));
      }
    });
    socket.once('error', reject);
  });
}

test('-m unix-listen -p SOCK -t DIR plus --listen qga:tcp:0: serves both, pid file kept while running', async () => {
  const temp = makeTempDir('hostlink-agent-cli-');
  const socket = join(temp.path, 'qga.sock');
  const stateDir = join(temp.path, 'state', 'nested'); // created by the agent
  const pidFile = join(temp.path, 'agent.pid');
  let agent: AgentRun | undefined;
  try {
    agent = await startAgentCli(['-m', 'unix-listen', '-p', socket, '-t', stateDir, '-f', pidFile, '--listen', 'qga:tcp:0']);
    assert.ok(existsSync(stateDir), 'state dir created');
    assert.equal(readFileSync(pidFile, 'utf8').trim(), String(agent.child.pid));

    const client = await QgaRawClient.connect(socket);
    assert.deepEqual(await client.request('guest-ping'), { return: {} });
    client.close();

    const tcp = agent.listeners.find((listener) => listener.startsWith('qga:tcp:'));
    assert.ok(tcp, `a tcp listener in ${agent.listeners.join(', ')}`);
    const match = /^qga:tcp:127\.0\.0\.1:(\d+)$/.exec(tcp);
    assert.ok(match, `bound to loopback by default: ${tcp}`);
    const port = Number(match[1]);
    assert.equal(await tcpRequest(port, '127.0.0.1', '{"execute":"guest-ping","id":7}'), '{"return": {}, "id": 7}');

    // Not reachable on this machine's other addresses.
    const external = Object.values(networkInterfaces())
      .flat()
      .find((info) => info && info.family === 'IPv4' && !info.internal);
    if (external) await assert.rejects(tcpRequest(port, external.address, '{"execute":"guest-ping"}'), /ECONNREFUSED/);
    const status = await agent.stop('SIGTERM');
    assert.equal(status, 0, `exit status after SIGTERM; stderr: ${agent.stderr()}`);
    assert.equal(existsSync(pidFile), false, 'pid file removed on exit');
    assert.equal(existsSync(socket), false, 'socket removed on exit');
  } finally {
    await agent?.stop('SIGKILL');
    temp.remove();
  }
});

test('-b guest-exec: blocked as qemu-ga blocks it (same reply, guest-info enabled false)', async (t) => {
  const qemuGa = requireProgram(t, 'qemu-ga', 'qemu-guest-agent');
  if (!qemuGa) return;
  const temp = makeTempDir('hostlink-agent-block-');
  const socket = join(temp.path, 'qga.sock');
  let reference: Awaited<ReturnType<typeof startQemuGa>> | undefined;
  let agent: AgentRun | undefined;
  try {
    reference = await startQemuGa(qemuGa, { args: ['-b', 'guest-exec'] });
    agent = await startAgentCli(['-m', 'unix-listen', '-p', socket, '-t', join(temp.path, 'state'), '-b', 'guest-exec']);
    const request = '{"execute":"guest-exec","arguments":{"path":"/bin/true"}}';
    const answers: string[] = [];
    for (const path of [reference.socketPath, socket]) {
      const client = await QgaRawClient.connect(path);
      client.send(request);
      answers.push((await client.readLineBytes()).toString('latin1'));
      const info = (await client.request('guest-info')) as { return: { supported_commands: { name: string; enabled: boolean }[] } };
      const exec = info.return.supported_commands.find((command) => command.name === 'guest-exec');
      assert.equal(exec?.enabled, false, `guest-exec disabled in guest-info of ${path}`);
      assert.equal(info.return.supported_commands.find((command) => command.name === 'guest-ping')?.enabled, true);
      client.close();
    }
    assert.equal(answers[1], answers[0]);
    assert.match(answers[1]!, /"class": "CommandNotFound"/);
  } finally {
    await agent?.stop();
    await reference?.stop();
    temp.remove();
  }
});

test('configuration file: keys apply, the command line overrides them, --dump-conf reads back', async () => {
  const temp = makeTempDir('hostlink-agent-config-');
  const socket = join(temp.path, 'from-file.sock');
  const pidFile = join(temp.path, 'from-file.pid');
  const config = join(temp.path, 'hostlink.toml');
  writeFileSync(
    config,
    [
      '# test configuration',
      '[agent]',
      `listen = ["qga:unix:${socket}"]`,
      `state-dir = "${join(temp.path, 'state')}"`,
      `pid-file = "${pidFile}"`,
      'block-rpcs = ["guest-info"]',
      '',
    ].join('\n'),
  );
  try {
    const agent = await startAgentCli(['--config', config]);
    try {
      assert.equal(readFileSync(pidFile, 'utf8').trim(), String(agent.child.pid));
      const client = await QgaRawClient.connect(socket);
      assert.deepEqual(await client.request('guest-ping'), { return: {} });
      const blocked = await client.request('guest-info');
      assert.equal((blocked.error as { class: string }).class, 'CommandNotFound');
      client.close();
    } finally {
      assert.equal(await agent.stop(), 0);
    }

    // Command line over file: --block-rpcs replaces the file's list, --state-dir its folder.
    const dump = await runCli(['agent', '--config', config, '-D', '-b', 'guest-exec', '--state-dir', join(temp.path, 'other')]);
    assert.equal(dump.status, 0, dump.stderr);
    assert.match(dump.stdout, /^\[agent\]$/m);
    assert.match(dump.stdout, new RegExp(`^listen = \\[ "qga:unix:${socket}" \\]$`, 'm'));
    assert.match(dump.stdout, /^block-rpcs = \[ "guest-exec" \]$/m);
    assert.match(dump.stdout, new RegExp(`^state-dir = "${join(temp.path, 'other')}"$`, 'm'));

    // What -D prints is a configuration file that gives the same configuration.
    const dumped = join(temp.path, 'dumped.toml');
    writeFileSync(dumped, dump.stdout);
    const again = await runCli(['agent', '--config', dumped, '-D']);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.stdout, dump.stdout);
  } finally {
    temp.remove();
  }
});

test('configuration errors: unknown key names key, file and line; a missing --config file is an error', async () => {
  const temp = makeTempDir('hostlink-agent-config-');
  try {
    const config = join(temp.path, 'bad.toml');
    writeFileSync(config, '[agent]\nverbose = true\n\nlisten-on = ["qga:unix:/tmp/x.sock"]\n');
    const result = await runCli(['agent', '--config', config]);
    assert.equal(result.status, 2);
    assert.equal(result.stderr, `hostlink agent: ${config}:4: unknown key "listen-on" in [agent]\n`);

    const missing = await runCli(['agent', '--config', join(temp.path, 'missing.toml')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^hostlink agent: cannot read the configuration file .*missing\.toml: ENOENT/);
  } finally {
    temp.remove();
  }
});

test('usage errors exit 2 with one line: bad --listen spec, vsock-listen, unknown option', async () => {
  // Each spec mistake is covered by listen-spec.test.ts; here: how the command reports one.
  const cases: [string[], RegExp][] = [
    [['agent', '--listen', 'qga:udp:/tmp/x'], /^hostlink agent: bad listen spec "qga:udp:\/tmp\/x": unknown transport "udp" \(known: unix, tcp, chardev[^)]*\)\n$/],
    [['agent', '-m', 'vsock-listen', '-p', '3:1024'], /^hostlink agent: --method vsock-listen is not supported/],
    [['agent', '--no-such-option'], /^hostlink: unknown option '--no-such-option'\n$/],
  ];
  for (const [args, pattern] of cases) {
    const result = await runCli(args);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, pattern);
    assert.equal(result.stderr.trimEnd().split('\n').length, 1, `one line for ${args.join(' ')}: ${result.stderr}`);
  }
});

test("--block-rpcs '?' lists the command names; --help describes the options", async () => {
  const [list, help] = await Promise.all([runCli(['agent', '--block-rpcs', '?']), runCli(['agent', '--help'])]);
  assert.equal(list.status, 0, list.stderr);
  const names = list.stdout.trim().split('\n');
  assert.ok(names.includes('guest-ping') && names.includes('guest-sync-delimited'), list.stdout);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^Usage: hostlink agent \[options\]/);
  for (const option of ['--listen <spec>', '-m, --method', '-t, --state-dir', '-b, --block-rpcs', '-D, --dump-conf', 'qga:chardev:DEVICE']) {
    assert.ok(help.stdout.includes(option), `help mentions ${option}`);
  }
});

test('-d: the first process exits once the daemon listens; SIGHUP reopens the log; SIGTERM cleans up', async () => {
  const temp = makeTempDir('hostlink-agent-daemon-');
  const socket = join(temp.path, 'qga.sock');
  const pidFile = join(temp.path, 'agent.pid');
  const logFile = join(temp.path, 'agent.log');
  mkdirSync(join(temp.path, 'state'));
  let daemonPid: number | undefined;
  try {
    const result = await runCli(['agent', '-d', '-m', 'unix-listen', '-p', socket, '-t', join(temp.path, 'state'), '-f', pidFile, '-l', logFile]);
    assert.equal(result.status, 0, result.stderr);
    // Ready means ready: no waiting needed once the first process is gone.
    assert.ok(existsSync(socket), 'socket exists when the first process exits');
    daemonPid = Number(readFileSync(pidFile, 'utf8').trim());
    assert.ok(daemonPid > 0);
    const client = await QgaRawClient.connect(socket);
    assert.deepEqual(await client.request('guest-ping'), { return: {} });
    client.close();

    // logrotate: the file is moved away, SIGHUP makes the daemon start a new one.
    renameSync(logFile, `${logFile}.1`);
    process.kill(daemonPid, 'SIGHUP');
    await waitFor(() => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('log file reopened'), 'a new log file after SIGHUP');

    process.kill(daemonPid, 'SIGTERM');
    await waitFor(() => !existsSync(pidFile) && !existsSync(socket), 'the daemon to remove its pid file and socket');
    await waitFor(() => readFileSync(logFile, 'utf8').includes('"msg":"stopped"'), 'the daemon to log that it stopped');
    daemonPid = undefined;
  } finally {
    if (daemonPid !== undefined) {
      try {
        process.kill(daemonPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    temp.remove();
  }
});

test('-d: a daemon that cannot start makes the first process fail with its message', async () => {
  const temp = makeTempDir('hostlink-agent-daemon-');
  try {
    // A regular file where the socket should go is refused by the Unix transport.
    const notASocket = join(temp.path, 'file');
    writeFileSync(notASocket, 'x');
    const result = await runCli(['agent', '-d', '-m', 'unix-listen', '-p', notASocket, '-t', join(temp.path, 'state'), '-f', join(temp.path, 'pid')]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^hostlink agent: cannot listen on qga:unix:.*file: .*not a socket/);
    assert.equal(existsSync(join(temp.path, 'pid')), false);
  } finally {
    temp.remove();
  }
});

test('no listener given: the virtio port if there is one, else a Unix socket in a private runtime folder', async () => {
  const temp = makeTempDir('hostlink-agent-default-');
  try {
    const dump = await runCli(['agent', '-D']);
    assert.equal(dump.status, 0, dump.stderr);
    const virtioPort = '/dev/virtio-ports/org.qemu.guest_agent.0';
    if (existsSync(virtioPort)) {
      assert.match(dump.stdout, new RegExp(`^listen = \\[ "qga:chardev:${virtioPort}" \\]$`, 'm'));
      return; // a VM with qemu-ga's port: the default is that port, not for a test to open
    }
    assert.match(dump.stdout, /^listen = \[ "qga:unix:\/.*\/qga\.sock" \]$/m);
    if (process.getuid?.() === 0) return; // as root the default is /run/hostlink: not touched by tests
    const agent = await startAgentCli(['-v'], { env: { XDG_RUNTIME_DIR: temp.path } });
    try {
      const socket = join(temp.path, 'hostlink', 'qga.sock');
      assert.match(agent.stderr(), new RegExp(`listening on qga:unix:${socket} \\(no --listen given\\)`));
      const client = await QgaRawClient.connect(socket);
      assert.deepEqual(await client.request('guest-ping'), { return: {} });
      client.close();
    } finally {
      assert.equal(await agent.stop(), 0);
    }
  } finally {
    temp.remove();
  }
});
