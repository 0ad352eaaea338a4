/**
 * The system-info commands over fake /proc, /sys, /etc and /run trees (rootDir): the
 * cases a test machine does not have (partitions, SATA and device-mapper disks, down
 * links, utmp entries, memory blocks, missing files) and qemu-ga's error texts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, opendirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { getCpuStats } from '../../src/commands/qga/info/cpustats.js';
import { getDisks } from '../../src/commands/qga/info/disks.js';
import { getDiskStats } from '../../src/commands/qga/info/diskstats.js';
import { getFsInfo } from '../../src/commands/qga/info/fsinfo.js';
import { getMemoryBlockInfo, getMemoryBlocks } from '../../src/commands/qga/info/memory-blocks.js';
import { getNetworkInterfaces, type NodeInterfaces } from '../../src/commands/qga/info/network-interfaces.js';
import { getNetworkRoutes } from '../../src/commands/qga/info/network-routes.js';
import { getOsInfo } from '../../src/commands/qga/info/os-info.js';
import { SystemRoot } from '../../src/commands/qga/info/system-root.js';
import { getTimezone } from '../../src/commands/qga/info/timezone.js';
import { getUsers } from '../../src/commands/qga/info/users.js';
import { encodeUtmpRecord, USER_PROCESS } from '../../src/commands/qga/info/utmp.js';
import { getVcpus } from '../../src/commands/qga/info/vcpus.js';
import { systemInfoCommands } from '../../src/commands/qga/system-info.js';
import { Dispatcher } from '../../src/core/dispatcher.js';
import { silentLogger } from '../../src/core/logger.js';
import { CommandPolicy } from '../../src/core/policy.js';
import { CommandRegistry } from '../../src/core/registry.js';
import { makeTempDir } from '../helpers/temp.js';

type Tree = Record<string, string | Buffer | { link: string } | { dir: true }>;

/** A fresh root folder holding `tree` (paths relative to the root; links are relative). */
function fakeRoot(t: TestContext, tree: Tree): { root: SystemRoot; path: string } {
  const temp = makeTempDir('hostlink-fake-root-');
  t.after(() => temp.remove());
  for (const [relative, content] of Object.entries(tree)) {
    const path = join(temp.path, relative);
    mkdirSync(dirname(path), { recursive: true });
    if (typeof content === 'object' && 'link' in content) symlinkSync(content.link, path);
    else if (typeof content === 'object' && 'dir' in content) mkdirSync(path, { recursive: true });
    else writeFileSync(path, content);
  }
  return { root: new SystemRoot(temp.path), path: temp.path };
}

/** Entry names of a folder in readdir order (what qemu-ga iterates over). */
function rawOrder(path: string): string[] {
  const dir = opendirSync(path);
  const names: string[] = [];
  for (let entry = dir.readSync(); entry; entry = dir.readSync()) names.push(entry.name);
  dir.closeSync();
  return names;
}

async function rejectsWith(promise: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(promise, (error: Error) => {
    assert.equal(error.message, message);
    return true;
  });
}

test('guest-get-vcpus: cpuN folders in directory order; no "online" file means it cannot go offline', async (t) => {
  const { root, path } = fakeRoot(t, {
    'sys/devices/system/cpu/cpu0/topology/core_id': '0\n',
    'sys/devices/system/cpu/cpu1/online': '1\n',
    'sys/devices/system/cpu/cpu2/online': '0\n',
    'sys/devices/system/cpu/cpufreq/x': '',
    'sys/devices/system/cpu/kernel_max': '8191\n',
  });
  const vcpus = await getVcpus(root);
  const expectedOrder = rawOrder(join(path, 'sys/devices/system/cpu')).filter((name) => /^cpu\d/.test(name));
  assert.deepEqual(
    vcpus.map((vcpu) => `cpu${vcpu['logical-id']}`),
    expectedOrder,
  );
  const byId = Object.fromEntries(vcpus.map((vcpu) => [vcpu['logical-id'], vcpu]));
  assert.deepEqual(byId[0], { 'logical-id': 0, online: true, 'can-offline': false });
  assert.deepEqual(byId[1], { 'logical-id': 1, online: true, 'can-offline': true });
  assert.deepEqual(byId[2], { 'logical-id': 2, online: false, 'can-offline': true });
});

test('guest-get-vcpus without /sys/devices/system/cpu fails with qemu-ga\'s text', async (t) => {
  const { root } = fakeRoot(t, { 'sys/.keep': '' });
  await rejectsWith(getVcpus(root), 'failed to list entries: /sys/devices/system/cpu: No such file or directory');
});

test('guest-get-memory-blocks and -info read /sys/devices/system/memory', async (t) => {
  const { root } = fakeRoot(t, {
    'sys/devices/system/memory/block_size_bytes': '8000000\n',
    'sys/devices/system/memory/memory0/state': 'online\n',
    'sys/devices/system/memory/memory0/removable': '0\n',
    'sys/devices/system/memory/memory7/state': 'offline\n',
    'sys/devices/system/memory/memory7/removable': '1\n',
    'sys/devices/system/memory/memory9/state': 'online\n',
    'sys/devices/system/memory/auto_online_blocks': 'online\n',
  });
  const blocks = await getMemoryBlocks(root);
  assert.deepEqual(
    [...blocks].sort((a, b) => a['phys-index'] - b['phys-index']),
    [
      { 'phys-index': 0, online: true, 'can-offline': false },
      { 'phys-index': 7, online: false, 'can-offline': true },
      { 'phys-index': 9, online: true, 'can-offline': false },
    ],
  );
  assert.deepEqual(await getMemoryBlockInfo(root), { size: 0x8000000 });
});

test('memory blocks: no sysfs folder is an empty list, but block info is an error; zero blocks is an error', async (t) => {
  const { root: bare } = fakeRoot(t, { 'sys/devices/system/cpu/cpu0/x': '' });
  assert.deepEqual(await getMemoryBlocks(bare), []);
  await rejectsWith(getMemoryBlockInfo(bare), 'open("/sys/devices/system/memory/"): No such file or directory');
  const { root: empty } = fakeRoot(t, { 'sys/devices/system/memory/power/x': '' });
  await rejectsWith(getMemoryBlocks(empty), 'guest reported zero memory blocks!');
  await rejectsWith(getMemoryBlockInfo(empty), 'open sysfs file "block_size_bytes": No such file or directory');
});

test('guest-get-users: USER_PROCESS entries, one per user, earliest login kept, in order of first login', async (t) => {
  const longName = 'u'.repeat(32);
  const utmp = Buffer.concat([
    encodeUtmpRecord({ type: 2, user: 'reboot', tvSec: 10 }), // BOOT_TIME
    encodeUtmpRecord({ type: USER_PROCESS, user: 'alice', line: 'pts/0', tvSec: 1_700_000_100, tvUsec: 500_000 }),
    encodeUtmpRecord({ type: 6, user: 'LOGIN', tvSec: 5 }), // LOGIN_PROCESS
    encodeUtmpRecord({ type: USER_PROCESS, user: 'bob', tvSec: 1_700_000_200 }),
    encodeUtmpRecord({ type: USER_PROCESS, user: 'alice', tvSec: 1_700_000_050, tvUsec: 250_000 }),
    encodeUtmpRecord({ type: USER_PROCESS, user: 'alice', tvSec: 1_700_000_300 }),
    // ut_user without a terminating NUL runs into ut_host, as qemu-ga's strdup reads it.
    encodeUtmpRecord({ type: USER_PROCESS, user: longName, host: 'example', tvSec: 1 }),
    encodeUtmpRecord({ type: USER_PROCESS, user: 'partial' }).subarray(0, 100),
  ]);
  const { root } = fakeRoot(t, { 'var/run/utmp': utmp });
  assert.deepEqual(await getUsers(root), [
    { user: 'alice', 'login-time': 1_700_000_050.25 },
    { user: 'bob', 'login-time': 1_700_000_200 },
    { user: longName + 'example', 'login-time': 1 },
  ]);
  const { root: noUtmp } = fakeRoot(t, { 'etc/.keep': '' });
  assert.deepEqual(await getUsers(noUtmp), []);
});

test('guest-network-get-route parses both route tables with QEMU 9.1\'s members', async (t) => {
  const { root } = fakeRoot(t, {
    'proc/net/route': [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0',
      'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t1500\t0\t0',
      'broken line',
      '',
    ].join('\n'),
    'proc/net/ipv6_route': [
      'fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0',
      '00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000002 0000000a 00000003     eth0',
      '00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo',
    ].join('\n'),
  });
  assert.deepEqual(await getNetworkRoutes(root), [
    { iface: 'eth0', destination: '0.0.0.0', gateway: '192.0.2.1', mask: '0.0.0.0', metric: 100, flags: 3, refcnt: 0, use: 0, mtu: 0, window: 0, irtt: 0, version: 4 },
    { iface: 'eth0', destination: '192.0.2.0', gateway: '0.0.0.0', mask: '255.255.255.0', metric: 0, flags: 1, refcnt: 0, use: 0, mtu: 1500, window: 0, irtt: 0, version: 4 },
    { iface: 'eth0', destination: 'fd00::', metric: 256, source: '::', desprefixlen: '64', srcprefixlen: '0', nexthop: '::', flags: 1, refcnt: 1, use: 0, version: 6 },
    { iface: 'eth0', destination: '::', metric: 1024, source: '::', desprefixlen: '0', srcprefixlen: '0', nexthop: 'fe80::1', flags: 3, refcnt: 2, use: 10, version: 6 },
    { iface: 'lo', destination: '::', metric: -1, source: '::', desprefixlen: '0', srcprefixlen: '0', nexthop: '::', flags: 0x200200, refcnt: 1, use: 0, version: 6 },
  ]);
  const { root: noIpv6 } = fakeRoot(t, { 'proc/net/route': 'Iface\tDestination\n' });
  await rejectsWith(getNetworkRoutes(noIpv6), 'open("/proc/net/ipv6_route"): No such file or directory');
});

test('guest-get-diskstats: the members present follow the number of columns', async (t) => {
  const counters = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1)).join(' ');
  const { root } = fakeRoot(t, {
    'proc/diskstats': [
      `   8       0 sda ${counters(17)}`,
      `   8       1 sda1 ${counters(4)}`,
      `   8       2 sda2 ${counters(11)}`,
      `   8       3 sda3 ${counters(15)}`,
      `   8       4 sda4 ${counters(6)}`,
      `   8       5 sda5 1 2`,
      'not a disk line',
      '',
    ].join('\n'),
  });
  const stats = await getDiskStats(root);
  assert.deepEqual(
    stats.map((entry) => entry.name),
    ['sda', 'sda1', 'sda2', 'sda3', 'sda4'],
  );
  const [full, old, classic, discard, odd] = stats.map((entry) => entry.stats);
  assert.deepEqual(full, {
    'read-ios': 1, 'read-merges': 2, 'read-sectors': 3, 'read-ticks': 4,
    'write-ios': 5, 'write-merges': 6, 'write-sectors': 7, 'write-ticks': 8,
    'ios-pgr': 9, 'total-ticks': 10, 'weight-ticks': 11,
    'discard-ios': 12, 'discard-merges': 13, 'discard-sectors': 14, 'discard-ticks': 15,
    'flush-ios': 16, 'flush-ticks': 17,
  });
  assert.deepEqual(old, { 'read-ios': 1, 'read-sectors': 2, 'write-ios': 3, 'write-sectors': 4 });
  assert.deepEqual(Object.keys(classic ?? {}).length, 11);
  assert.deepEqual(Object.keys(discard ?? {}).length, 15);
  assert.deepEqual(odd, {}, 'between the known layouts qemu-ga reports no counters');
  assert.deepEqual({ major: stats[0]?.major, minor: stats[0]?.minor }, { major: 8, minor: 0 });
});

test('guest-get-cpustats: per-CPU lines in ms, members by column count, stops at a short line', async (t) => {
  const { root } = fakeRoot(t, {
    'proc/stat': [
      'cpu  100 0 100 1000 0 0 0 0 0 0',
      'cpu0 1 2 3 4',
      'cpu1 1 2 3 4 5 6',
      'cpu2 1 2 3 4 5 6 7 8 9 10',
      'intr 12345 1 2 3',
      'cpu3 1 2',
      'cpu4 1 2 3 4 5 6 7 8 9 10',
    ].join('\n'),
  });
  assert.deepEqual(await getCpuStats(root), [
    { type: 'linux', cpu: 0, user: 10, nice: 20, system: 30, idle: 40 },
    { type: 'linux', cpu: 1, user: 10, nice: 20, system: 30, idle: 40, iowait: 50, irq: 60, softirq: 0 },
    { type: 'linux', cpu: 2, user: 10, nice: 20, system: 30, idle: 40, iowait: 50, irq: 60, softirq: 70, steal: 80, guest: 90, guestnice: 100 },
  ]);
  const { root: noProc } = fakeRoot(t, { 'etc/.keep': '' });
  await rejectsWith(getCpuStats(noProc), 'open("/proc/stat"): No such file or directory');
  await rejectsWith(getDiskStats(noProc), 'open("/proc/diskstats"): No such file or directory');
});

/** A SATA disk with one partition on AHCI, a virtio disk, and a device-mapper volume over the virtio partition. */
function diskTree(): Tree {
  const ahci = 'sys/devices/pci0000:00/0000:00:1f.2';
  const sda = `${ahci}/ata2/host1/target1:0:0/1:0:0:0/block/sda`;
  const virtio = 'sys/devices/pci0000:00/0000:00:05.0';
  const vda = `${virtio}/virtio3/block/vda`;
  const dm = 'sys/devices/virtual/block/dm-0';
  return {
    [`${ahci}/driver`]: { link: '../../../bus/pci/drivers/ahci' },
    [`${ahci}/ata1/x`]: '',
    [`${ahci}/ata2/x`]: '',
    [`${ahci}/ata10/x`]: '',
    [`${sda}/uevent`]: 'MAJOR=8\nMINOR=0\nDEVNAME=sda\nDEVTYPE=disk\n',
    [`${sda}/subsystem`]: { link: '../../../../../../../../../class/block' },
    [`${sda}/size`]: '2097152\n',
    [`${sda}/slaves/.keep`]: '',
    [`${sda}/sda1/uevent`]: 'MAJOR=8\nMINOR=1\nDEVNAME=sda1\nDEVTYPE=partition\n',
    [`${sda}/sda1/size`]: '2095104\n',
    [`${sda}/queue/x`]: '',
    [`${virtio}/driver`]: { link: '../../../bus/pci/drivers/virtio-pci' },
    [`${vda}/uevent`]: 'MAJOR=254\nMINOR=0\nDEVNAME=vda\nDEVTYPE=disk\n',
    [`${vda}/size`]: '4194304\n',
    [`${vda}/vda1/uevent`]: 'MAJOR=254\nMINOR=1\nDEVNAME=vda1\nDEVTYPE=partition\n',
    [`${dm}/uevent`]: 'MAJOR=253\nMINOR=0\nDEVNAME=dm-0\nDEVTYPE=disk\n',
    [`${dm}/subsystem`]: { link: '../../../../class/block' },
    [`${dm}/size`]: '4000000\n',
    [`${dm}/slaves/vda1`]: { link: '../../../../pci0000:00/0000:00:05.0/virtio3/block/vda/vda1' },
    'sys/devices/virtual/block/loop0/uevent': 'MAJOR=7\nMINOR=0\nDEVNAME=loop0\n',
    'sys/devices/virtual/block/loop0/size': '0\n',
    'sys/class/block/.keep': '',
    'sys/bus/pci/drivers/ahci/.keep': '',
    'sys/bus/pci/drivers/virtio-pci/.keep': '',
    'sys/block/sda': { link: `../${sda.slice(4)}` },
    'sys/block/vda': { link: `../${vda.slice(4)}` },
    'sys/block/dm-0': { link: `../${dm.slice(4)}` },
    'sys/block/loop0': { link: '../devices/virtual/block/loop0' },
    'sys/dev/block/8:1': { link: `../../${sda.slice(4)}/sda1` },
    'sys/dev/block/253:0': { link: `../../${dm.slice(4)}` },
    'run/udev/data/b8:0': 'S:disk/by-id/ata-QEMU_HARDDISK_QM00003\nE:ID_SERIAL=QEMU_HARDDISK_QM00003\n',
    'run/udev/data/b253:0': 'E:DM_NAME=vg-root\nE:DM_UUID=LVM-abc\n',
  };
}

const SDA_ADDRESS = {
  'pci-controller': { domain: 0, bus: 0, slot: 0x1f, function: 2 },
  'bus-type': 'sata',
  bus: 0,
  target: 0,
  unit: 1, // ata2 is the second of the sorted ata1, ata2, ata10
  serial: 'QEMU_HARDDISK_QM00003',
  dev: '/dev/sda',
};

const VDA1_ADDRESS = {
  'pci-controller': { domain: 0, bus: 0, slot: 5, function: 0 },
  'bus-type': 'virtio',
  bus: 0,
  target: 0,
  unit: 0,
  dev: '/dev/vda1',
};

test('guest-get-disks: disks and partitions, reversed; addresses, dependencies and device-mapper aliases', async (t) => {
  const { root, path } = fakeRoot(t, diskTree());
  const perDisk: Record<string, unknown[]> = {
    sda: [
      { name: '/dev/sda', partition: false, dependencies: [], address: SDA_ADDRESS },
      { name: '/dev/sda1', partition: true, dependencies: ['/dev/sda'] },
    ],
    vda: [
      { name: '/dev/vda', partition: false, address: { ...VDA1_ADDRESS, dev: '/dev/vda' } },
      { name: '/dev/vda1', partition: true, dependencies: ['/dev/vda'] },
    ],
    'dm-0': [{ name: '/dev/dm-0', partition: false, dependencies: ['/dev/vda1'], alias: 'vg-root' }],
    loop0: [],
  };
  const expected = rawOrder(join(path, 'sys/block')).flatMap((name) => perDisk[name] ?? []).reverse();
  assert.deepEqual(await getDisks(root), expected);
});

test('guest-get-fsinfo: block-device mounts only, last first, with disks through device-mapper slaves', async (t) => {
  const { root } = fakeRoot(t, {
    ...diskTree(),
    'proc/self/mountinfo': [
      '22 1 253:0 / / rw,relatime shared:1 - xfs /dev/mapper/vg-root rw',
      '23 22 0:21 / /proc rw - proc proc rw',
      '24 22 8:1 / /mnt/with\\040space rw - ext4 /dev/sda1 rw',
      '25 22 0:40 / /srv rw - btrfs /dev/not-a-device rw',
      '26 22 7:9 / /gone rw - ext4 /dev/loop9 rw',
      '27 22 8:1 /sub /bind rw - ext4 /dev/sda1 rw',
      '',
    ].join('\n'),
    'mnt/with space/.keep': '',
    'dev/not-a-device': '',
  });
  const fsinfo = await getFsInfo(root);
  const withoutBytes = fsinfo.map(({ 'used-bytes': _used, 'total-bytes': _total, ...rest }) => rest);
  assert.deepEqual(withoutBytes, [
    { name: 'sda1', mountpoint: '/bind', type: 'ext4', disk: [{ ...SDA_ADDRESS, dev: '/dev/sda1', serial: undefined }].map(stripUndefined) },
    { name: '7:9', mountpoint: '/gone', type: 'ext4', disk: [] },
    { name: 'sda1', mountpoint: '/mnt/with space', type: 'ext4', disk: [{ ...SDA_ADDRESS, dev: '/dev/sda1', serial: undefined }].map(stripUndefined) },
    { name: 'dm-0', mountpoint: '/', type: 'xfs', disk: [VDA1_ADDRESS] },
  ]);
  // statvfs works on the mount points that exist in the fake tree only.
  const withBytes = fsinfo.filter((fs) => 'used-bytes' in fs).map((fs) => fs.mountpoint);
  assert.deepEqual(withBytes.sort(), ['/', '/mnt/with space']);
  for (const fs of fsinfo.filter((entry) => 'used-bytes' in entry)) {
    assert.ok(Number.isInteger(fs['used-bytes']) && Number.isInteger(fs['total-bytes']));
    assert.ok((fs['used-bytes'] ?? 0) <= (fs['total-bytes'] ?? 0));
  }
});

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}

test('guest-network-get-interfaces: every link in ifindex order, addresses of links Node does not list', async (t) => {
  const link = (index: number, mac: string) => ({ ifindex: `${index}\n`, address: `${mac}\n` });
  const links: Record<string, { ifindex: string; address: string }> = {
    lo: link(1, '00:00:00:00:00:00'),
    eth0: link(2, '52:54:00:12:34:56'),
    docker0: link(5, '02:42:ac:11:00:01'),
    eth1: link(3, '52:54:00:ab:cd:ef'),
    tun0: link(4, ''),
  };
  const tree: Tree = {};
  for (const [name, files] of Object.entries(links)) {
    tree[`sys/devices/virtual/net/${name}/ifindex`] = files.ifindex;
    tree[`sys/devices/virtual/net/${name}/address`] = files.address;
    tree[`sys/class/net/${name}`] = { link: `../../devices/virtual/net/${name}` };
  }
  const counters = (base: number) => Array.from({ length: 16 }, (_, i) => base + i).join(' ');
  Object.assign(tree, {
    'proc/net/dev': `Inter-|   Receive\n face |bytes\n    lo: ${counters(100)}\n  eth0: ${counters(200)}\ndocker0: ${counters(300)}\n  eth1: ${counters(400)}\n`,
    'proc/net/fib_trie': 'Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 172.17.0.1\n        /32 host LOCAL\n     |-- 10.0.0.5\n        /32 host LOCAL\n',
    'proc/net/route':
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n' +
      'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n' +
      'eth0\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0\n',
    'proc/net/if_inet6':
      'fe800000000000000042acfffe110001 05 40 20 80  docker0\n' +
      'fd000000000000000000000000000017 05 40 00 80  docker0\n',
  });
  const { root } = fakeRoot(t, tree);
  const entry = (family: 'IPv4' | 'IPv6', address: string, netmask: string) =>
    ({ address, netmask, family, mac: '00:00:00:00:00:00', internal: false, cidr: null, scopeid: 0 }) as const;
  const nodeInterfaces: NodeInterfaces = {
    lo: [entry('IPv4', '127.0.0.1', '255.0.0.0'), entry('IPv6', '::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')],
    eth0: [entry('IPv4', '10.0.0.5', '255.255.255.0'), entry('IPv6', 'fe80::5054:ff:fe12:3456', 'ffff:ffff:ffff:ffff::')],
    'eth0:1': [entry('IPv4', '10.0.0.6', '255.255.255.0')],
  };
  const stats = (base: number) => ({
    'rx-bytes': base, 'rx-packets': base + 1, 'rx-errs': base + 2, 'rx-dropped': base + 3,
    'tx-bytes': base + 8, 'tx-packets': base + 9, 'tx-errs': base + 10, 'tx-dropped': base + 11,
  });
  assert.deepEqual(await getNetworkInterfaces(root, nodeInterfaces), [
    {
      name: 'lo',
      'hardware-address': '00:00:00:00:00:00',
      'ip-addresses': [
        { 'ip-address-type': 'ipv4', 'ip-address': '127.0.0.1', prefix: 8 },
        { 'ip-address-type': 'ipv6', 'ip-address': '::1', prefix: 128 },
      ],
      statistics: stats(100),
    },
    {
      name: 'eth0',
      'hardware-address': '52:54:00:12:34:56',
      'ip-addresses': [
        { 'ip-address-type': 'ipv4', 'ip-address': '10.0.0.5', prefix: 24 },
        { 'ip-address-type': 'ipv6', 'ip-address': 'fe80::5054:ff:fe12:3456', prefix: 64 },
      ],
      statistics: stats(200),
    },
    { name: 'eth1', 'hardware-address': '52:54:00:ab:cd:ef' },
    { name: 'tun0', 'hardware-address': '00:00:00:00:00:00' },
    {
      name: 'docker0',
      'hardware-address': '02:42:ac:11:00:01',
      'ip-addresses': [
        { 'ip-address-type': 'ipv4', 'ip-address': '172.17.0.1', prefix: 16 },
        { 'ip-address-type': 'ipv6', 'ip-address': 'fd00::17', prefix: 64 },
        { 'ip-address-type': 'ipv6', 'ip-address': 'fe80::42:acff:fe11:1', prefix: 64 },
      ],
      statistics: stats(300),
    },
    {
      name: 'eth0:1',
      'hardware-address': '52:54:00:12:34:56',
      'ip-addresses': [{ 'ip-address-type': 'ipv4', 'ip-address': '10.0.0.6', prefix: 24 }],
    },
  ]);
});

test('guest-get-timezone reads /etc/localtime under the root, and is UTC without one', async (t) => {
  const zoneFile = '/usr/share/zoneinfo/America/New_York';
  let zone: Buffer;
  try {
    zone = readFileSync(zoneFile);
  } catch {
    t.skip(`${zoneFile} missing: install the Debian package tzdata`);
    return;
  }
  const { root } = fakeRoot(t, { 'etc/localtime': zone });
  assert.deepEqual(await getTimezone(root, {}, Date.UTC(2024, 0, 15)), { zone: 'EST', offset: -18000 });
  assert.deepEqual(await getTimezone(root, {}, Date.UTC(2024, 6, 15)), { zone: 'EDT', offset: -14400 });
  // Far past the file's last transition: the footer rule decides.
  assert.deepEqual(await getTimezone(root, {}, Date.UTC(2090, 6, 15)), { zone: 'EDT', offset: -14400 });
  const { root: bare } = fakeRoot(t, { 'etc/.keep': '' });
  assert.deepEqual(await getTimezone(bare, {}), { zone: 'UTC', offset: 0 });
  assert.deepEqual(await getTimezone(bare, { TZ: 'CET-1CEST,M3.5.0,M10.5.0/3' }, Date.UTC(2024, 6, 15)), { zone: 'CEST', offset: 7200 });
});

test('guest-get-osinfo falls back to /usr/lib/os-release when /etc/os-release is unusable', async (t) => {
  const { root } = fakeRoot(t, {
    'etc/os-release': 'ID=debian\nthis line breaks the key file\n',
    'usr/lib/os-release': 'ID=fallback\nVERSION_ID="1.0"\n',
  });
  const info = await getOsInfo(root, {});
  assert.equal(info.id, 'fallback');
  assert.equal(info['version-id'], '1.0');
  assert.equal(typeof info['kernel-release'], 'string');
  const { root: none } = fakeRoot(t, { 'etc/.keep': '' });
  assert.deepEqual(Object.keys(await getOsInfo(none, {})).sort(), ['kernel-release', 'kernel-version', 'machine']);
});

test('the command set registers each command once, guest-get-devices disabled, and honours rootDir', async (t) => {
  const { path } = fakeRoot(t, { 'proc/loadavg': '0.50 1.25 2.00 1/123 4567\n' });
  const commands = systemInfoCommands({ stateDir: path, log: silentLogger(), rootDir: path });
  const dispatcher = new Dispatcher(new CommandRegistry().registerAll(commands), CommandPolicy.allowAll());
  const context = { protocol: 'test', clientId: 'test', log: silentLogger(), signal: new AbortController().signal };
  assert.deepEqual(await dispatcher.call('guest-get-load', undefined, context), { load1m: 0.5, load5m: 1.25, load15m: 2 });
  assert.equal(dispatcher.isEnabled('guest-get-devices'), false);
  await assert.rejects(dispatcher.call('guest-get-devices', undefined, context), { errorClass: 'CommandDisabled' });
  await assert.rejects(dispatcher.call('guest-get-osinfo', { x: 1 }, context), { message: "Parameter 'x' is unexpected" });
  const time = await dispatcher.call('guest-get-time', undefined, context);
  assert.equal(typeof time, 'bigint');
  assert.equal(new Set(commands.map((command) => command.name)).size, commands.length);
});
