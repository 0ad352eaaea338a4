/**
 * The read-only QGA commands that report the system, as qemu-ga 7.2 answers them on
 * Linux, plus two newer ones: guest-network-get-route (QEMU 9.1) and guest-get-load
 * (QEMU 10.0). Facts are read from /proc, /sys, /etc and /run under `rootDir`.
 */
import { hostname } from 'node:os';
import { defineCommand, type CommandDefinition } from '../../core/registry.js';
import { getCpuStats } from './info/cpustats.js';
import { getDevices } from './info/devices.js';
import { getDisks } from './info/disks.js';
import { getDiskStats } from './info/diskstats.js';
import { getFsInfo } from './info/fsinfo.js';
import { getLoad } from './info/load.js';
import { getMemoryBlockInfo, getMemoryBlocks } from './info/memory-blocks.js';
import { getNetworkInterfaces } from './info/network-interfaces.js';
import { getNetworkRoutes } from './info/network-routes.js';
import { getOsInfo } from './info/os-info.js';
import { realTimeMicros } from './info/realtime-clock.js';
import { SystemRoot } from './info/system-root.js';
import { getTimezone } from './info/timezone.js';
import { getUsers } from './info/users.js';
import { getVcpus } from './info/vcpus.js';
import type { QgaCommandOptions } from './index.js';

export function systemInfoCommands(options: QgaCommandOptions): CommandDefinition[] {
  const root = new SystemRoot(options.rootDir ?? '/');
  return [
    defineCommand({
      name: 'guest-get-time',
      description: 'Guest system time in nanoseconds since the Epoch (microsecond resolution, as qemu-ga)',
      // A bigint: nanoseconds since the Epoch exceed 2^53, and must print exactly.
      handler: () => realTimeMicros() * 1000n,
    }),
    defineCommand({
      name: 'guest-network-get-interfaces',
      description: 'Network interfaces with hardware and IP addresses and counters',
      handler: () => getNetworkInterfaces(root),
    }),
    defineCommand({
      name: 'guest-get-vcpus',
      description: 'Logical processors and whether they are online',
      handler: () => getVcpus(root),
    }),
    defineCommand({
      name: 'guest-get-disks',
      description: 'Block devices and their partitions',
      handler: () => getDisks(root),
    }),
    defineCommand({
      name: 'guest-get-fsinfo',
      description: 'Mounted local file systems and the disks under them',
      handler: () => getFsInfo(root),
    }),
    defineCommand({
      name: 'guest-get-memory-blocks',
      description: 'Memory blocks and whether they are online',
      handler: () => getMemoryBlocks(root),
    }),
    defineCommand({
      name: 'guest-get-memory-block-info',
      description: 'Size of a memory block',
      handler: () => getMemoryBlockInfo(root),
    }),
    defineCommand({
      name: 'guest-get-host-name',
      description: 'Host name of the guest',
      handler: () => ({ 'host-name': hostname() }),
    }),
    defineCommand({
      name: 'guest-get-users',
      description: 'Logged-in users with their earliest login time',
      handler: () => getUsers(root),
    }),
    defineCommand({
      name: 'guest-get-timezone',
      description: 'Time zone abbreviation and UTC offset in seconds',
      handler: () => getTimezone(root, process.env),
    }),
    defineCommand({
      name: 'guest-get-osinfo',
      description: 'Kernel (uname) and distribution (os-release) information',
      handler: () => getOsInfo(root, process.env),
    }),
    defineCommand({
      name: 'guest-get-devices',
      description: 'Device drivers (Windows only; disabled on Linux as in qemu-ga)',
      enabled: false,
      handler: () => getDevices(),
    }),
    defineCommand({
      name: 'guest-get-diskstats',
      description: 'I/O counters per block device (/proc/diskstats)',
      handler: () => getDiskStats(root),
    }),
    defineCommand({
      name: 'guest-get-cpustats',
      description: 'Time spent per CPU in milliseconds (/proc/stat)',
      handler: () => getCpuStats(root),
    }),
    defineCommand({
      name: 'guest-get-load',
      description: 'Load averages over 1, 5 and 15 minutes (QEMU 10.0)',
      handler: () => getLoad(root),
    }),
    defineCommand({
      name: 'guest-network-get-route',
      description: 'IPv4 and IPv6 routes (QEMU 9.1)',
      handler: () => getNetworkRoutes(root),
    }),
  ];
}
