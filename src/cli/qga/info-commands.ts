/** Read-only `hostlink qga` commands: one agent call each, a table or `--json`. */
import type { Command } from 'commander';
import type { GuestCpuStats, GuestDiskStatsInfo } from '../../client/index.js';
import { qgaAction, type QgaRun } from './context.js';
import { formatBytes, json, keyValues, table } from './format.js';

/** Adds a command that makes one call and prints its result as text (or JSON with --json). */
function simple<T>(parent: Command, name: string, description: string, fetch: (run: QgaRun) => Promise<T>, render: (result: T) => string): void {
  parent
    .command(name)
    .description(description)
    .action(
      qgaAction(async (run) => {
        const result = await fetch(run);
        run.out(run.json ? json(result ?? {}) : render(result));
      }),
    );
}

export function addInfoCommands(qga: Command): void {
  qga
    .command('ping')
    .description('check that the guest agent answers')
    .action(
      qgaAction(async (run) => {
        const started = process.hrtime.bigint();
        await run.client.ping();
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        run.out(run.json ? json({}) : `the guest agent answered in ${ms.toFixed(1)} ms`);
      }),
    );

  simple(qga, 'info', 'agent version and the commands it supports', (run) => run.client.info(), (info) =>
    `version: ${info.version}\n` +
    table(
      ['command', 'enabled', 'reply'],
      [...info.supported_commands].sort((a, b) => a.name.localeCompare(b.name)).map((entry) => [entry.name, entry.enabled, entry['success-response'] ? 'yes' : 'no (on success)']),
    ),
  );

  simple(qga, 'osinfo', 'guest operating system', (run) => run.client.getOsinfo(), (os) =>
    keyValues([
      ['name', os['pretty-name'] ?? os.name],
      ['id', os.id],
      ['version', os.version],
      ['version-id', os['version-id']],
      ['variant', os.variant],
      ['kernel', os['kernel-release']],
      ['kernel-version', os['kernel-version']],
      ['machine', os.machine],
    ]),
  );

  simple(qga, 'hostname', "guest's host name", (run) => run.client.getHostName(), (result) => result['host-name']);

  simple(qga, 'time', "guest's clock", (run) => run.client.getTime(), (ns) => `${new Date(Math.floor(ns / 1e6)).toISOString()} (${ns} ns since the epoch)`);

  simple(qga, 'timezone', "guest's time zone", (run) => run.client.getTimezone(), (zone) => {
    const sign = zone.offset < 0 ? '-' : '+';
    const minutes = Math.abs(zone.offset) / 60;
    const offset = `${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
    return `${zone.zone ?? 'unnamed'} (UTC${offset})`;
  });

  simple(qga, 'users', 'users logged in to the guest', (run) => run.client.getUsers(), (users) =>
    users.length === 0
      ? 'no users are logged in'
      : table(['user', 'domain', 'login time'], users.map((user) => [user.user, user.domain, new Date(user['login-time'] * 1000).toISOString()])),
  );

  simple(qga, 'network', 'network interfaces and addresses', (run) => run.client.networkGetInterfaces(), (interfaces) =>
    table(
      ['interface', 'hardware address', 'addresses', 'rx', 'tx'],
      interfaces.map((nic) => [
        nic.name,
        nic['hardware-address'],
        (nic['ip-addresses'] ?? []).map((address) => `${address['ip-address']}/${address.prefix}`).join(' ') || undefined,
        nic.statistics ? formatBytes(nic.statistics['rx-bytes']) : undefined,
        nic.statistics ? formatBytes(nic.statistics['tx-bytes']) : undefined,
      ]),
    ),
  );

  simple(qga, 'routes', 'routing table (agents from QEMU 9.1)', (run) => run.client.networkGetRoute(), (routes) =>
    table(
      ['interface', 'destination', 'gateway', 'metric', 'ip'],
      routes.map((route) => [
        route.iface,
        route.version === 6 ? `${route.destination}/${route.desprefixlen ?? '?'}` : route.mask ? `${route.destination}/${route.mask}` : route.destination,
        route.gateway ?? route.nexthop,
        route.metric,
        `v${route.version}`,
      ]),
    ),
  );

  simple(qga, 'vcpus', 'virtual CPUs', (run) => run.client.getVcpus(), (cpus) =>
    table(['cpu', 'online', 'can offline'], [...cpus].sort((a, b) => a['logical-id'] - b['logical-id']).map((cpu) => [cpu['logical-id'], cpu.online, cpu['can-offline']])),
  );

  simple(qga, 'disks', 'block devices', (run) => run.client.getDisks(), (disks) =>
    table(
      ['name', 'partition', 'alias', 'bus', 'serial', 'depends on'],
      disks.map((disk) => [disk.name, disk.partition, disk.alias, disk.address?.['bus-type'], disk.address?.serial, disk.dependencies?.join(' ') || undefined]),
    ),
  );

  simple(qga, 'fsinfo', 'mounted file systems', (run) => run.client.getFsinfo(), (filesystems) =>
    table(
      ['mountpoint', 'device', 'type', 'used', 'total', 'disks'],
      filesystems.map((fs) => [
        fs.mountpoint,
        fs.name,
        fs.type,
        formatBytes(fs['used-bytes']),
        formatBytes(fs['total-bytes']),
        fs.disk.map((disk) => disk.dev ?? disk['bus-type']).join(' ') || undefined,
      ]),
    ),
  );

  simple(qga, 'cpustats', 'per-CPU times (ms)', (run) => run.client.getCpustats(), (stats: GuestCpuStats[]) =>
    table(
      ['cpu', 'user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'],
      stats.map((cpu) => [cpu.cpu, cpu.user, cpu.nice, cpu.system, cpu.idle, cpu.iowait, cpu.irq, cpu.softirq, cpu.steal]),
    ),
  );

  simple(qga, 'diskstats', 'per-disk I/O counters', (run) => run.client.getDiskstats(), (disks: GuestDiskStatsInfo[]) =>
    table(
      ['disk', 'dev', 'reads', 'read sectors', 'writes', 'write sectors', 'in flight', 'io ms'],
      disks.map((disk) => [
        disk.name,
        `${disk.major}:${disk.minor}`,
        disk.stats['read-ios'],
        disk.stats['read-sectors'],
        disk.stats['write-ios'],
        disk.stats['write-sectors'],
        disk.stats['ios-pgr'],
        disk.stats['total-ticks'],
      ]),
    ),
  );

  simple(qga, 'load', 'load averages (agents from QEMU 10.0)', (run) => run.client.getLoad(), (load) =>
    `${load.load1m.toFixed(2)} ${load.load5m.toFixed(2)} ${load.load15m.toFixed(2)} (1, 5, 15 minutes)`,
  );
}
