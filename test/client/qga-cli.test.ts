import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { requireProgram } from '../helpers/peers.js';
import { test } from 'node:test';
import { makeTempDir } from '../helpers/temp.js';
import { runAll, runCli, type CliResult } from './qga-cli-run.js';
import { fakeProgram, peerTest } from './qga-peers.js';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

function ok(result: CliResult, what: string): string {
  assert.equal(result.code, 0, `${what}: exit ${result.code}, stderr: ${result.stderr}`);
  return result.text;
}

peerTest('CLI: read-only commands print tables, --json prints the agent result', async (_t, peer) => {
  const s = ['qga', '--socket', peer.socketPath];
  const names = ['ping', 'info', 'osinfo', 'hostname', 'time', 'timezone', 'users', 'network', 'vcpus', 'disks', 'fsinfo', 'cpustats', 'diskstats', 'load', 'routes'];
  const results = await runAll([
    ...names.map((name) => [[...s, name]] as const),
    [[...s, '--json', 'hostname']],
    [['qga', 'network', '--json'], { env: { HOSTLINK_QGA_SOCKET: peer.socketPath } }],
  ]);
  const byName = Object.fromEntries(names.map((name, i) => [name, results[i]!]));
  assert.match(ok(byName.ping!, 'ping'), /^the guest agent answered in [\d.]+ ms\n$/);
  assert.match(ok(byName.info!, 'info'), /^version: \S+\nCOMMAND +ENABLED +REPLY\n/);
  assert.match(byName.info!.text, /^guest-shutdown +yes +no \(on success\)$/m);
  assert.match(ok(byName.osinfo!, 'osinfo'), /^kernel: +\S+$/m);
  assert.match(ok(byName.time!, 'time'), /^\d{4}-\d\d-\d\dT[\d:.]+Z \(\d+ ns since the epoch\)\n$/);
  assert.match(ok(byName.timezone!, 'timezone'), /\(UTC[+-]\d\d:\d\d\)\n$/);
  assert.match(ok(byName.network!, 'network'), /^lo +\S+ +127\.0\.0\.1\/8/m);
  assert.match(ok(byName.vcpus!, 'vcpus'), /^CPU +ONLINE +CAN OFFLINE\n +0 +yes/);
  assert.match(ok(byName.fsinfo!, 'fsinfo'), /^MOUNTPOINT +DEVICE +TYPE/);
  assert.match(ok(byName.cpustats!, 'cpustats'), /^CPU +USER +NICE +SYSTEM +IDLE/);
  assert.match(ok(byName.diskstats!, 'diskstats'), /^DISK +DEV +READS/);
  ok(byName.users!, 'users');
  ok(byName.disks!, 'disks');
  const hostname = ok(byName.hostname!, 'hostname').trim();
  assert.deepEqual(JSON.parse(ok(results[names.length]!, 'hostname --json')), { 'host-name': hostname });
  const network = JSON.parse(ok(results[names.length + 1]!, 'network --json (socket from HOSTLINK_QGA_SOCKET)')) as Array<{ name: string }>;
  assert.ok(network.some((nic) => nic.name === 'lo'));
  if (peer.name === 'qemu-ga') {
    // qemu-ga 7.2 has neither: a clear message and exit code 1.
    for (const name of ['load', 'routes'] as const) {
      assert.equal(byName[name]!.code, 1);
      assert.match(byName[name]!.stderr, /^hostlink qga: guest-\S+ is not supported by this agent \(version 7\.2\.\d+\); upgrade the guest agent for it\n$/);
    }
  } else {
    assert.match(ok(byName.load!, 'load'), /^[\d.]+ [\d.]+ [\d.]+ \(1, 5, 15 minutes\)\n$/);
    assert.match(ok(byName.routes!, 'routes'), /^INTERFACE +DESTINATION/);
  }
});

peerTest('CLI: exec passes output to the right streams and exits with the program code', async (_t, peer, scratch) => {
  const s = ['qga', '--socket', peer.socketPath];
  const inputFile = join(scratch, 'input');
  writeFileSync(inputFile, 'from a file');
  const [mixed, fromStdin, fromFile, signalled, big, asJson] = await runAll([
    [[...s, 'exec', '--', '/bin/sh', '-c', 'echo out; echo err >&2; exit 7']],
    [[...s, 'exec', '--input', '-', '--env', 'WHO=you', '--', '/bin/sh', '-c', 'cat; echo " $WHO"'], { input: 'hello' }],
    [[...s, 'exec', '--input', inputFile, '--', 'cat']],
    [[...s, 'exec', '--', '/bin/sh', '-c', 'kill -9 $$']],
    [[...s, 'exec', '--', '/bin/sh', '-c', 'head -c 20971520 /dev/zero']],
    [[...s, '--json', 'exec', '--', '/bin/sh', '-c', 'printf hi; exit 3']],
  ]);
  assert.equal(mixed!.code, 7);
  assert.equal(mixed!.text, 'out\n');
  assert.equal(mixed!.stderr, 'err\n');
  assert.equal(ok(fromStdin!, 'exec --input -'), 'hello you\n');
  assert.equal(ok(fromFile!, 'exec --input FILE'), 'from a file');
  assert.equal(signalled!.code, 128 + 9);
  assert.equal(big!.code, 0);
  assert.ok(big!.stdout.length > 0 && big!.stdout.length < 20971520);
  assert.match(big!.stderr, /warning: the agent kept only the first part of stdout/);
  const status = JSON.parse(ok(asJson!, 'exec --json')) as Record<string, unknown>;
  assert.equal(status.exitcode, 3);
  assert.equal(Buffer.from(status['out-data'] as string, 'base64').toString(), 'hi');
});

peerTest('CLI: put, get and cat round trips of 0 bytes, 1 byte and 20 MiB', async (_t, peer, scratch) => {
  const s = ['qga', '--socket', peer.socketPath];
  const sizes = [0, 1, 20 * 1024 * 1024];
  const local = join(scratch, 'local');
  const back = join(scratch, 'back');
  mkdirSync(local);
  mkdirSync(back);
  for (const size of sizes) {
    const data = randomBytes(size);
    writeFileSync(join(local, `f${size}`), data);
    const put = await runCli([...s, 'put', join(local, `f${size}`), join(scratch, `remote${size}`)]);
    assert.match(ok(put, `put ${size}`), new RegExp(`: ${size} bytes, sha256 ${sha256(data)} \\(checked by sha256sum in the guest\\)\\n$`));
    assert.equal(put.stderr, '', 'no progress bar when stderr is not a terminal');
    // Into a folder: keeps the remote name.
    const get = await runCli([...s, '--json', 'get', join(scratch, `remote${size}`), back]);
    assert.deepEqual(JSON.parse(ok(get, `get ${size}`)), { path: join(back, `remote${size}`), bytes: size, sha256: sha256(data), verified: 'sha256sum in the guest' });
    assert.equal(sha256(readFileSync(join(back, `remote${size}`))), sha256(data));
  }
  const cat = await runCli([...s, 'cat', '--chunk-size', '1M', join(scratch, 'remote20971520')]);
  assert.equal(sha256(cat.stdout), sha256(readFileSync(join(local, 'f20971520'))));
  const missing = await runCli([...s, 'get', join(scratch, 'no-such-file'), join(back, 'x')]);
  assert.equal(missing.code, 1);
  assert.equal(existsSync(join(back, 'x')), false, 'a failed get leaves no file');
  assert.equal(existsSync(join(back, '.x.hostlink-part')), false);
});

peerTest('CLI: without guest-exec the copy is checked by reading it back', async (_t, peer, scratch) => {
  const s = ['qga', '--socket', peer.socketPath];
  const data = randomBytes(100_000);
  writeFileSync(join(scratch, 'up'), data);
  assert.match(ok(await runCli([...s, 'put', join(scratch, 'up'), join(scratch, 'remote')]), 'put'), /\(checked by reading it back\)\n$/);
  assert.match(ok(await runCli([...s, 'get', join(scratch, 'remote'), join(scratch, 'down')]), 'get'), /\(checked by reading it back\)\n$/);
  assert.ok(readFileSync(join(scratch, 'down')).equals(data));
}, { block: ['guest-exec'] });

peerTest('CLI: raw passes requests through; exit codes 1, 2 and 3', async (_t, peer, scratch) => {
  const s = ['qga', '--socket', peer.socketPath];
  const [raw, rawError, notJson, noExecute, agentError, unknownOption, badTimeout, badSocket, noAddress] = await runAll([
    [[...s, 'raw', '{"execute":"guest-sync","arguments":{"id":5}}']],
    [[...s, 'raw', '{"execute":"guest-no-such"}']],
    [[...s, 'raw', '{nope']],
    [[...s, 'raw', '{"arguments":{}}']],
    [[...s, 'cat', join(scratch, 'missing')]],
    [[...s, 'ping', '--no-such-option']],
    [[...s, '--timeout', 'soon', 'ping']],
    [['qga', '--socket', join(scratch, 'absent.sock'), '--retries', '0', 'ping']],
    [['qga', '--config', join(scratch, 'none.toml'), 'ping']],
  ]);
  assert.deepEqual(JSON.parse(ok(raw!, 'raw')), { return: 5 });
  assert.equal(rawError!.code, 1);
  assert.equal((JSON.parse(rawError!.text) as { error: { class: string } }).error.class, 'CommandNotFound');
  for (const [result, pattern] of [
    [notJson, /the request is not JSON/],
    [noExecute, /"execute" naming the command/],
    [unknownOption, /unknown option '--no-such-option'/],
    [badTimeout, /--timeout takes a number of seconds/],
    [noAddress, /cannot read the configuration file/],
  ] as const) {
    assert.equal(result!.code, 2, result!.stderr);
    assert.match(result!.stderr, pattern);
    assert.equal(result!.stderr.trim().split('\n').length, 1, 'one line');
  }
  assert.equal(agentError!.code, 1);
  assert.match(agentError!.stderr, /^hostlink qga: guest-file-open: failed to open file .*missing/);
  assert.equal(badSocket!.code, 3);
  assert.match(badSocket!.stderr, /^hostlink qga: cannot open unix socket .*absent\.sock \(ENOENT\); no such socket or device: is the VM running/);
});

test('CLI: the address comes from the config file, else an error says how to give one', async () => {
  const dir = makeTempDir();
  try {
    const config = join(dir.path, 'hostlink.toml');
    writeFileSync(config, `[qga]\nsocket = "${join(dir.path, 'from-config.sock')}"\n`);
    const [fromConfig, none, twoAddresses] = await runAll([
      [['qga', '--config', config, '--retries', '0', 'ping']],
      [['qga', '--config', join(dir.path, 'empty.toml'), 'ping']],
      [['qga', '--socket', '/a', '--tcp', 'b:1', 'ping']],
    ]);
    assert.equal(fromConfig!.code, 3);
    assert.match(fromConfig!.stderr, /from-config\.sock/);
    assert.equal(none!.code, 2);
    assert.equal(twoAddresses!.code, 2);
    assert.match(twoAddresses!.stderr, /only one of --socket, --tcp and --device/);
    writeFileSync(join(dir.path, 'empty.toml'), '');
    const empty = await runCli(['qga', '--config', join(dir.path, 'empty.toml'), 'ping']);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /no agent address: pass --socket PATH .*HOSTLINK_QGA_SOCKET.*\[qga\]/);
  } finally {
    dir.remove();
  }
});

test('CLI: completion scripts for bash and zsh', async () => {
  const [bash, zsh, fish] = await runAll([[['completion', 'bash']], [['completion', 'zsh']], [['completion', 'fish']]]);
  // The shipped script, with the top-level command list of this build.
  const shipped = readFileSync(new URL('../../contrib/completion/hostlink.bash', import.meta.url), 'utf8');
  const withoutTop = (script: string) => script.replace(/^\s*local top=.*$/m, '');
  assert.equal(withoutTop(ok(bash!, 'completion bash')), withoutTop(shipped));
  assert.match(bash!.text, /^\s*local top="agent qga completion .*help"$/m);
  assert.match(zsh!.text, /^\s*top=\('agent:[^']+' 'qga:[^']+'/m);
  assert.match(ok(zsh!, 'completion zsh'), /^#compdef hostlink/);
  assert.equal(fish!.code, 2);
  // The bash script parses and completes qga sub-commands.
  const probe = spawnSync('bash', ['-c', `${bash!.text}\nCOMP_WORDS=(hostlink qga fs); COMP_CWORD=2; _hostlink; echo "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
  assert.equal(probe.status, 0, probe.stderr);
  assert.equal(probe.stdout.trim().split(/\s+/).sort().join(' '), 'fsfreeze fsinfo');
});

peerTest('CLI: set-password, ssh-keys, fsfreeze and shutdown run the (fake) system programs', async (_t, peer, scratch) => {
  const s = ['qga', '--socket', peer.socketPath];
  const password = await runCli([...s, 'set-password', 'alice'], { input: 'secret word\n' });
  assert.equal(ok(password, 'set-password'), 'password of alice set\n');
  assert.match(readFileSync(join(scratch, 'chpasswd.log'), 'utf8'), /stdin: alice:secret word/);
  const crypted = await runCli([...s, 'set-password', '--crypted', 'bob'], { input: '$6$x$y' });
  ok(crypted, 'set-password --crypted');
  assert.match(readFileSync(join(scratch, 'chpasswd.log'), 'utf8'), /args: -e\nstdin: bob:\$6\$x\$y/);
  const empty = await runCli([...s, 'set-password', 'carol'], { input: '' });
  assert.equal(empty.code, 2);

  assert.equal(ok(await runCli([...s, 'fsfreeze', 'status']), 'status'), 'thawed\n');
  assert.match(ok(await runCli([...s, 'fsfreeze', 'freeze']), 'freeze'), /^\d+ file system\(s\) frozen\n$/);
  assert.equal(ok(await runCli([...s, 'fsfreeze', 'status']), 'status'), 'frozen\n');
  assert.match(ok(await runCli([...s, 'fsfreeze', 'thaw']), 'thaw'), /^\d+ file system\(s\) thawed\n$/);
  assert.equal((await runCli([...s, 'fsfreeze', 'melt'])).code, 2);

  assert.equal(ok(await runCli([...s, 'shutdown', '--mode', 'reboot']), 'shutdown'), 'reboot requested\n');
  assert.match(readFileSync(join(scratch, 'shutdown.log'), 'utf8'), /args: .*-r/);
  assert.equal((await runCli([...s, 'shutdown', '--mode', 'explode'])).code, 2);
}, {
  hostlinkOnly: true,
  programs: (dir) => ({
    chpasswd: fakeProgram(dir, 'chpasswd'),
    shutdown: fakeProgram(dir, 'shutdown'),
    fsfreeze: fakeProgram(dir, 'fsfreeze'),
    hwclock: fakeProgram(dir, 'hwclock'),
  }),
});

peerTest('CLI: ssh-keys of an unknown user is an agent error; keys are required', async (_t, peer) => {
  const s = ['qga', '--socket', peer.socketPath];
  const [get, addNone] = await runAll([[[...s, 'ssh-keys', 'get', 'no-such-user-hostlink']], [[...s, 'ssh-keys', 'add', 'no-such-user-hostlink'], { input: '# only a comment\n' }]]);
  assert.equal(get!.code, 1);
  assert.match(get!.stderr, /^hostlink qga: guest-ssh-get-authorized-keys: .*no-such-user-hostlink/);
  assert.equal(addNone!.code, 2);
  assert.match(addNone!.stderr, /no keys given; nothing was changed/);
});

peerTest('CLI: --tcp and --device reach the agent too', async (t, peer, scratch) => {
  const socat = requireProgram(t, 'socat', 'socat');
  if (!socat) return;
  const pty = join(scratch, 'pty');
  const bridges = [
    spawn(socat, [`pty,raw,echo=0,link=${pty}`, `UNIX-CONNECT:${peer.socketPath}`], { stdio: 'ignore' }),
  ];
  try {
    for (let i = 0; i < 200 && !existsSync(pty); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const device = await runCli(['qga', '--device', pty, 'hostname']);
    assert.equal(device.code, 0, device.stderr);
    assert.ok(device.text.trim().length > 0);
  } finally {
    for (const bridge of bridges) bridge.kill();
  }
  // TCP through a relay on a free port.
  const server = createServer((client) => {
    const upstream = connect(peer.socketPath);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as { port: number }).port;
    const tcp = await runCli(['qga', '--tcp', `127.0.0.1:${port}`, 'ping']);
    assert.equal(tcp.code, 0, tcp.stderr);
    const badTcp = await runCli(['qga', '--tcp', 'no-port-here', 'ping']);
    assert.equal(badTcp.code, 2);
    assert.match(badTcp.stderr, /is not HOST:PORT/);
  } finally {
    server.close();
  }
});
