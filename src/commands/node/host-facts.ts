/**
 * The system facts of the JumpScale node commands, in the shapes the original agent
 * returned (gopsutil's host, cpu, mem, disk and net structures, snake_case). Where a
 * fact is one the QGA commands already read (os-release, mounts, interfaces), their
 * readers are used, so both command sets agree.
 */
import { statfs } from 'node:fs/promises';
import { hostname, release } from 'node:os';
import { getNetworkInterfaces } from '../qga/info/network-interfaces.js';
import { listLocalMounts } from '../qga/info/mounts.js';
import { getOsInfo } from '../qga/info/os-info.js';
import type { SystemRoot } from '../qga/info/system-root.js';

const KIB = 1024;

async function countProcesses(root: SystemRoot): Promise<number> {
  const entries = await root.listDir('/proc').catch(() => []);
  return entries.filter((entry) => /^\d+$/.test(entry.name)).length;
}

async function uptimeSeconds(root: SystemRoot): Promise<number> {
  const text = await root.tryReadText('/proc/uptime');
  const seconds = Number(text?.split(/\s+/)[0]);
  return Number.isFinite(seconds) ? Math.floor(seconds) : 0;
}

/** systemd-detect-virt's idea, cheaply: the hypervisor flag and the DMI vendor. */
async function virtualization(root: SystemRoot, cpuinfo: string | undefined): Promise<{ system: string; role: string }> {
  const vendor = (await root.tryReadText('/sys/class/dmi/id/sys_vendor'))?.trim().toLowerCase() ?? '';
  const known: Array<[string, string]> = [
    ['qemu', 'kvm'],
    ['kvm', 'kvm'],
    ['vmware', 'vmware'],
    ['xen', 'xen'],
    ['microsoft', 'hyperv'],
    ['innotek', 'vbox'],
  ];
  for (const [needle, system] of known) if (vendor.includes(needle)) return { system, role: 'guest' };
  if (cpuinfo && /^flags\s*:.*\bhypervisor\b/m.test(cpuinfo)) return { system: 'kvm', role: 'guest' };
  return { system: '', role: '' };
}

/** get_os_info: gopsutil's host.Info. */
export async function osInfo(root: SystemRoot): Promise<Record<string, unknown>> {
  const release_ = await getOsInfo(root, process.env);
  const cpuinfo = await root.tryReadText('/proc/cpuinfo');
  const virt = await virtualization(root, cpuinfo);
  const id = release_.id ?? 'linux';
  return {
    hostname: hostname(),
    uptime: await uptimeSeconds(root),
    procs: await countProcesses(root),
    os: 'linux',
    platform: id,
    platform_family: id === 'ubuntu' ? 'debian' : id,
    platform_version: release_['version-id'] ?? '',
    kernel_version: release(),
    virtualization_system: virt.system,
    virtualization_role: virt.role,
  };
}

/** /proc/cpuinfo records, one per logical CPU. */
export function parseCpuinfo(text: string): Array<Record<string, unknown>> {
  const cpus: Array<Record<string, unknown>> = [];
  for (const block of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of block.split('\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
    if (!fields.has('processor')) continue;
    const number = (key: string): number => Number(fields.get(key) ?? 0) || 0;
    cpus.push({
      cpu: number('processor'),
      vendor_id: fields.get('vendor_id') ?? '',
      family: fields.get('cpu family') ?? '',
      model: fields.get('model') ?? '',
      stepping: number('stepping'),
      physical_id: fields.get('physical id') ?? '',
      core_id: fields.get('core id') ?? '',
      cores: number('cpu cores') || 1,
      model_name: fields.get('model name') ?? '',
      mhz: number('cpu MHz'),
      cache_size: Number.parseInt(fields.get('cache size') ?? '0', 10) || 0,
      flags: (fields.get('flags') ?? '').split(/\s+/).filter((flag) => flag !== ''),
    });
  }
  return cpus;
}

export async function cpuInfo(root: SystemRoot): Promise<Array<Record<string, unknown>>> {
  return parseCpuinfo(await root.readText('/proc/cpuinfo'));
}

/** /proc/meminfo values in bytes, by key. */
export function parseMeminfo(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([^:]+):\s+(\d+)(?:\s+kB)?$/.exec(line.trim());
    if (match) values.set(match[1]!, Number(match[2]) * (line.includes('kB') ? KIB : 1));
  }
  return values;
}

/** get_mem_info: gopsutil's mem.VirtualMemory. */
export async function memInfo(root: SystemRoot): Promise<Record<string, number>> {
  const values = parseMeminfo(await root.readText('/proc/meminfo'));
  const get = (key: string): number => values.get(key) ?? 0;
  const total = get('MemTotal');
  const free = get('MemFree');
  const buffers = get('Buffers');
  const cached = get('Cached') + get('SReclaimable');
  const available = values.get('MemAvailable') ?? free + buffers + cached;
  const used = total - free - buffers - cached;
  return {
    total,
    available,
    used,
    used_percent: total === 0 ? 0 : Math.round((used / total) * 10000) / 100,
    free,
    active: get('Active'),
    inactive: get('Inactive'),
    buffers,
    cached,
    shared: get('Shmem'),
    swap_total: get('SwapTotal'),
    swap_free: get('SwapFree'),
  };
}

async function deviceName(root: SystemRoot, major: number, minor: number): Promise<string> {
  try {
    const target = await root.readlink(`/sys/dev/block/${major}:${minor}`);
    return `/dev/${target.slice(target.lastIndexOf('/') + 1)}`;
  } catch {
    return `${major}:${minor}`;
  }
}

/** get_disk_info: the local file systems (as guest-get-fsinfo sees them) with their usage. */
export async function diskInfo(root: SystemRoot): Promise<Array<Record<string, unknown>>> {
  const disks: Array<Record<string, unknown>> = [];
  for (const mount of await listLocalMounts(root)) {
    const entry: Record<string, unknown> = {
      device: await deviceName(root, mount.major, mount.minor),
      mountpoint: mount.mountpoint,
      fstype: mount.type,
    };
    try {
      const usage = await statfs(root.resolve(mount.mountpoint));
      const total = usage.blocks * usage.bsize;
      const free = usage.bavail * usage.bsize;
      const used = (usage.blocks - usage.bfree) * usage.bsize;
      Object.assign(entry, {
        total,
        free,
        used,
        used_percent: used + free === 0 ? 0 : Math.round((used / (used + free)) * 10000) / 100,
        inodes_total: usage.files,
        inodes_free: usage.ffree,
      });
    } catch {
      // unreadable mount point: listed without usage
    }
    disks.push(entry);
  }
  return disks;
}

/** get_nic_info: gopsutil's net.Interfaces, from the interfaces guest-network-get-interfaces reports. */
export async function nicInfo(root: SystemRoot): Promise<Array<Record<string, unknown>>> {
  const nics: Array<Record<string, unknown>> = [];
  for (const nic of await getNetworkInterfaces(root)) {
    const mtu = Number((await root.tryReadText(`/sys/class/net/${nic.name}/mtu`))?.trim());
    const state = (await root.tryReadText(`/sys/class/net/${nic.name}/operstate`))?.trim() ?? '';
    nics.push({
      name: nic.name,
      hardwareaddr: nic['hardware-address'] ?? '',
      mtu: Number.isFinite(mtu) ? mtu : 0,
      flags: state === 'up' || nic.name === 'lo' ? ['up'] : [],
      addrs: (nic['ip-addresses'] ?? []).map((address) => ({ addr: `${address['ip-address']}/${address.prefix}` })),
    });
  }
  return nics;
}
