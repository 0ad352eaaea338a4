/**
 * The agent: one command registry (the QGA command set for now), and one listener per
 * listen spec, each with its own dispatcher so a policy could differ per listener (for
 * now every listener gets the agent's policy). No process concerns here (pid file,
 * signals, daemon): see agent-process.ts; tests and library users call startAgent().
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { novaCommands } from '../commands/nova/index.js';
import type { RendererName } from '../commands/nova/network/network-plan.js';
import { qgaCommands } from '../commands/qga/index.js';
import { createVtRuntime, registerVtCommands, type VtRuntime } from '../commands/vt/vt-runtime.js';
import { Dispatcher } from '../core/dispatcher.js';
import { HostlinkError } from '../core/errors.js';
import type { Listener } from '../core/listener.js';
import type { Logger } from '../core/logger.js';
import { CommandPolicy, type PolicyOptions } from '../core/policy.js';
import { CommandRegistry } from '../core/registry.js';
import { createListener } from './listener-factory.js';
import type { ListenSpec } from './listen-spec.js';

export interface AgentOptions {
  readonly listen: readonly ListenSpec[];
  /** qemu-ga's state directory; created if missing. */
  readonly stateDir: string;
  readonly log: Logger;
  readonly policy?: PolicyOptions;
  /** Paths of the system programs commands run (fakes in tests). */
  readonly programs?: Readonly<Record<string, string>>;
  /**
   * Root of the system that commands changing it act on (passwords, SSH keys, network
   * files, injected files); "/" by default (`hostlink agent --root DIR`).
   */
  readonly rootDir?: string;
  /** How nova's resetnetwork writes the network; chosen from what the root holds when unset. */
  readonly networkRenderer?: RendererName;
  /** Folder of vt_agent-style service modules to serve (`--services DIR`). */
  readonly servicesDir?: string;
  /** The vt_agent data folder; `vt-data` in the state folder by default. */
  readonly dataDir?: string;
  /** What vt_agent.api.quit() asks for; by default the agent stops its listeners. */
  readonly requestShutdown?: () => void;
}

export interface RunningAgent {
  readonly registry: CommandRegistry;
  readonly listeners: readonly Listener[];
  /** Closes every listener (Unix socket files are removed). */
  stop(): Promise<void>;
}

/** The registry every listener of an agent serves; creates the state folder if missing. */
export function buildAgentRegistry(options: Pick<AgentOptions, 'stateDir' | 'log' | 'programs' | 'rootDir' | 'networkRenderer'> & { readonly listen?: readonly ListenSpec[] }): CommandRegistry {
  mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
  const programs = options.programs ? { programs: options.programs } : {};
  const root = options.rootDir !== undefined ? { rootDir: options.rootDir } : {};
  // resetnetwork reads vm-data from the XenStore a nova:xenstore listener uses.
  const xenstore = options.listen?.find((spec) => spec.address.transport === 'xenstore')?.address;
  const vmData = xenstore && 'path' in xenstore ? { xenstorePath: xenstore.path } : {};
  return new CommandRegistry()
    .registerAll(qgaCommands({ stateDir: options.stateDir, log: options.log, ...programs, ...(options.rootDir !== undefined ? { targetRootDir: options.rootDir } : {}) }))
    .registerAll(novaCommands({ log: options.log, ...programs, ...root, ...vmData, ...(options.networkRenderer ? { networkRenderer: options.networkRenderer } : {}), agentUpdate: { workDir: join(options.stateDir, 'nova-agentupdate') } }));
}

/**
 * The vt_agent core API and user services join the registry when services are given or
 * a listener speaks XML-RPC (what vt_agent clients use); a plain QEMU guest agent
 * replacement does not grow a quit() command.
 */
function wantsVtRuntime(options: AgentOptions): boolean {
  return options.servicesDir !== undefined || options.listen.some((spec) => spec.protocol === 'xmlrpc');
}

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  if (options.listen.length === 0) throw new HostlinkError('InvalidParameter', 'the agent needs at least one listener');
  const registry = buildAgentRegistry(options);
  const started: Listener[] = [];
  let vtRuntime: VtRuntime | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((listener) => listener.close().catch(() => undefined)));
    await vtRuntime?.close();
  };
  if (wantsVtRuntime(options)) {
    vtRuntime = await createVtRuntime({
      dataDir: options.dataDir ?? join(options.stateDir, 'vt-data'),
      ...(options.servicesDir !== undefined ? { servicesDir: options.servicesDir } : {}),
      log: options.log,
      requestShutdown: options.requestShutdown ?? (() => void stop()),
    });
    registerVtCommands(registry, vtRuntime.commands, options.log);
  }
  for (const spec of options.listen) {
    const dispatcher = new Dispatcher(registry, new CommandPolicy(options.policy));
    const listener = createListener(spec, dispatcher, options.log);
    try {
      await listener.start();
    } catch (error) {
      await stop();
      throw new HostlinkError('GenericError', `cannot listen on ${spec.text}: ${(error as Error).message}`, { cause: error });
    }
    started.push(listener);
  }
  return { registry, listeners: started, stop };
}
