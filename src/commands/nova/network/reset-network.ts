/**
 * resetnetwork: match the description's interfaces to the guest's by MAC, render the
 * configuration for the guest's network stack, write it with the host name, /etc/hosts
 * and DNS under the agent's root, and, on the running system, apply it. Everything is
 * checked and rendered before the first file is written.
 */
import { lstat, mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { genericError } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';
import { runProcess } from '../../../core/process-runner.js';
import { findSystemProgram, type ProgramLookup } from '../../../core/program-lookup.js';
import { replaceFile } from '../../common/replace-file.js';
import { rewriteHosts, rewriteResolvConf, rewriteSysconfigNetwork } from './host-files.js';
import { allDnsServers, type NetworkConfig } from './network-config.js';
import { RENDERER_NAMES, type BoundInterface, type FileWrite, type NetworkPlan, type RendererName } from './network-plan.js';
import { renderIfcfg, SCRIPTS_DIR } from './render-ifcfg.js';
import { renderIfupdown } from './render-ifupdown.js';
import { renderNetplan } from './render-netplan.js';
import { renderNetworkd } from './render-networkd.js';
import { pathExists } from '../../common/path-exists.js';

export interface ResetNetworkOptions {
  readonly rootDir: string;
  /** Which renderer; chosen from what the root contains when unset. */
  readonly renderer?: RendererName;
  /** Run the programs that apply the configuration (default: only when rootDir is "/"). */
  readonly apply?: boolean;
  readonly programs?: ProgramLookup;
  readonly log: Logger;
}

export interface ResetNetworkResult {
  readonly renderer: RendererName;
  readonly written: readonly string[];
  readonly removed: readonly string[];
}

function real(rootDir: string, logical: string): string {
  return rootDir === '/' ? logical : join(rootDir, logical);
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** netplan, then RHEL network-scripts, then ifupdown, then systemd-networkd. */
export async function chooseRenderer(rootDir: string): Promise<RendererName> {
  if (await pathExists(real(rootDir, '/etc/netplan'))) return 'netplan';
  if ((await pathExists(real(rootDir, SCRIPTS_DIR))) || (await pathExists(real(rootDir, '/etc/redhat-release')))) return 'ifcfg';
  if (await pathExists(real(rootDir, '/etc/network/interfaces'))) return 'ifupdown';
  if (await pathExists(real(rootDir, '/etc/systemd/network'))) return 'networkd';
  throw genericError(`cannot tell how this system configures its network (looked for /etc/netplan, ${SCRIPTS_DIR}, /etc/network/interfaces, /etc/systemd/network)`);
}

export function isRendererName(value: string): value is RendererName {
  return (RENDERER_NAMES as readonly string[]).includes(value);
}

/** The guest's interfaces by MAC, from <root>/sys/class/net/IF/address. */
export async function interfacesByMac(rootDir: string): Promise<Map<string, string>> {
  const base = real(rootDir, '/sys/class/net');
  const byMac = new Map<string, string>();
  let names: string[];
  try {
    names = await readdir(base);
  } catch {
    return byMac;
  }
  for (const name of names.sort()) {
    if (!/^[\w.:@-]{1,15}$/.test(name)) continue; // not a kernel interface name
    const mac = (await readText(join(base, name, 'address')))?.trim().toLowerCase();
    if (mac && mac !== '00:00:00:00:00:00' && !byMac.has(mac)) byMac.set(mac, name);
  }
  return byMac;
}

async function listDirOf(rootDir: string, logical: string): Promise<string[]> {
  try {
    return (await readdir(real(rootDir, logical))).sort();
  } catch {
    return [];
  }
}

async function render(renderer: RendererName, interfaces: readonly BoundInterface[], rootDir: string): Promise<NetworkPlan> {
  const listDir = (logical: string): Promise<string[]> => listDirOf(rootDir, logical);
  switch (renderer) {
    case 'netplan':
      return renderNetplan(interfaces);
    case 'ifcfg':
      return renderIfcfg(interfaces, listDir);
    case 'ifupdown':
      return renderIfupdown(interfaces);
    case 'networkd':
      return renderNetworkd(interfaces, listDir);
  }
}

async function hostFiles(config: NetworkConfig, renderer: RendererName, rootDir: string): Promise<FileWrite[]> {
  const writes: FileWrite[] = [];
  if (config.hostname) {
    const oldHostname = (await readText(real(rootDir, '/etc/hostname')))?.trim() || undefined;
    writes.push({ path: '/etc/hostname', contents: `${config.hostname}\n`, mode: 0o644 });
    writes.push({ path: '/etc/hosts', contents: rewriteHosts(await readText(real(rootDir, '/etc/hosts')), oldHostname, config.hostname), mode: 0o644 });
  }
  if (renderer === 'ifcfg') {
    writes.push({ path: '/etc/sysconfig/network', contents: rewriteSysconfigNetwork(await readText(real(rootDir, '/etc/sysconfig/network')), config.hostname), mode: 0o644 });
  }
  // A resolv.conf that is a link belongs to a resolver service (systemd-resolved,
  // resolvconf) that gets the servers from the network configuration itself.
  const servers = allDnsServers(config);
  const resolv = real(rootDir, '/etc/resolv.conf');
  const isLink = await lstat(resolv).then((info) => info.isSymbolicLink(), () => false);
  if (servers.length > 0 && !isLink) {
    writes.push({ path: '/etc/resolv.conf', contents: rewriteResolvConf(await readText(resolv), servers), mode: 0o644 });
  }
  return writes;
}

async function runFirstThatWorks(commands: readonly (readonly string[])[], lookup: ProgramLookup | undefined, log: Logger): Promise<void> {
  const failures: string[] = [];
  for (const [name, ...args] of commands) {
    const path = await findSystemProgram(name!, lookup);
    if (path === undefined) {
      failures.push(`${name}: not found`);
      continue;
    }
    const result = await runProcess(path, { args, argv0: name, stdout: 'ignore', stderr: 'capture', maxOutputBytes: 64 * 1024 });
    if (result.exitCode === 0) return;
    failures.push(`${[name, ...args].join(' ')}: ${result.stderr.toString('utf8').trim().split('\n').pop() || `status ${result.exitCode ?? result.signal}`}`);
  }
  log.warn({ failures }, 'resetnetwork could not apply the network configuration');
  throw genericError(`the configuration was written but not applied: ${failures.join('; ')}`);
}

export async function resetNetwork(config: NetworkConfig, options: ResetNetworkOptions): Promise<ResetNetworkResult> {
  const { rootDir } = options;
  const byMac = await interfacesByMac(rootDir);
  const interfaces: BoundInterface[] = config.interfaces.map((entry) => {
    const name = byMac.get(entry.mac);
    if (name === undefined) throw genericError(`no network interface has the MAC address ${entry.mac}`);
    return { ...entry, name };
  });
  const renderer = options.renderer ?? (await chooseRenderer(rootDir));
  const plan = await render(renderer, interfaces, rootDir);
  const writes = [...plan.writes, ...(await hostFiles(config, renderer, rootDir))];
  for (const write of writes) {
    const path = real(rootDir, write.path);
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    await replaceFile(path, write.contents, { newFileMode: write.mode });
  }
  for (const path of plan.removes) await unlink(real(rootDir, path)).catch(() => undefined);
  options.log.info({ renderer, interfaces: interfaces.map((entry) => entry.name), written: writes.map((write) => write.path), removed: plan.removes }, 'resetnetwork wrote the network configuration');
  if (options.apply ?? rootDir === '/') {
    if (config.hostname) await runFirstThatWorks([['hostnamectl', 'set-hostname', config.hostname], ['hostname', config.hostname]], options.programs, options.log);
    await runFirstThatWorks(plan.apply, options.programs, options.log);
  }
  return { renderer, written: writes.map((write) => write.path), removed: plan.removes };
}
