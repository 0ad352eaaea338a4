import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hostlinkNodeArgs, REPO_ROOT } from '../helpers/cli.js';
import { requireProgram } from '../helpers/peers.js';
import { makeTempDir } from '../helpers/temp.js';
import { runCommand, type CommandResult } from './run-command.js';

const UNITS = ['hostlink-qga.service', 'hostlink-agent.service', 'hostlink-controller.service'];

function hostlink(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<CommandResult> {
  return runCommand(process.execPath, [...hostlinkNodeArgs(), ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env } });
}

function unitPath(prefix: string, unit: string): string {
  return join(prefix, 'etc/systemd/system', unit);
}

/** Every file under `dir`, relative, sorted. */
function listFiles(dir: string, base = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name), join(base, entry.name)) : [join(base, entry.name)]))
    .sort();
}

test('install-service: each unit is written with this hostlink in ExecStart, and systemd-analyze verify accepts it', async (t) => {
  const analyze = requireProgram(t, 'systemd-analyze', 'systemd');
  if (!analyze) return;
  const root = makeTempDir('hostlink-units-');
  t.after(root.remove);
  for (const name of ['qga', 'agent', 'controller']) {
    const result = await hostlink(['install-service', name, '--prefix', root.path]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`wrote ${root.path}/etc/systemd/system/hostlink-${name}\\.service`));
  }
  for (const unit of UNITS) {
    const text = readFileSync(unitPath(root.path, unit), 'utf8');
    const execStart = /^ExecStart=(.*)$/m.exec(text)?.[1];
    // This checkout's bin script, run directly or by this Node when systemd's PATH would find another.
    assert.match(execStart ?? '', new RegExp(`^(${process.execPath} )?${REPO_ROOT}bin/hostlink\\.js (agent|controller)`), unit);
    assert.doesNotMatch(text, /\/usr\/local\/bin\/hostlink/, `${unit} still names the shipped path`);
    const verify = await runCommand(analyze, ['verify', unitPath(root.path, unit)]);
    assert.equal(verify.status, 0, `${unit}: ${verify.stderr}`);
    assert.equal(verify.stderr.trim(), '', `${unit}: systemd-analyze verify warned`);
  }
});

test('install-service qga: udev rule and a unit bound to the virtio port, started by udev (not enabled)', async (t) => {
  const root = makeTempDir('hostlink-units-');
  t.after(root.remove);
  const result = await hostlink(['install-service', 'hostlink-qga.service', '--prefix', root.path]);
  assert.equal(result.status, 0, result.stderr);
  const rule = readFileSync(join(root.path, 'etc/udev/rules.d/60-hostlink-qga.rules'), 'utf8');
  assert.match(rule, /SUBSYSTEM=="virtio-ports", ATTR\{name\}=="org\.qemu\.guest_agent\.0", \\\n\s+TAG\+="systemd", ENV\{SYSTEMD_WANTS\}="hostlink-qga\.service"/);
  const unit = readFileSync(unitPath(root.path, 'hostlink-qga.service'), 'utf8');
  assert.match(unit, /^BindsTo=dev-virtio\\x2dports-org\.qemu\.guest_agent\.0\.device$/m);
  assert.match(unit, /^After=dev-virtio\\x2dports-org\.qemu\.guest_agent\.0\.device$/m);
  assert.match(unit, /^ExecStart=.* agent --listen qga:chardev:\/dev\/virtio-ports\/org\.qemu\.guest_agent\.0$/m);
  assert.doesNotMatch(unit, /^\[Install\]/m);
  assert.deepEqual(listFiles(root.path), ['etc/systemd/system/hostlink-qga.service', 'etc/udev/rules.d/60-hostlink-qga.rules']);
});

test('install-service agent and controller: enabled inside the prefix with systemctl --root', async (t) => {
  if (!requireProgram(t, 'systemctl', 'systemd')) return;
  const root = makeTempDir('hostlink-units-');
  t.after(root.remove);
  for (const name of ['agent', 'controller']) {
    const result = await hostlink(['install-service', name, '--prefix', root.path]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`ran \\S*systemctl --root=${root.path} enable hostlink-${name}\\.service`));
    const link = join(root.path, 'etc/systemd/system/multi-user.target.wants', `hostlink-${name}.service`);
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(readlinkSync(link), `/etc/systemd/system/hostlink-${name}.service`);
  }
});

test('install-service controller: hardened (dynamic user, read-only system), by systemd-analyze security', async (t) => {
  const analyze = requireProgram(t, 'systemd-analyze', 'systemd');
  if (!analyze) return;
  const root = makeTempDir('hostlink-units-');
  t.after(root.remove);
  assert.equal((await hostlink(['install-service', 'controller', '--prefix', root.path])).status, 0);
  const unit = readFileSync(unitPath(root.path, 'hostlink-controller.service'), 'utf8');
  for (const line of ['DynamicUser=yes', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes', 'StateDirectory=hostlink-controller']) {
    assert.match(unit, new RegExp(`^${line}$`, 'm'));
  }
  const security = await runCommand(analyze, ['security', '--offline=true', unitPath(root.path, 'hostlink-controller.service')]);
  const exposure = Number(/Overall exposure level for hostlink-controller\.service: ([\d.]+)/.exec(security.stdout)?.[1]);
  assert.ok(exposure <= 2, `exposure ${exposure}:\n${security.stdout.slice(-400)}`);
});

test('install-service --dry-run prints the files and commands and writes nothing', async (t) => {
  const root = makeTempDir('hostlink-units-');
  t.after(root.remove);
  const result = await hostlink(['install-service', 'controller', '--dry-run', '--prefix', root.path]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`# would write ${root.path}/etc/systemd/system/hostlink-controller\\.service\\n`));
  assert.match(result.stdout, /^ExecStart=.*hostlink\.js controller --listen 127\.0\.0\.1:7700$/m);
  assert.deepEqual(listFiles(root.path), []);
});

test('install-service: a changed unit is kept unless --force; the same content is rewritten quietly', async (t) => {
  const root = makeTempDir('hostlink-units-');
  t.after(root.remove);
  const path = unitPath(root.path, 'hostlink-agent.service');
  assert.equal((await hostlink(['install-service', 'agent', '--prefix', root.path])).status, 0);
  const shipped = readFileSync(path, 'utf8');
  assert.equal((await hostlink(['install-service', 'agent', '--prefix', root.path])).status, 0, 'same content again');
  writeFileSync(path, `${shipped}# local edit\n`);
  const refused = await hostlink(['install-service', 'agent', '--prefix', root.path]);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /hostlink-agent\.service exists and differs .*--force/);
  assert.match(readFileSync(path, 'utf8'), /# local edit/);
  const forced = await hostlink(['install-service', 'agent', '--prefix', root.path, '--force']);
  assert.equal(forced.status, 0, forced.stderr);
  assert.equal(readFileSync(path, 'utf8'), shipped);
});

test('install-service: an unknown name is a usage error that writes nothing', async (t) => {
  const root = makeTempDir('hostlink-units-');
  t.after(root.remove);
  const result = await hostlink(['install-service', 'qemu-ga', '--prefix', root.path]);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /unknown service "qemu-ga" \(known: qga, agent, controller\)/);
  assert.deepEqual(listFiles(root.path), []);
});

test('install-service: without systemctl the files are written and it says nothing was enabled', async (t) => {
  const root = makeTempDir('hostlink-units-');
  t.after(root.remove);
  const bin = join(root.path, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  const prefix = join(root.path, 'image');
  const result = await hostlink(['install-service', 'controller', '--prefix', prefix], { PATH: bin });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, /systemctl not found: the files are written, nothing is reloaded or enabled/);
  assert.deepEqual(listFiles(prefix), ['etc/systemd/system/hostlink-controller.service']);
});

test('install-service: the configuration the service will read is checked', async (t) => {
  const root = makeTempDir('hostlink-units-');
  t.after(root.remove);
  const config = join(root.path, 'etc/hostlink/hostlink.toml');
  mkdirSync(join(root.path, 'etc/hostlink'), { recursive: true });

  const noController = await hostlink(['install-service', 'agent', '--dry-run', '--prefix', root.path]);
  assert.match(noController.stderr, /gives \[agent\] neither controller nor listen: .*set controller, gid and nid/);

  writeFileSync(config, '[agent]\ncontroller = "http://127.0.0.1:7700"\ngid = 1\nnid = 2\n');
  const joined = await hostlink(['install-service', 'agent', '--dry-run', '--prefix', root.path]);
  assert.doesNotMatch(joined.stderr, /neither controller nor listen/);
  const qga = await hostlink(['install-service', 'qga', '--dry-run', '--prefix', root.path]);
  assert.match(qga.stderr, /hostlink-qga would join the controller too/);

  writeFileSync(config, '[agent]\nverbose = true\ngid = "one"\n');
  const broken = await hostlink(['install-service', 'agent', '--dry-run', '--prefix', root.path]);
  assert.equal(broken.status, 0);
  assert.match(broken.stderr, /hostlink\.toml:3: key "gid" in \[agent\] must be an integer, not a string: the service will not start/);
});

test('hostlink --version and --help: the version alone, every command in the help', async () => {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const version = await hostlink(['--version']);
  assert.equal(version.status, 0);
  assert.equal(version.stdout, `${pkg.version}\n`);
  const help = await hostlink(['--help']);
  for (const name of ['agent', 'qga', 'completion', 'vt-agent', 'controller', 'run', 'agents', 'schedule', 'install-service']) {
    assert.match(help.stdout, new RegExp(`^  ${name} `, 'm'), name);
  }
  const own = await hostlink(['install-service', '--help']);
  assert.match(own.stdout, /Usage: hostlink install-service \[options\] <name>/);
});
