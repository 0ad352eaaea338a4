/**
 * The commands that change the system, on hostlink only, against recording fakes of
 * every system program and a fake /proc, /sys and /etc tree: what ran, with which
 * arguments and stdin, and what the agent answered. Nothing real is ever run.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, beforeEach, describe, test } from 'node:test';
import { createSystemControlSet, gateWhileFrozen } from '../../src/commands/qga/system-control.js';
import { startHostlinkQga } from '../helpers/hostlink-qga.js';
import { QgaRawClient } from '../helpers/qga-raw-client.js';
import { makeTempDir } from '../helpers/temp.js';
import { dispatcherAgent, type Agent } from './agent-in-folder.js';
import { FakePrograms } from './fake-programs.js';
import type { CommandDefinition } from '../../src/core/registry.js';

const temp = makeTempDir('hostlink-control-');
after(() => temp.remove());

let counter = 0;

interface Setup {
  readonly fakes: FakePrograms;
  readonly root: string;
  readonly stateDir: string;
  readonly agent: Agent;
}

/** A fresh fake tree, state folder and fakes; `extra` commands are gated like the rest. */
function setup(extra: CommandDefinition[] = []): Setup {
  const base = join(temp.path, `case-${++counter}`);
  const root = join(base, 'root');
  const stateDir = join(base, 'state');
  mkdirSync(root, { recursive: true });
  mkdirSync(stateDir);
  const fakes = new FakePrograms(join(base, 'bin'));
  const set = createSystemControlSet({ stateDir, rootDir: root, programs: fakes.programs });
  const agent = dispatcherAgent(gateWhileFrozen([...set.definitions, ...extra], set.freezeState));
  return { fakes, root, stateDir, agent };
}

function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

const error = (desc: string, errorClass = 'GenericError'): Record<string, unknown> => ({ error: { class: errorClass, desc } });

describe('guest-shutdown', () => {
  test('runs shutdown -h with the mode flag and +0', async () => {
    const { fakes, agent } = setup();
    assert.deepEqual(await agent.request('guest-shutdown'), { return: {} });
    assert.deepEqual(await agent.request('guest-shutdown', { mode: 'halt' }), { return: {} });
    assert.deepEqual(await agent.request('guest-shutdown', { mode: 'reboot' }), { return: {} });
    assert.deepEqual(fakes.callLines(), [
      'shutdown -h -P +0 hypervisor initiated shutdown',
      'shutdown -h -H +0 hypervisor initiated shutdown',
      'shutdown -h -r +0 hypervisor initiated shutdown',
    ]);
  });

  test('a bad mode runs nothing; a failing, killed or missing shutdown is reported', async () => {
    const { fakes, agent } = setup();
    assert.deepEqual(await agent.request('guest-shutdown', { mode: 'off' }), error('mode is invalid (valid values are: halt|powerdown|reboot'));
    assert.deepEqual(fakes.calls(), []);
    fakes.set('shutdown', { exit: 1 });
    assert.deepEqual(await agent.request('guest-shutdown'), error('child process has failed to shutdown'));
    fakes.set('shutdown', { killSelf: true });
    assert.deepEqual(await agent.request('guest-shutdown'), error('child process has terminated abnormally'));
    fakes.remove('shutdown');
    assert.deepEqual(await agent.request('guest-shutdown'), error('child process has failed to shutdown'));
  });

  test('over the wire: no reply on success, an error reply on failure', async () => {
    const fakes = new FakePrograms(join(temp.path, 'wire-bin'));
    const agent = await startHostlinkQga({ programs: fakes.programs });
    const client = await QgaRawClient.connect(agent.socketPath);
    try {
      client.send('{"execute":"guest-shutdown","arguments":{"mode":"reboot"}}');
      assert.equal(await client.expectSilence(300), true);
      assert.deepEqual(fakes.callLines(), ['shutdown -h -r +0 hypervisor initiated shutdown']);
      fakes.set('shutdown', { exit: 1 });
      assert.deepEqual(await client.request('guest-shutdown'), error('child process has failed to shutdown'));
      // (Suspend is not tried here: this agent reads the real /sys/power/state.)
    } finally {
      client.close();
      await agent.stop();
    }
  });
});

describe('guest-set-time', () => {
  test('with a time: date -s at microseconds, then hwclock -w; without: hwclock -s', async () => {
    const { fakes, agent } = setup();
    assert.deepEqual(await agent.request('guest-set-time', { time: 1_700_000_000_123_456_000 }), { return: {} });
    assert.deepEqual(await agent.request('guest-set-time'), { return: {} });
    assert.deepEqual(fakes.callLines(), ['date -u -s @1700000000.123456', 'hwclock -w', 'hwclock -s']);
  });

  test("qemu-ga's refusals: no hwclock, years outside 1970-2069, date and hwclock failures", async () => {
    const { fakes, agent } = setup();
    assert.deepEqual(await agent.request('guest-set-time', { time: 4_000_000_000_000_000_000 }), error('Invalid time'));
    assert.deepEqual(await agent.request('guest-set-time', { time: -1_000_000_000_000_000_000 }), error('Invalid time'));
    assert.deepEqual(fakes.calls(), []);
    fakes.set('date', { exit: 1, stderr: 'date: cannot set date: Operation not permitted\n' });
    assert.deepEqual(await agent.request('guest-set-time', { time: 1_700_000_000_000_000_000 }), error('Failed to set time to guest: Operation not permitted'));
    fakes.set('date', {});
    fakes.set('hwclock', { exit: 1 });
    assert.deepEqual(await agent.request('guest-set-time'), error('hwclock failed to set hardware clock to system time'));
    fakes.remove('hwclock');
    fakes.clearCalls();
    assert.deepEqual(await agent.request('guest-set-time', { time: 1_700_000_000_000_000_000 }), error('this feature or command is not currently supported'));
    assert.deepEqual(fakes.calls(), []);
  });
});

describe('guest-suspend-*', () => {
  test('systemd when its unit exists', async () => {
    const { fakes, agent } = setup();
    fakes.set('systemctl', { script: '[ "$1" = status ] && exit 3; exit 0' });
    assert.deepEqual(await agent.request('guest-suspend-ram'), { return: {} });
    assert.deepEqual(await agent.request('guest-suspend-disk'), { return: {} });
    assert.deepEqual(await agent.request('guest-suspend-hybrid'), { return: {} });
    assert.deepEqual(fakes.callLines(), [
      'systemctl status systemd-suspend',
      'systemctl suspend',
      'systemctl status systemd-hibernate',
      'systemctl hibernate',
      'systemctl status systemd-hybrid-sleep',
      'systemctl hybrid-sleep',
    ]);
  });

  test('then pm-utils, then /sys/power/state; none: not supported', async () => {
    const { fakes, agent, root } = setup();
    fakes.set('systemctl', { exit: 4 });
    assert.deepEqual(await agent.request('guest-suspend-disk'), { return: {} });
    assert.deepEqual(fakes.callLines(), ['systemctl status systemd-hibernate', 'pm-is-supported --hibernate', 'pm-hibernate']);
    fakes.clearCalls();
    fakes.set('pm-is-supported', { exit: 1 });
    writeTree(root, { '/sys/power/state': 'freeze mem disk\n' });
    assert.deepEqual(await agent.request('guest-suspend-ram'), { return: {} });
    assert.equal(readFileSync(join(root, 'sys/power/state'), 'utf8'), 'mem');
    assert.deepEqual(fakes.callLines(), ['systemctl status systemd-suspend', 'pm-is-supported --suspend']);
    writeTree(root, { '/sys/power/state': 'freeze\n' });
    assert.deepEqual(await agent.request('guest-suspend-ram'), error('the requested suspend mode is not supported by the guest'));
    assert.deepEqual(await agent.request('guest-suspend-hybrid'), error('the requested suspend mode is not supported by the guest'));
  });

  test('a method that is there but fails passes the turn; the failure is reported as qemu-ga does', async () => {
    const { fakes, agent } = setup();
    fakes.set('systemctl', { script: '[ "$1" = status ] && exit 3; exit 5' });
    fakes.set('pm-is-supported', { exit: 0 });
    fakes.set('pm-suspend-hybrid', { exit: 2 });
    assert.deepEqual(await agent.request('guest-suspend-hybrid'), error('unknown guest suspend mode'));
    assert.deepEqual(fakes.callLines(), [
      'systemctl status systemd-hybrid-sleep',
      'systemctl hybrid-sleep',
      'pm-is-supported --suspend-hybrid',
      'pm-suspend-hybrid',
    ]);
  });
});

describe('guest-fsfreeze-*', () => {
  const mountinfo = [
    '22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw',
    '23 22 0:21 / /proc rw shared:2 - proc proc rw',
    '24 22 254:2 / /home rw shared:3 - xfs /dev/vda2 rw',
    '25 22 254:3 / /mnt/my\\040disk rw shared:4 - vfat /dev/vda3 rw',
    '',
  ].join('\n');

  /** fsfreeze that nests freezes per mount point, like the kernel, and fails as util-linux does. */
  const statefulFsfreeze = (stateDir: string, failOn?: { mount: string; reason: string }): string => `
d=${JSON.stringify(stateDir)}; m=$(printf '%s' "$2" | tr '/ ' '__'); c=$(cat "$d/$m" 2>/dev/null || echo 0)
${failOn ? `[ "$1" = --freeze ] && [ "$2" = ${JSON.stringify(failOn.mount)} ] && { echo "fsfreeze: $2: freeze failed: ${failOn.reason}" >&2; exit 1; }` : ''}
if [ "$1" = --freeze ]; then echo $((c + 1)) > "$d/$m"; exit 0; fi
[ "$c" -gt 0 ] || { echo "fsfreeze: $2: unfreeze failed: Invalid argument" >&2; exit 1; }
echo $((c - 1)) > "$d/$m"; exit 0`;

  test('freeze goes from the last local mount back, thaw from the first; state is kept on disk', async () => {
    const { fakes, agent, root, stateDir } = setup();
    writeTree(root, { '/proc/self/mountinfo': mountinfo });
    const fsState = join(root, 'fsstate');
    mkdirSync(fsState);
    fakes.set('fsfreeze', { script: statefulFsfreeze(fsState) });
    assert.deepEqual(await agent.request('guest-fsfreeze-status'), { return: 'thawed' });
    assert.deepEqual(await agent.request('guest-fsfreeze-freeze'), { return: 3 });
    assert.deepEqual(await agent.request('guest-fsfreeze-status'), { return: 'frozen' });
    assert.equal(existsSync(join(stateDir, 'qga.state.isfrozen')), true);
    assert.deepEqual(fakes.callLines(), ['fsfreeze --freeze /mnt/my disk', 'fsfreeze --freeze /home', 'fsfreeze --freeze /']);
    fakes.clearCalls();
    assert.deepEqual(await agent.request('guest-fsfreeze-thaw'), { return: 3 });
    assert.deepEqual(fakes.callLines(), [
      'fsfreeze --unfreeze /',
      'fsfreeze --unfreeze /',
      'fsfreeze --unfreeze /home',
      'fsfreeze --unfreeze /home',
      'fsfreeze --unfreeze /mnt/my disk',
      'fsfreeze --unfreeze /mnt/my disk',
    ]);
    assert.deepEqual(await agent.request('guest-fsfreeze-status'), { return: 'thawed' });
    assert.equal(existsSync(join(stateDir, 'qga.state.isfrozen')), false);
  });

  test('freeze-list freezes only the listed mounts; none matching leaves the agent thawed', async () => {
    const { fakes, agent, root } = setup();
    writeTree(root, { '/proc/self/mountinfo': mountinfo });
    const fsState = join(root, 'fsstate');
    mkdirSync(fsState);
    fakes.set('fsfreeze', { script: statefulFsfreeze(fsState) });
    assert.deepEqual(await agent.request('guest-fsfreeze-freeze-list', { mountpoints: ['/home', '/nowhere'] }), { return: 1 });
    assert.deepEqual(fakes.callLines(), ['fsfreeze --freeze /home']);
    await agent.request('guest-fsfreeze-thaw');
    fakes.clearCalls();
    assert.deepEqual(await agent.request('guest-fsfreeze-freeze-list', { mountpoints: ['/nowhere'] }), { return: 0 });
    assert.deepEqual(fakes.calls(), []);
    assert.deepEqual(await agent.request('guest-fsfreeze-status'), { return: 'thawed' });
  });

  test('file systems without freeze support are skipped; a real failure thaws everything', async () => {
    const { fakes, agent, root } = setup();
    writeTree(root, { '/proc/self/mountinfo': mountinfo });
    const fsState = join(root, 'fsstate');
    mkdirSync(fsState);
    fakes.set('fsfreeze', { script: statefulFsfreeze(fsState, { mount: '/mnt/my disk', reason: 'Operation not supported' }) });
    assert.deepEqual(await agent.request('guest-fsfreeze-freeze'), { return: 2 });
    assert.deepEqual(await agent.request('guest-fsfreeze-thaw'), { return: 2 });
    fakes.set('fsfreeze', { script: statefulFsfreeze(fsState, { mount: '/', reason: 'Input/output error' }) });
    assert.deepEqual(await agent.request('guest-fsfreeze-freeze'), error('failed to freeze /: Input/output error'));
    assert.deepEqual(await agent.request('guest-fsfreeze-status'), { return: 'thawed' });
    // Everything frozen before the failure was thawed again.
    assert.deepEqual(
      ['_', '_home', '_mnt_my_disk'].map((name) => readFileSync(join(fsState, name), 'utf8').trim()),
      ['0', '0', '0'],
    );
  });

  test('while frozen only the freeze-safe commands run, also after a restart on the same state folder', async () => {
    const ping: CommandDefinition = { name: 'guest-ping', handler: () => ({}) };
    const exec: CommandDefinition = { name: 'guest-exec', handler: () => ({ pid: 1 }) };
    const first = setup([ping, exec]);
    writeTree(first.root, { '/proc/self/mountinfo': mountinfo });
    const fsState = join(first.root, 'fsstate');
    mkdirSync(fsState);
    first.fakes.set('fsfreeze', { script: statefulFsfreeze(fsState) });
    assert.deepEqual(await first.agent.request('guest-fsfreeze-freeze'), { return: 3 });
    const disabled = error('Command guest-exec has been disabled: the agent is in frozen state', 'CommandNotFound');
    assert.deepEqual(await first.agent.request('guest-exec'), disabled);
    assert.deepEqual(await first.agent.request('guest-shutdown'), error('Command guest-shutdown has been disabled: the agent is in frozen state', 'CommandNotFound'));
    assert.deepEqual(await first.agent.request('guest-fsfreeze-freeze'), error('Command guest-fsfreeze-freeze has been disabled: the agent is in frozen state', 'CommandNotFound'));
    assert.deepEqual(await first.agent.request('guest-ping'), { return: {} });

    const restarted = createSystemControlSet({ stateDir: first.stateDir, rootDir: first.root, programs: first.fakes.programs });
    const again = dispatcherAgent(gateWhileFrozen([...restarted.definitions, ping, exec], restarted.freezeState));
    assert.deepEqual(await again.request('guest-fsfreeze-status'), { return: 'frozen' });
    assert.deepEqual(await again.request('guest-exec'), disabled);
    assert.deepEqual(await again.request('guest-fsfreeze-thaw'), { return: 3 });
    assert.deepEqual(await again.request('guest-exec'), { return: { pid: 1 } });
  });
  test('without the gate, a second freeze is still refused and the agent stays frozen', async () => {
    const { fakes, root, stateDir } = setup();
    writeTree(root, { '/proc/self/mountinfo': mountinfo });
    const fsState = join(root, 'fsstate');
    mkdirSync(fsState);
    fakes.set('fsfreeze', { script: statefulFsfreeze(fsState) });
    const ungated = dispatcherAgent(createSystemControlSet({ stateDir, rootDir: root, programs: fakes.programs }).definitions);
    assert.deepEqual(await ungated.request('guest-fsfreeze-freeze'), { return: 3 });
    assert.deepEqual(
      await ungated.request('guest-fsfreeze-freeze-list', { mountpoints: ['/'] }),
      error('Command guest-fsfreeze-freeze-list has been disabled: the agent is in frozen state', 'CommandNotFound'),
    );
    assert.deepEqual(await ungated.request('guest-fsfreeze-status'), { return: 'frozen' });
    assert.deepEqual(await ungated.request('guest-fsfreeze-thaw'), { return: 3 });
  });
});

describe('guest-fstrim', () => {
  test('one result per local mount, last mount first, trimmed bytes from fstrim -v', async () => {
    const { fakes, agent, root } = setup();
    writeTree(root, {
      '/proc/self/mountinfo': '22 1 254:1 / / rw - ext4 /dev/vda1 rw\n24 22 254:2 / /home rw - xfs /dev/vda2 rw\n25 22 254:3 / /boot rw - vfat /dev/vda3 rw\n',
    });
    fakes.set('fstrim', {
      script: [
        'case "$4" in',
        '  /) echo "/: 1 GiB (1073741824 bytes) trimmed on /dev/vda1"; exit 0;;',
        '  /home) echo "fstrim: /home: the discard operation is not supported" >&2; exit 1;;',
        '  *) echo "fstrim: $4: FITRIM ioctl failed: Input/output error" >&2; exit 1;;',
        'esac',
      ].join('\n'),
    });
    assert.deepEqual(await agent.request('guest-fstrim', { minimum: 4096 }), {
      return: {
        paths: [
          { path: '/boot', error: 'failed to trim: Input/output error' },
          { path: '/home', error: 'trim not supported' },
          { path: '/', minimum: 4096, trimmed: 1073741824 },
        ],
      },
    });
    assert.deepEqual(fakes.callLines(), ['fstrim --verbose --minimum 4096 /', 'fstrim --verbose --minimum 4096 /home', 'fstrim --verbose --minimum 4096 /boot']);
  });
});

describe('guest-set-vcpus and guest-set-memory-blocks', () => {
  test('vCPUs are switched through their online files; cpu0 cannot go offline', async () => {
    const { agent, root } = setup();
    writeTree(root, {
      '/sys/devices/system/cpu/cpu0/topology/x': '',
      '/sys/devices/system/cpu/cpu1/online': '1\n',
      '/sys/devices/system/cpu/cpu2/online': '0\n',
    });
    const online = (id: number): string => readFileSync(join(root, `sys/devices/system/cpu/cpu${id}/online`), 'utf8');
    assert.deepEqual(
      await agent.request('guest-set-vcpus', {
        vcpus: [
          { 'logical-id': 0, online: true },
          { 'logical-id': 1, online: false, 'can-offline': true },
          { 'logical-id': 2, online: true },
        ],
      }),
      { return: 3 },
    );
    assert.equal(online(1)[0], '0');
    assert.equal(online(2)[0], '1');
    assert.deepEqual(await agent.request('guest-set-vcpus', { vcpus: [{ 'logical-id': 0, online: false }] }), error("logical processor #0 can't be offlined"));
    // A failure after the first stops there and counts what was done.
    assert.deepEqual(
      await agent.request('guest-set-vcpus', { vcpus: [{ 'logical-id': 1, online: true }, { 'logical-id': 9, online: true }, { 'logical-id': 2, online: false }] }),
      { return: 1 },
    );
    assert.equal(online(2)[0], '1');
    assert.deepEqual(
      await agent.request('guest-set-vcpus', { vcpus: [{ 'logical-id': 9, online: true }] }),
      error('open("/sys/devices/system/cpu/cpu9/"): No such file or directory'),
    );
    assert.deepEqual(await agent.request('guest-set-vcpus', { vcpus: [{ 'logical-id': 1 }] }), error("Parameter 'vcpus[0].online' is missing"));
  });

  test('memory blocks answer per block: success, not-found, and no state file', async () => {
    const { agent, root } = setup();
    writeTree(root, {
      '/sys/devices/system/memory/memory0/state': 'online\n',
      '/sys/devices/system/memory/memory1/state': 'offline\n',
      '/sys/devices/system/memory/memory2/removable': '1\n',
    });
    assert.deepEqual(
      await agent.request('guest-set-memory-blocks', {
        'mem-blks': [
          { 'phys-index': 0, online: false },
          { 'phys-index': 1, online: true },
          { 'phys-index': 7, online: true },
          { 'phys-index': 2, online: true },
          { 'phys-index': 2, online: false },
        ],
      }),
      {
        return: [
          { 'phys-index': 0, response: 'success' },
          { 'phys-index': 1, response: 'success' },
          { 'phys-index': 7, response: 'not-found', 'error-code': 2 },
          { 'phys-index': 2, response: 'success', 'error-code': 2 },
          { 'phys-index': 2, response: 'operation-not-supported', 'error-code': 2 },
        ],
      },
    );
    assert.ok(readFileSync(join(root, 'sys/devices/system/memory/memory0/state'), 'utf8').startsWith('offline'));
    assert.ok(readFileSync(join(root, 'sys/devices/system/memory/memory1/state'), 'utf8').startsWith('online'));
  });
});

describe('guest-set-user-password', () => {
  test('chpasswd gets "user:password\\n" on stdin, with -e for a crypted one', async () => {
    const { fakes, agent } = setup();
    fakes.set('chpasswd', { readStdin: true });
    const b64 = (text: string): string => Buffer.from(text, 'latin1').toString('base64');
    assert.deepEqual(await agent.request('guest-set-user-password', { username: 'alice', password: b64('s3cret pass'), crypted: false }), { return: {} });
    assert.deepEqual(await agent.request('guest-set-user-password', { username: 'bob', password: b64('$6$salt$hash'), crypted: true }), { return: {} });
    assert.deepEqual(await agent.request('guest-set-user-password', { username: 'carol', password: b64('cut\u0000here'), crypted: false }), { return: {} });
    assert.deepEqual(fakes.calls(), [
      { name: 'chpasswd', args: [], stdin: 'alice:s3cret pass\n' },
      { name: 'chpasswd', args: ['-e'], stdin: 'bob:$6$salt$hash\n' },
      { name: 'chpasswd', args: [], stdin: 'carol:cut\n' },
    ]);
  });

  test('bad input runs nothing; a failing chpasswd is reported', async () => {
    const { fakes, agent } = setup();
    assert.deepEqual(await agent.request('guest-set-user-password', { username: 'a:b', password: 'eA==', crypted: false }), error('forbidden characters in username'));
    assert.deepEqual(await agent.request('guest-set-user-password', { username: 'a\nb', password: 'eA==', crypted: false }), error('forbidden characters in username'));
    assert.deepEqual(await agent.request('guest-set-user-password', { username: 'a:b', password: 'eAp5', crypted: false }), error('forbidden characters in raw password'));
    assert.deepEqual(await agent.request('guest-set-user-password', { username: 'ab', password: '!!', crypted: false }), error('Base64 data contains invalid characters'));
    assert.deepEqual(fakes.calls(), []);
    fakes.set('chpasswd', { exit: 1 });
    assert.deepEqual(await agent.request('guest-set-user-password', { username: 'ab', password: 'eA==', crypted: false }), error('child process has failed to set user password'));
    fakes.remove('chpasswd');
    assert.deepEqual(await agent.request('guest-set-user-password', { username: 'ab', password: 'eA==', crypted: false }), error("cannot find 'passwd' program in PATH"));
  });
});

describe('guest-ssh-*-authorized-keys', () => {
  let ctx: Setup;
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const keysPath = (): string => join(ctx.root, 'home/alice/.ssh/authorized_keys');

  beforeEach(() => {
    ctx = setup();
    writeTree(ctx.root, { '/etc/passwd': `root:x:0:0:root:/root:/bin/sh\nalice:x:${uid}:${gid}:Alice:/home/alice:/bin/sh\n` });
    mkdirSync(join(ctx.root, 'home/alice'), { recursive: true });
  });

  test('add creates ~/.ssh 0700 and authorized_keys 0600, skips keys already there', async () => {
    assert.deepEqual(await ctx.agent.request('guest-ssh-add-authorized-keys', { username: 'alice', keys: ['ssh-rsa AAA one', 'ssh-ed25519 BBB two'] }), { return: {} });
    assert.equal(statSync(join(ctx.root, 'home/alice/.ssh')).mode & 0o777, 0o700);
    assert.equal(statSync(keysPath()).mode & 0o777, 0o600);
    assert.equal(statSync(keysPath()).uid, uid);
    assert.equal(readFileSync(keysPath(), 'utf8'), 'ssh-rsa AAA one\nssh-ed25519 BBB two');
    await ctx.agent.request('guest-ssh-add-authorized-keys', { username: 'alice', keys: ['ssh-rsa AAA one', 'ssh-rsa CCC three'] });
    assert.equal(readFileSync(keysPath(), 'utf8'), 'ssh-rsa AAA one\nssh-ed25519 BBB two\nssh-rsa CCC three');
    assert.deepEqual(await ctx.agent.request('guest-ssh-get-authorized-keys', { username: 'alice' }), {
      return: { keys: ['ssh-rsa CCC three', 'ssh-ed25519 BBB two', 'ssh-rsa AAA one'] },
    });
    await ctx.agent.request('guest-ssh-add-authorized-keys', { username: 'alice', keys: ['ssh-rsa DDD four'], reset: true });
    assert.equal(readFileSync(keysPath(), 'utf8'), 'ssh-rsa DDD four');
  });

  test('remove keeps comments and other keys; get skips comments and blank lines, trimmed', async () => {
    mkdirSync(join(ctx.root, 'home/alice/.ssh'));
    writeFileSync(keysPath(), 'algo key1 c\nalgo key1 c\n# a comment\n  algo other x  \n\n');
    assert.deepEqual(await ctx.agent.request('guest-ssh-get-authorized-keys', { username: 'alice' }), { return: { keys: ['algo other x', 'algo key1 c', 'algo key1 c'] } });
    assert.deepEqual(await ctx.agent.request('guest-ssh-remove-authorized-keys', { username: 'alice', keys: ['algo key1 c'] }), { return: {} });
    assert.equal(readFileSync(keysPath(), 'utf8'), '# a comment\n  algo other x  \n\n');
  });

  test("qemu-ga's errors: bad keys first, unknown user, missing file", async () => {
    assert.deepEqual(await ctx.agent.request('guest-ssh-add-authorized-keys', { username: 'nobody-here', keys: ['#not a key'] }), error("invalid OpenSSH public key: '#not a key'"));
    assert.deepEqual(await ctx.agent.request('guest-ssh-remove-authorized-keys', { username: 'alice', keys: ['a\nb'] }), error("invalid OpenSSH public key: 'a\nb'"));
    assert.deepEqual(await ctx.agent.request('guest-ssh-get-authorized-keys', { username: 'nobody-here' }), error("failed to lookup user 'nobody-here': Success"));
    assert.deepEqual(
      await ctx.agent.request('guest-ssh-get-authorized-keys', { username: 'alice' }),
      error("failed to read '/home/alice/.ssh/authorized_keys': Failed to open file \u201c/home/alice/.ssh/authorized_keys\u201d: No such file or directory"),
    );
    assert.deepEqual(await ctx.agent.request('guest-ssh-remove-authorized-keys', { username: 'alice', keys: ['x'] }), { return: {} });
    assert.equal(existsSync(join(ctx.root, 'home/alice/.ssh')), false);
  });
});
