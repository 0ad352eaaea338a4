/**
 * `hostlink nova` as a real process against a nova agent on a Unix socket: every
 * sub-command, --json, the password from a file and from stdin, and the exit codes.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha512Crypt } from '../../src/commands/common/sha512-crypt.js';
import { runCli } from '../agent/agent-cli.js';
import { runHostlink, type CliResult } from '../helpers/cli.js';
import { startNovaAgent } from './nova-helpers.js';

const matches = (rootDir: string, password: string): boolean => {
  const hash = readFileSync(join(rootDir, 'etc/shadow'), 'utf8').split('\n')[0]!.split(':')[1]!;
  return sha512Crypt(password, { salt: hash.split('$')[2]! }) === hash;
};

/** Runs `hostlink ARGS` with `input` on stdin. */
function runWithInput(args: readonly string[], input: string): Promise<CliResult> {
  return runHostlink(args, { input });
}

test('hostlink nova: version, features, password (file and stdin), injectfile, resetnetwork, raw, errors', async () => {
  const agent = await startNovaAgent({ version: '2.0.0' });
  const address = `unix:${agent.socket}`;
  try {
    const pwFile = join(agent.temp, 'pw');
    writeFileSync(pwFile, 'from a file\n');
    mkdirSync(join(agent.rootDir, 'etc/netplan'));
    mkdirSync(join(agent.rootDir, 'sys/class/net/eth0'), { recursive: true });
    writeFileSync(join(agent.rootDir, 'sys/class/net/eth0/address'), '52:54:00:00:00:01\n');
    const netFile = join(agent.temp, 'net.json');
    writeFileSync(netFile, JSON.stringify({ hostname: 'cli-host', interfaces: [{ mac: '52:54:00:00:00:01', ips: [{ ip: '192.0.2.7', netmask: '24' }] }] }));
    const [version, json, features, byFile, keyinit, raw, unknown, usage, unreachable, badConfig] = await Promise.all([
      runCli(['nova', '--address', address, 'version']),
      runCli(['nova', '--address', address, '--json', 'version']),
      runCli(['nova', '--address', address, 'features']),
      runCli(['nova', '--address', address, 'password', '--password-file', pwFile, '--key-exchange', 'legacy']),
      runCli(['nova', '--address', address, 'keyinit']),
      runCli(['nova', '--address', address, '--json', 'raw', 'kmsactivate', '"key"']),
      runCli(['nova', '--address', address, 'raw', 'nosuch']),
      runCli(['nova', 'version']),
      runCli(['nova', '--address', `unix:${join(agent.temp, 'none.sock')}`, 'version']),
      runCli(['nova', '--address', address, 'resetnetwork', '--config', join(agent.temp, 'missing.json')]),
    ]);
    assert.deepEqual([version.status, version.stdout], [0, '2.0.0\n']);
    assert.deepEqual([json.status, JSON.parse(json.stdout)], [0, { returncode: '0', message: '2.0.0' }]);
    assert.ok(features.stdout.trim().split(',').includes('injectfile'), features.stdout);
    assert.equal(byFile.status, 0, byFile.stderr);
    assert.ok(matches(agent.rootDir, 'from a file'));
    assert.equal(keyinit.status, 0, keyinit.stderr);
    assert.match(keyinit.stdout, /^\d+\n$/);
    assert.deepEqual([raw.status, JSON.parse(raw.stdout)], [1, { returncode: '500', message: 'not supported' }]);
    assert.deepEqual([unknown.status, unknown.stderr], [1, "hostlink nova: nosuch: 404 No such agent command 'nosuch'\n"]);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /no agent address/);
    assert.equal(unreachable.status, 3);
    assert.equal(badConfig.status, 2);

    const byStdin = await runWithInput(['nova', '--address', address, 'password'], 'from stdin\n');
    assert.equal(byStdin.status, 0, byStdin.stderr);
    assert.ok(matches(agent.rootDir, 'from stdin'));
    const inject = await runWithInput(['nova', '--address', address, 'injectfile', '/etc/motd'], 'hello, world');
    assert.equal(inject.status, 0, inject.stderr);
    assert.equal(readFileSync(join(agent.rootDir, 'etc/motd'), 'utf8'), 'hello, world');
    const reset = await runCli(['nova', '--address', address, 'resetnetwork', '--config', netFile]);
    assert.equal(reset.status, 0, reset.stderr);
    assert.equal(readFileSync(join(agent.rootDir, 'etc/hostname'), 'utf8'), 'cli-host\n');
  } finally {
    await agent.close();
  }
});
