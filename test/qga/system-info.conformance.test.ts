/**
 * The system-info commands against the real qemu-ga 7.2: the same requests to both, the
 * replies compared after masking values that change between two reads (counters, used
 * bytes). Time is checked by ordering: qemu-ga before <= hostlink <= qemu-ga after.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { getOsInfo } from '../../src/commands/qga/info/os-info.js';
import { SystemRoot } from '../../src/commands/qga/info/system-root.js';
import { getTimezone } from '../../src/commands/qga/info/timezone.js';
import { startHostlinkQga } from '../helpers/hostlink-qga.js';
import { findProgram, requireProgram } from '../helpers/peers.js';
import { startQemuGa, type RunningQgaPeer } from '../helpers/qga-peer.js';
import { QgaRawClient } from '../helpers/qga-raw-client.js';
import { makeTempDir } from '../helpers/temp.js';

type Reply = Record<string, unknown>;

let reference: RunningQgaPeer | undefined;
let hostlink: RunningQgaPeer | undefined;
let referenceClient: QgaRawClient | undefined;
let hostlinkClient: QgaRawClient | undefined;

before(async () => {
  const qemuGa = findProgram('qemu-ga');
  if (!qemuGa) return;
  reference = await startQemuGa(qemuGa);
  hostlink = await startHostlinkQga();
  referenceClient = await QgaRawClient.connect(reference.socketPath);
  hostlinkClient = await QgaRawClient.connect(hostlink.socketPath);
});

after(async () => {
  referenceClient?.close();
  hostlinkClient?.close();
  await reference?.stop();
  await hostlink?.stop();
});

/** Both clients, or undefined (the test is skipped) without qemu-ga. */
function clients(t: Parameters<typeof requireProgram>[0]): { ref: QgaRawClient; own: QgaRawClient } | undefined {
  if (!requireProgram(t, 'qemu-ga', 'qemu-guest-agent')) return undefined;
  assert.ok(referenceClient && hostlinkClient, 'both agents started');
  return { ref: referenceClient, own: hostlinkClient };
}

async function both(pair: { ref: QgaRawClient; own: QgaRawClient }, execute: string, args?: Record<string, unknown>): Promise<[Reply, Reply]> {
  const fromReference = await pair.ref.request(execute, args);
  const fromHostlink = await pair.own.request(execute, args);
  return [fromReference, fromHostlink];
}

/** Replaces every number under the named members by its type, keeping which members exist. */
function maskNumbers(value: unknown, members: readonly string[], inside = false): unknown {
  if (Array.isArray(value)) return value.map((item) => maskNumbers(item, members, inside));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, maskNumbers(item, members, inside || members.includes(key))]),
    );
  }
  return inside && typeof value === 'number' ? 'number' : value;
}

const DETERMINISTIC = [
  'guest-get-host-name',
  'guest-get-osinfo',
  'guest-get-timezone',
  'guest-get-users',
  'guest-get-vcpus',
  'guest-get-disks',
  'guest-get-memory-blocks',
  'guest-get-memory-block-info',
];

for (const command of DETERMINISTIC) {
  test(`${command} answers what qemu-ga answers`, async (t) => {
    const pair = clients(t);
    if (!pair) return;
    const [fromReference, fromHostlink] = await both(pair, command);
    assert.deepEqual(fromHostlink, fromReference);
  });
}

test('guest-network-get-interfaces: same interfaces, order, MACs, addresses and counter names', async (t) => {
  const pair = clients(t);
  if (!pair) return;
  const [fromReference, fromHostlink] = await both(pair, 'guest-network-get-interfaces');
  assert.ok(Array.isArray(fromReference.return) && fromReference.return.length > 0);
  assert.deepEqual(maskNumbers(fromHostlink, ['statistics']), maskNumbers(fromReference, ['statistics']));
});

test('guest-get-fsinfo: same file systems, in the same order, with the same disks', async (t) => {
  const pair = clients(t);
  if (!pair) return;
  const [fromReference, fromHostlink] = await both(pair, 'guest-get-fsinfo');
  assert.deepEqual(maskNumbers(fromHostlink, ['used-bytes', 'total-bytes']), maskNumbers(fromReference, ['used-bytes', 'total-bytes']));
});

test('guest-get-diskstats: same devices with the same counters present', async (t) => {
  const pair = clients(t);
  if (!pair) return;
  const [fromReference, fromHostlink] = await both(pair, 'guest-get-diskstats');
  assert.ok(Array.isArray(fromReference.return) && fromReference.return.length > 0);
  assert.deepEqual(maskNumbers(fromHostlink, ['stats']), maskNumbers(fromReference, ['stats']));
});

test('guest-get-cpustats: same CPUs with the same members', async (t) => {
  const pair = clients(t);
  if (!pair) return;
  const [fromReference, fromHostlink] = await both(pair, 'guest-get-cpustats');
  const counters = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal', 'guest', 'guestnice'];
  assert.ok(Array.isArray(fromReference.return) && fromReference.return.length > 0);
  assert.deepEqual(maskNumbers(fromHostlink, counters), maskNumbers(fromReference, counters));
});

test('guest-get-time lies between two qemu-ga readings', async (t) => {
  const pair = clients(t);
  if (!pair) return;
  const readTime = async (client: QgaRawClient): Promise<bigint> => {
    client.send('{"execute":"guest-get-time"}');
    const line = (await client.readLineBytes()).toString('latin1');
    const match = /^\{"return": (\d+)\}$/.exec(line);
    assert.ok(match, `an integer reply: ${line}`);
    return BigInt(match[1] ?? '0');
  };
  for (let round = 0; round < 5; round++) {
    const first = await readTime(pair.ref);
    const own = await readTime(pair.own);
    const last = await readTime(pair.ref);
    // Node reads the wall clock in whole milliseconds (hostlink interpolates the microseconds
    // with the monotonic clock), so its reading is exact only to within one millisecond.
    const slack = 1_000_000n;
    assert.ok(first - slack <= own && own <= last + slack, `${first} <= ${own} <= ${last} (within 1 ms)`);
    assert.equal(own % 1000n, 0n, 'microsecond resolution, as qemu-ga');
  }
});

test('guest-get-devices is disabled in both', async (t) => {
  const pair = clients(t);
  if (!pair) return;
  const [fromReference, fromHostlink] = await both(pair, 'guest-get-devices');
  assert.ok('error' in fromReference);
  assert.deepEqual(fromHostlink, fromReference);
});

test('unexpected arguments are refused with qemu-ga\'s words', async (t) => {
  const pair = clients(t);
  if (!pair) return;
  for (const command of [...DETERMINISTIC, 'guest-get-time', 'guest-get-fsinfo', 'guest-get-cpustats', 'guest-network-get-interfaces']) {
    const [fromReference, fromHostlink] = await both(pair, command, { verbose: true });
    assert.ok('error' in fromReference, command);
    assert.deepEqual(fromHostlink, fromReference, command);
  }
});

test('guest-network-get-route (newer than qemu-ga 7.2) lists the kernel routes', async (t) => {
  const pair = clients(t);
  if (!pair) return;
  const [fromReference, fromHostlink] = await both(pair, 'guest-network-get-route');
  assert.equal((fromReference.error as Reply | undefined)?.class, 'CommandNotFound', 'qemu-ga 7.2 has no such command');
  const routes = fromHostlink.return as Reply[];
  const ipv4Lines = readFileSync('/proc/net/route', 'utf8').split('\n').slice(1).filter((line) => line.trim() !== '');
  assert.equal(routes.filter((route) => route.version === 4).length, ipv4Lines.length);
  const links = new Set(readLinks());
  for (const route of routes) {
    assert.ok(links.has(String(route.iface)), `route on a known link: ${JSON.stringify(route)}`);
    assert.equal(typeof route.destination, 'string');
    assert.equal(typeof route.metric, 'number');
  }
});

function readLinks(): string[] {
  return readFileSync('/proc/net/dev', 'utf8')
    .split('\n')
    .slice(2)
    .map((line) => line.split(':')[0]?.trim() ?? '')
    .filter((name) => name !== '');
}

test('guest-get-load (newer than qemu-ga 7.2) reports /proc/loadavg', async (t) => {
  const pair = clients(t);
  if (!pair) return;
  const readings = (text: string) => text.trim().split(/\s+/).slice(0, 3).map(Number);
  const earlier = readings(readFileSync('/proc/loadavg', 'utf8'));
  const [fromReference, fromHostlink] = await both(pair, 'guest-get-load');
  const later = readings(readFileSync('/proc/loadavg', 'utf8'));
  assert.equal((fromReference.error as Reply | undefined)?.class, 'CommandNotFound', 'qemu-ga 7.2 has no such command');
  const load = fromHostlink.return as Record<string, number>;
  assert.deepEqual(Object.keys(load).sort(), ['load15m', 'load1m', 'load5m']);
  for (const [index, member] of ['load1m', 'load5m', 'load15m'].entries()) {
    assert.ok([earlier[index], later[index]].includes(load[member]), `${member} ${load[member]} read from /proc/loadavg`);
  }
});

/** Starts qemu-ga with extra environment, asks one command, stops it. */
async function askReference(qemuGa: string, env: NodeJS.ProcessEnv, command: string): Promise<Reply> {
  const peer = await startQemuGa(qemuGa, { env: { ...process.env, ...env } });
  try {
    const client = await QgaRawClient.connect(peer.socketPath);
    try {
      return await client.request(command);
    } finally {
      client.close();
    }
  } finally {
    await peer.stop();
  }
}

test('guest-get-timezone follows TZ as qemu-ga (GLib) does', async (t) => {
  const qemuGa = requireProgram(t, 'qemu-ga', 'qemu-guest-agent');
  if (!qemuGa) return;
  const root = new SystemRoot('/');
  const zones = ['America/New_York', 'Australia/Sydney', 'Asia/Kolkata', ':Europe/Berlin', 'EST5EDT,M3.2.0,M11.1.0', 'UTC', 'No/Such_Zone'];
  for (const tz of zones) {
    const fromReference = await askReference(qemuGa, { TZ: tz }, 'guest-get-timezone');
    assert.deepEqual({ return: await getTimezone(root, { TZ: tz }) }, fromReference, `TZ=${tz}`);
  }
});

test('guest-get-osinfo parses os-release files as qemu-ga does, quirks included', async (t) => {
  const qemuGa = requireProgram(t, 'qemu-ga', 'qemu-guest-agent');
  if (!qemuGa) return;
  const temp = makeTempDir('hostlink-osrelease-');
  t.after(() => temp.remove());
  const files: Record<string, string | Buffer> = {
    quirks: [
      '# a comment',
      '',
      '  ID=foo   ',
      'NAME = "Hello \\"W\\" \\x"  ',
      'VERSION=a;b c',
      'VERSION_ID="abc',
      'VARIANT=\t x\t',
      'VARIANT_ID=1',
      'VARIANT_ID=2\r',
      "PRETTY_NAME='a b'",
      'NAME[de]=ignored',
      '[other]',
      'ID=not-this-one',
    ].join('\n'),
    escapes: 'ID=x\nVERSION="a\\\\b\\$c\\nd"e f\nNAME=\x0b"n"\nVARIANT=\nVERSION_ID\t=1\n',
    'not a key file': 'ID=foo\njunk line\n',
    'bad key': 'ID=x\nA]B=1\n',
    'bad utf-8': Buffer.from('ID=f\xffoo\n', 'latin1'),
  };
  const root = new SystemRoot('/');
  for (const [label, content] of Object.entries(files)) {
    const path = join(temp.path, label.replace(/\W/g, '-'));
    writeFileSync(path, content);
    const fromReference = await askReference(qemuGa, { QGA_OS_RELEASE: path }, 'guest-get-osinfo');
    assert.deepEqual({ return: await getOsInfo(root, { QGA_OS_RELEASE: path }) }, fromReference, label);
  }
});
