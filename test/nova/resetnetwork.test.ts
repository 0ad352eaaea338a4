/**
 * resetnetwork: each renderer into a fake root, checked by the real tools where Debian
 * has them (ifquery from ifupdown, `netplan generate` from netplan.io) and against
 * expected files for the others; the original's bugs fixed; /etc/hosts rewrites; bad
 * descriptions change nothing; on a running system the apply programs run (fakes).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { rewriteHosts } from '../../src/commands/nova/network/host-files.js';
import { parseNetworkConfig } from '../../src/commands/nova/network/network-config.js';
import type { RendererName } from '../../src/commands/nova/network/network-plan.js';
import { chooseRenderer, resetNetwork } from '../../src/commands/nova/network/reset-network.js';
import { networkFromValue } from '../../src/commands/nova/network/vm-data.js';
import { silentLogger } from '../../src/core/logger.js';
import { requireProgram } from '../helpers/peers.js';
import { makeTempDir } from '../helpers/temp.js';
import { novaExchange, startNovaAgent } from './nova-helpers.js';

const PUBLIC = {
  label: 'public',
  mac: '40:40:8f:1e:a0:0a',
  ips: [
    { ip: '203.0.113.5', netmask: '255.255.255.0', enabled: '1', gateway: '203.0.113.1' },
    { ip: '203.0.113.6', netmask: '255.255.255.0', enabled: '1' },
    { ip: '203.0.113.7', netmask: '255.255.255.0', enabled: '0' },
  ],
  // The address's gateway is overridden by the interface-level gateway_v6 (the original ignored it).
  ip6s: [
    { ip: '2001:db8::5', netmask: 64, enabled: '1', gateway: 'fe80::1' },
    { ip: '2001:DB8::6', netmask: '64', enabled: '1' },
  ],
  gateway_v6: '2001:db8::1',
  dns: ['8.8.8.8', '2001:4860:4860::8888'],
};
const PRIVATE = {
  label: 'private',
  mac: '40408F1EA00B',
  ips: [{ ip: '10.0.0.5', netmask: '255.255.224.0', enabled: '1' }],
  routes: [
    { route: '10.176.0.0', netmask: '255.240.0.0', gateway: '10.0.0.1' },
    { route: '10.208.0.0', netmask: '255.240.0.0', gateway: '10.0.0.1' },
  ],
  dns: ['8.8.8.8'],
};
const DESCRIPTION = { hostname: 'web1.example.com', interfaces: [PUBLIC, PRIVATE] };

function fakeRoot(base: string, marker?: string): string {
  const root = join(base, 'root');
  for (const [name, mac] of [['eth0', '40:40:8f:1e:a0:0a'], ['eth1', '40:40:8f:1e:a0:0b'], ['lo', '00:00:00:00:00:00']] as const) {
    mkdirSync(join(root, 'sys/class/net', name), { recursive: true });
    writeFileSync(join(root, 'sys/class/net', name, 'address'), `${mac}\n`);
  }
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc/hostname'), 'oldname\n');
  writeFileSync(join(root, 'etc/hosts'), '127.0.0.1\tlocalhost\n127.0.1.1\toldname\n');
  if (marker) mkdirSync(join(root, marker), { recursive: true });
  return root;
}

async function withRoot(marker: string | undefined, run: (root: string) => Promise<void>): Promise<void> {
  const temp = makeTempDir('hostlink-resetnetwork-');
  try {
    await run(fakeRoot(temp.path, marker));
  } finally {
    temp.remove();
  }
}

async function reset(root: string, renderer?: RendererName, description: Record<string, unknown> = DESCRIPTION): Promise<void> {
  await resetNetwork(networkFromValue(description), { rootDir: root, log: silentLogger(), ...(renderer ? { renderer } : {}) });
}

const read = (root: string, path: string): string => readFileSync(join(root, path), 'utf8');

test('the renderer follows what the root contains', async () => {
  for (const [marker, expected] of [['etc/netplan', 'netplan'], ['etc/sysconfig/network-scripts', 'ifcfg'], ['etc/network/interfaces', 'ifupdown'], ['etc/systemd/network', 'networkd']] as const) {
    await withRoot(undefined, async (root) => {
      if (marker === 'etc/network/interfaces') {
        mkdirSync(join(root, 'etc/network'));
        writeFileSync(join(root, marker), '');
      } else mkdirSync(join(root, marker), { recursive: true });
      assert.equal(await chooseRenderer(root), expected, marker);
    });
  }
  await withRoot(undefined, async (root) => {
    await assert.rejects(chooseRenderer(root), /cannot tell how this system configures its network/);
  });
});

test('ifupdown: ifquery reads every interface; DNS once per interface; gateway_v6 honoured', async (t) => {
  const ifquery = requireProgram(t, 'ifquery', 'ifupdown');
  if (!ifquery) return;
  await withRoot('etc/network', async (root) => {
    writeFileSync(join(root, 'etc/network/interfaces'), 'auto eth0\niface eth0 inet dhcp\n');
    await reset(root);
    const file = join(root, 'etc/network/interfaces');
    const query = (name: string): string => {
      const result = spawnSync(ifquery, ['-i', file, name], { encoding: 'utf8' });
      assert.equal(result.status, 0, `ifquery ${name}: ${result.stderr}`);
      return result.stdout;
    };
    const list = spawnSync(ifquery, ['-i', file, '--list'], { encoding: 'utf8' });
    assert.deepEqual(list.stdout.trim().split('\n'), ['lo', 'eth0', 'eth0:1', 'eth1']);
    const eth0 = query('eth0');
    for (const line of ['address: 203.0.113.5', 'netmask: 255.255.255.0', 'gateway: 203.0.113.1', 'hwaddress: 40:40:8f:1e:a0:0a', 'address: 2001:db8::5', 'netmask: 64', 'gateway: 2001:db8::1', 'up: ip -6 addr add 2001:db8::6/64 dev eth0']) {
      assert.ok(eth0.split('\n').includes(line), `eth0 has "${line}":\n${eth0}`);
    }
    assert.equal(eth0.split('\n').filter((line) => line.startsWith('dns-nameservers')).length, 1, 'dns once');
    assert.ok(!eth0.includes('203.0.113.7'), 'a disabled address is left out');
    assert.match(query('eth0:1'), /^address: 203\.0\.113\.6$/m);
    assert.ok(!query('eth0:1').includes('dns-nameservers'));
    const eth1 = query('eth1');
    assert.match(eth1, /^up: ip route add 10\.176\.0\.0\/12 via 10\.0\.0\.1 dev eth1$/m);
    assert.match(eth1, /^up: ip route add 10\.208\.0\.0\/12 via 10\.0\.0\.1 dev eth1$/m);
    assert.match(eth1, /^netmask: 255\.255\.224\.0$/m);
    assert.equal(read(root, 'etc/hostname'), 'web1.example.com\n');
    assert.equal(read(root, 'etc/resolv.conf').split('\n').filter((line) => line.startsWith('nameserver')).join(','), 'nameserver 8.8.8.8,nameserver 2001:4860:4860::8888');
  });
});

test('netplan: netplan generate --root-dir accepts the file and produces the addresses and routes', async (t) => {
  const netplan = requireProgram(t, 'netplan', 'netplan.io');
  if (!netplan) return;
  await withRoot('etc/netplan', async (root) => {
    await reset(root);
    const result = spawnSync(netplan, ['generate', '--root-dir', root], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr.includes('Permissions'), false, `no permission warning: ${result.stderr}`);
    const eth0 = read(root, 'run/systemd/network/10-netplan-eth0.network');
    for (const line of ['PermanentMACAddress=40:40:8f:1e:a0:0a', 'Address=203.0.113.5/24', 'Address=203.0.113.6/24', 'Address=2001:db8::5/64', 'Address=2001:db8::6/64', 'DNS=8.8.8.8', 'Gateway=203.0.113.1', 'Gateway=2001:db8::1']) {
      assert.ok(eth0.split('\n').includes(line), `eth0 has "${line}":\n${eth0}`);
    }
    const eth1 = read(root, 'run/systemd/network/10-netplan-eth1.network');
    assert.match(eth1, /Destination=10\.176\.0\.0\/12\nGateway=10\.0\.0\.1/);
    assert.match(eth1, /Destination=10\.208\.0\.0\/12\nGateway=10\.0\.0\.1/);
  });
});

const IFCFG_ETH0 = `# Written by hostlink (nova resetnetwork); the next reset replaces it.
DEVICE=eth0
HWADDR=40:40:8f:1e:a0:0a
TYPE=Ethernet
ONBOOT=yes
BOOTPROTO=none
IPADDR=203.0.113.5
NETMASK=255.255.255.0
IPADDR1=203.0.113.6
NETMASK1=255.255.255.0
GATEWAY=203.0.113.1
IPV6INIT=yes
IPV6_AUTOCONF=no
IPV6ADDR=2001:db8::5/64
IPV6ADDR_SECONDARIES="2001:db8::6/64"
IPV6_DEFAULTGW=2001:db8::1
DNS1=8.8.8.8
DNS2=2001:4860:4860::8888
`;

const ROUTE_ETH1 = `# Written by hostlink (nova resetnetwork); the next reset replaces it.
ADDRESS0=10.176.0.0
NETMASK0=255.240.0.0
GATEWAY0=10.0.0.1
ADDRESS1=10.208.0.0
NETMASK1=255.240.0.0
GATEWAY1=10.0.0.1
`;

test('ifcfg: expected files; stale route and alias files removed; /etc/sysconfig/network keeps its other keys', async () => {
  await withRoot('etc/sysconfig/network-scripts', async (root) => {
    const scripts = join(root, 'etc/sysconfig/network-scripts');
    writeFileSync(join(scripts, 'route-eth0'), 'ADDRESS0=1.2.3.0\n');
    writeFileSync(join(scripts, 'ifcfg-eth0:1'), 'DEVICE=eth0:1\n');
    writeFileSync(join(scripts, 'ifcfg-lo'), 'DEVICE=lo\n');
    writeFileSync(join(root, 'etc/sysconfig/network'), 'NOZEROCONF=yes\nHOSTNAME=oldname\n');
    await reset(root);
    assert.equal(read(root, 'etc/sysconfig/network-scripts/ifcfg-eth0'), IFCFG_ETH0);
    assert.equal(read(root, 'etc/sysconfig/network-scripts/route-eth1'), ROUTE_ETH1);
    assert.match(read(root, 'etc/sysconfig/network-scripts/ifcfg-eth1'), /^IPADDR=10\.0\.0\.5\nNETMASK=255\.255\.224\.0\nDNS1=8\.8\.8\.8\n$/m);
    assert.deepEqual(readdirSync(scripts).sort(), ['ifcfg-eth0', 'ifcfg-eth1', 'ifcfg-lo', 'route-eth1']);
    assert.equal(read(root, 'etc/sysconfig/network'), 'NOZEROCONF=yes\nHOSTNAME=web1.example.com\nNETWORKING=yes\n');
  });
});

test('systemd-networkd: expected files; files of interfaces that are gone are removed', async () => {
  await withRoot('etc/systemd/network', async (root) => {
    writeFileSync(join(root, 'etc/systemd/network/10-hostlink-eth9.network'), '[Match]\n');
    writeFileSync(join(root, 'etc/systemd/network/99-admin.network'), '[Match]\n');
    await reset(root, undefined, { interfaces: [PRIVATE] });
    assert.deepEqual(readdirSync(join(root, 'etc/systemd/network')).sort(), ['10-hostlink-eth1.network', '99-admin.network']);
    assert.equal(
      read(root, 'etc/systemd/network/10-hostlink-eth1.network'),
      '# Written by hostlink (nova resetnetwork); the next reset replaces it.\n[Match]\nMACAddress=40:40:8f:1e:a0:0b\n\n[Network]\nAddress=10.0.0.5/19\nDNS=8.8.8.8\n\n[Route]\nDestination=10.176.0.0/12\nGateway=10.0.0.1\n\n[Route]\nDestination=10.208.0.0/12\nGateway=10.0.0.1\n',
    );
    assert.equal(read(root, 'etc/hostname'), 'oldname\n', 'no hostname in the description: unchanged');
  });
});

test('/etc/hosts rewrites', () => {
  assert.equal(rewriteHosts(undefined, undefined, 'web1'), '127.0.0.1\tlocalhost\n127.0.1.1\tweb1\n::1\tlocalhost ip6-localhost ip6-loopback\n');
  assert.equal(rewriteHosts('127.0.0.1\tlocalhost\n127.0.1.1\told.example.com old\n', 'old.example.com', 'web1.example.com'), '127.0.0.1\tlocalhost\n127.0.1.1\tweb1.example.com web1\n');
  // The old name elsewhere is taken off; a line left without names goes; comments and others stay.
  assert.equal(
    rewriteHosts('# static\n127.0.0.1 localhost old\n10.0.0.9 old\n10.0.0.8 db old # db\n::1 localhost\n', 'old', 'new'),
    '# static\n127.0.0.1\tlocalhost\n127.0.1.1\tnew\n10.0.0.8\tdb\n::1 localhost\n',
  );
  // No 127.0.0.1 line: ours goes first; the same name twice is not repeated.
  assert.equal(rewriteHosts('10.1.1.1 new\n', undefined, 'new'), '127.0.1.1\tnew\n');
  assert.equal(rewriteHosts('127.0.0.1 localhost\n', 'localhost', 'new'), '127.0.0.1 localhost\n127.0.1.1\tnew\n', 'localhost is never removed');
});

test('bad descriptions are refused before anything is written', async () => {
  await withRoot('etc/netplan', async (root) => {
    const attempts: [Record<string, unknown>, RegExp][] = [
      [{ interfaces: [{ ...PUBLIC, mac: '40:40:8f:1e:a0:ff' }] }, /no network interface has the MAC address 40:40:8f:1e:a0:ff/],
      [{ interfaces: [{ ...PRIVATE, ips: [{ ip: '10.0.0.5\n    up rm -rf /', netmask: '255.255.255.0' }] }] }, /is not an IPv4 address/],
      [{ interfaces: [{ ...PRIVATE, ips: [{ ip: '10.0.0.5', netmask: '255.0.255.0' }] }] }, /is not a netmask/],
      [{ interfaces: [{ ...PRIVATE, dns: ['8.8.8.8 evil'] }] }, /dns\[0\] is not an IPv4 address/],
      [{ hostname: 'bad name', interfaces: [PRIVATE] }, /not a valid host name/],
      [{ interfaces: [PRIVATE, PRIVATE] }, /two interfaces have the MAC address/],
      [{ interfaces: 'x' }, /"interfaces" must be a list/],
    ];
    for (const [description, error] of attempts) await assert.rejects(reset(root, undefined, description), error);
    assert.deepEqual(readdirSync(join(root, 'etc/netplan')), []);
    assert.equal(read(root, 'etc/hostname'), 'oldname\n');
    assert.equal(existsSync(join(root, 'etc/resolv.conf')), false);
  });
  assert.throws(() => parseNetworkConfig(undefined, [{ where: 'x', document: [] }]), /x is not a JSON object/);
});

test('a resolv.conf that is a link is left to its resolver', async () => {
  await withRoot('etc/netplan', async (root) => {
    symlinkSync('../run/systemd/resolve/stub-resolv.conf', join(root, 'etc/resolv.conf'));
    await reset(root);
    assert.equal(existsSync(join(root, 'run/systemd/resolve/stub-resolv.conf')), false);
  });
});

test('over the nova protocol: the description as the value; applied with the system programs when asked', async () => {
  const temp = makeTempDir('hostlink-resetnetwork-apply-');
  try {
    const root = fakeRoot(temp.path, 'etc/netplan');
    const record = join(temp.path, 'record');
    const fake = (name: string): string => {
      const path = join(temp.path, name);
      writeFileSync(path, `#!/bin/sh\necho "${name} $*" >> '${record}'\n`);
      chmodSync(path, 0o755);
      return path;
    };
    const agent = await startNovaAgent({ rootDir: root, applyNetwork: true, programs: { netplan: fake('netplan'), hostnamectl: fake('hostnamectl') } });
    try {
      const [reply, noSource] = await novaExchange(agent.socket, [{ name: 'resetnetwork', value: DESCRIPTION }, { name: 'resetnetwork' }]);
      assert.deepEqual(reply, { returncode: '0', message: '' });
      assert.deepEqual(noSource, { returncode: '500', message: 'resetnetwork: no XenStore to read vm-data from; send the description as the value' });
      assert.equal(readFileSync(record, 'utf8'), 'hostnamectl set-hostname web1.example.com\nnetplan apply\n');
      assert.ok(existsSync(join(root, 'etc/netplan/90-hostlink-nova.yaml')));
    } finally {
      await agent.close();
    }
  } finally {
    temp.remove();
  }
});
