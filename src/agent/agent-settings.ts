/**
 * The agent's effective settings: command line over configuration file over defaults,
 * with qemu-ga's `-m METHOD -p PATH` turned into a listen spec. Everything is checked
 * here, before anything starts, so a mistake is one clear message and no side effect.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConfigSection, LoadedConfig } from '../core/config.js';
import { HostlinkError } from '../core/errors.js';
import { defaultPidFile, defaultSocketPath, defaultStateDir } from './default-paths.js';
import { formatListenSpec, parseListenSpec, type ListenSpec } from './listen-spec.js';
import { RENDERER_NAMES, type RendererName } from '../commands/nova/network/network-plan.js';
import { isRendererName } from '../commands/nova/network/reset-network.js';
import { fleetLinkToConfig, resolveFleetLinkSettings, type FleetLinkCommandLine, type FleetLinkSettings } from './fleet/fleet-link-settings.js';

/** What the command line said; undefined means "not given". */
export interface AgentCommandLine extends FleetLinkCommandLine {
  readonly listen?: readonly string[];
  readonly method?: string;
  readonly path?: string;
  readonly stateDir?: string;
  readonly pidFile?: string;
  readonly logFile?: string;
  readonly verbose?: boolean;
  readonly daemonize?: boolean;
  readonly blockRpcs?: readonly string[];
  readonly allowRpcs?: readonly string[];
  readonly fsfreezeHook?: string;
  readonly root?: string;
  readonly networkRenderer?: string;
  readonly services?: string;
  readonly dataDir?: string;
}

export interface AgentSettings {
  readonly listen: readonly ListenSpec[];
  /** No listener was given anywhere: defaultListenSpec() was chosen. */
  readonly usingDefaultListener: boolean;
  readonly stateDir: string;
  readonly usingDefaultStateDir: boolean;
  readonly pidFile: string | undefined;
  readonly logFile: string | undefined;
  readonly verbose: boolean;
  readonly daemonize: boolean;
  readonly blockRpcs: readonly string[];
  readonly allowRpcs: readonly string[];
  readonly fsfreezeHook: string | undefined;
  /** Root of the system that commands changing it act on (--root); undefined means "/". */
  readonly root: string | undefined;
  /** How nova's resetnetwork writes the network (--network-renderer); chosen from the root when undefined. */
  readonly networkRenderer: RendererName | undefined;
  /** Folder of vt_agent-style services (--services), if any. */
  readonly services: string | undefined;
  /** The vt_agent data folder (--data-dir); undefined: vt-data in the state folder. */
  readonly dataDir: string | undefined;
  /** The controller to join (--controller, --gid, --nid, --roles), if any. */
  readonly fleet: FleetLinkSettings | undefined;
}

/** qemu-ga's transport methods and the device each uses when -p is not given. */
export const QEMU_GA_METHODS = ['unix-listen', 'virtio-serial', 'isa-serial', 'vsock-listen'] as const;
export const DEFAULT_VIRTIO_SERIAL_PATH = '/dev/virtio-ports/org.qemu.guest_agent.0';
export const DEFAULT_ISA_SERIAL_PATH = '/dev/ttyS0';

function usage(message: string): HostlinkError {
  return new HostlinkError('InvalidParameter', message);
}

/** `-m METHOD -p PATH` as a listen spec text; qemu-ga's default method is virtio-serial. */
export function methodToListenSpec(method: string | undefined, path: string | undefined): string {
  switch (method ?? 'virtio-serial') {
    case 'unix-listen':
      if (!path) throw usage('--method unix-listen needs --path SOCKET');
      return `qga:unix:${path}`;
    case 'virtio-serial':
      return `qga:chardev:${path ?? DEFAULT_VIRTIO_SERIAL_PATH}`;
    case 'isa-serial':
      return `qga:chardev:${path ?? DEFAULT_ISA_SERIAL_PATH}`;
    case 'vsock-listen':
      throw usage('--method vsock-listen is not supported by hostlink; use unix-listen, virtio-serial or isa-serial');
    default:
      throw usage(`unknown --method "${method}" (known: ${QEMU_GA_METHODS.join(', ')})`);
  }
}

/**
 * The listener when none is given anywhere: qemu-ga's own default, the virtio-serial
 * port, when this machine has it (a drop-in replacement started without options);
 * otherwise a Unix socket in the runtime folder, so a fresh machine works too.
 */
export function defaultListenSpec(): string {
  if (existsSync(DEFAULT_VIRTIO_SERIAL_PATH)) return `qga:chardev:${DEFAULT_VIRTIO_SERIAL_PATH}`;
  return `qga:unix:${defaultSocketPath()}`;
}

function parseSpecs(texts: readonly string[], origin: string | undefined): ListenSpec[] {
  return texts.map((text) => {
    try {
      return parseListenSpec(text);
    } catch (error) {
      if (origin && error instanceof HostlinkError) throw usage(`${origin}: ${error.message}`);
      throw error;
    }
  });
}

function absolute(path: string | undefined): string | undefined {
  return path === undefined ? undefined : resolve(path);
}

export function resolveAgentSettings(commandLine: AgentCommandLine, config: LoadedConfig): AgentSettings {
  const file: ConfigSection<'agent'> = config.values.agent;
  const fileName = config.file;

  const commandLineSpecs = [...(commandLine.listen ?? [])];
  if (commandLine.method !== undefined || commandLine.path !== undefined) {
    commandLineSpecs.push(methodToListenSpec(commandLine.method, commandLine.path));
  }
  let listen: ListenSpec[];
  if (commandLineSpecs.length > 0) listen = parseSpecs(commandLineSpecs, undefined);
  else listen = parseSpecs(file.listen ?? [], fileName);
  const usingDefaultListener = listen.length === 0;
  if (usingDefaultListener) listen = [parseListenSpec(defaultListenSpec())];

  const root = absolute(commandLine.root ?? file.root);
  if (root !== undefined && !statSync(root, { throwIfNoEntry: false })?.isDirectory()) throw usage(`--root ${root} is not a folder`);
  const networkRenderer = commandLine.networkRenderer ?? file['network-renderer'];
  if (networkRenderer !== undefined && !isRendererName(networkRenderer)) {
    throw usage(`--network-renderer must be one of ${RENDERER_NAMES.join(', ')}, not "${networkRenderer}"`);
  }
  const services = absolute(commandLine.services ?? file.services);
  if (services !== undefined && !statSync(services, { throwIfNoEntry: false })?.isDirectory()) throw usage(`--services ${services} is not a folder`);
  const daemonize = commandLine.daemonize ?? file.daemonize ?? false;
  const givenStateDir = commandLine.stateDir ?? file['state-dir'];
  const givenPidFile = commandLine.pidFile ?? file['pid-file'];
  return {
    listen,
    usingDefaultListener,
    stateDir: absolute(givenStateDir) ?? defaultStateDir(),
    usingDefaultStateDir: givenStateDir === undefined,
    // qemu-ga writes a pid file only when it daemonizes; hostlink also when asked to.
    pidFile: absolute(givenPidFile) ?? (daemonize ? defaultPidFile() : undefined),
    logFile: absolute(commandLine.logFile ?? file['log-file']),
    verbose: commandLine.verbose ?? file.verbose ?? false,
    daemonize,
    blockRpcs: [...(commandLine.blockRpcs ?? file['block-rpcs'] ?? [])],
    allowRpcs: [...(commandLine.allowRpcs ?? file['allow-rpcs'] ?? [])],
    fsfreezeHook: commandLine.fsfreezeHook ?? file['fsfreeze-hook'],
    root,
    networkRenderer,
    services,
    dataDir: absolute(commandLine.dataDir ?? file['data-dir']),
    fleet: resolveFleetLinkSettings(commandLine, file, fileName),
  };
}

/** The settings as an [agent] section: what --dump-conf prints and --config reads back. */
export function settingsToConfigSection(settings: AgentSettings): ConfigSection<'agent'> {
  const section: ConfigSection<'agent'> = {
    listen: settings.listen.map(formatListenSpec),
    'state-dir': settings.stateDir,
    verbose: settings.verbose,
    daemonize: settings.daemonize,
    'block-rpcs': [...settings.blockRpcs],
    'allow-rpcs': [...settings.allowRpcs],
  };
  if (settings.pidFile !== undefined) section['pid-file'] = settings.pidFile;
  if (settings.logFile !== undefined) section['log-file'] = settings.logFile;
  if (settings.fsfreezeHook !== undefined) section['fsfreeze-hook'] = settings.fsfreezeHook;
  if (settings.root !== undefined) section.root = settings.root;
  if (settings.networkRenderer !== undefined) section['network-renderer'] = settings.networkRenderer;
  if (settings.services !== undefined) section.services = settings.services;
  if (settings.dataDir !== undefined) section['data-dir'] = settings.dataDir;
  Object.assign(section, fleetLinkToConfig(settings.fleet));
  return section;
}
