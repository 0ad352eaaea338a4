/**
 * `hostlink vt-agent`: Avocado-VT's vt_agent with its own options
 * (`python -m virttest.vt_agent --host H --port P --pid-file F` becomes
 * `hostlink vt-agent --host H --port P --pid-file F`), plus --services DIR for the
 * service modules. XML-RPC (and JSON-RPC by Content-Type) on one HTTP listener.
 * Deliberate change: the host defaults to 127.0.0.1, not 0.0.0.0.
 *
 * startVtAgent() is the same agent in-process, for tests, benchmarks and library users.
 */
import type { Command } from 'commander';
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createAgentLogger } from '../agent/agent-logger.js';
import { parseListenSpec, type ListenSpec } from '../agent/listen-spec.js';
import { createListener } from '../agent/listener-factory.js';
import { checkPidFileFree, PidFile } from '../agent/pid-file.js';
import { qgaCommands } from '../commands/qga/index.js';
import { createVtRuntime, registerVtCommands, type VtRuntime } from '../commands/vt/vt-runtime.js';
import { Dispatcher } from '../core/dispatcher.js';
import { HostlinkError } from '../core/errors.js';
import { Listener } from '../core/listener.js';
import type { Logger } from '../core/logger.js';
import { CommandPolicy, parseNameList, type PolicyOptions } from '../core/policy.js';
import { CommandRegistry } from '../core/registry.js';
import { addFleetOptions, prepareFleet, type FleetCliOptions } from '../agent/fleet/fleet-options.js';
import { xmlrpcProtocol } from '../protocols/xmlrpc/index.js';
import type { HttpAuthOptions } from '../transports/http-auth.js';
import { HttpTransport, type HttpTlsOptions } from '../transports/http.js';
import { collect } from '../core/collect-option.js';

export const VT_AGENT_DEFAULT_HOST = '127.0.0.1';
export const VT_AGENT_DEFAULT_PORT = 8000;

export interface VtAgentOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly dataDir: string;
  readonly servicesDir?: string;
  readonly log: Logger;
  readonly policy?: PolicyOptions;
  readonly auth?: HttpAuthOptions;
  readonly tls?: HttpTlsOptions;
  readonly maxBodyBytes?: number;
  /** Also serve the QEMU guest agent command set (guest-*), state kept in DATA/qga-state. */
  readonly withQga?: boolean;
  readonly python?: string;
  /** Called after quit() once the agent has stopped. */
  readonly onQuit?: () => void;
  /**
   * More listeners on the same registry, as `hostlink agent --listen` spells them
   * (jsonrpc:unix:PATH, jsonrpc:tcp:HOST:PORT, xmlrpc:http:HOST:PORT). They get no
   * authentication or TLS: meant for local sockets.
   */
  readonly extraListeners?: readonly ListenSpec[];
}

export interface RunningVtAgent {
  readonly url: string;
  readonly port: number;
  readonly registry: CommandRegistry;
  readonly runtime: VtRuntime;
  readonly listeners: readonly Listener[];
  /** Stops the listener, the services and the log streams. Idempotent. */
  stop(): Promise<void>;
  /** Resolves once the agent has stopped (after stop() or quit()). */
  readonly stopped: Promise<void>;
}

export async function startVtAgent(options: VtAgentOptions): Promise<RunningVtAgent> {
  const { log } = options;
  let stopping: Promise<void> | undefined;
  let markStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolveStopped) => {
    markStopped = resolveStopped;
  });
  // Bound below; quit() can only arrive once the listener is up.
  let stop: () => Promise<void> = async () => undefined;
  const runtime = await createVtRuntime({
    dataDir: options.dataDir,
    log,
    requestShutdown: () => {
      void stop().then(() => options.onQuit?.());
    },
    ...(options.servicesDir ? { servicesDir: options.servicesDir } : {}),
    ...(options.python ? { python: options.python } : {}),
  });
  const registry = new CommandRegistry();
  registerVtCommands(registry, runtime.commands, log);
  if (options.withQga) {
    const stateDir = join(runtime.dataDir.root, 'qga-state');
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    registerVtCommands(registry, qgaCommands({ stateDir, log }), log);
  }
  const transport = new HttpTransport({
    host: options.host ?? VT_AGENT_DEFAULT_HOST,
    port: options.port,
    ...(options.auth ? { auth: options.auth } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
  });
  const dispatcher = (): Dispatcher => new Dispatcher(registry, new CommandPolicy(options.policy));
  const planned: [string, () => Listener][] = [
    [transport.address, () => new Listener(transport, xmlrpcProtocol, dispatcher(), log)],
    ...(options.extraListeners ?? []).map((spec): [string, () => Listener] => [spec.text, () => createListener(spec, dispatcher(), log)]),
  ];
  const listeners: Listener[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all(listeners.map((listener) => listener.close().catch(() => undefined)));
  };
  for (const [address, create] of planned) {
    try {
      const listener = create();
      await listener.start();
      listeners.push(listener);
    } catch (error) {
      await closeAll();
      await runtime.close();
      throw new HostlinkError('GenericError', `cannot listen on ${address}: ${(error as Error).message}`, { cause: error });
    }
  }
  stop = () => {
    stopping ??= (async () => {
      await closeAll();
      await runtime.close();
      markStopped();
    })();
    return stopping;
  };
  return { url: transport.url, port: transport.port, registry, runtime, listeners, stop, stopped };
}

/** vt_agent kept its data beside its code; hostlink uses a system or per-user folder. */
export function defaultVtDataDir(): string {
  if (process.getuid?.() === 0) return '/var/lib/hostlink/vt-agent';
  const state = process.env.XDG_STATE_HOME;
  return join(state && state.startsWith('/') ? state : join(homedir(), '.local', 'state'), 'hostlink', 'vt-agent');
}

interface RawOptions extends FleetCliOptions {
  host: string;
  port: string;
  pidFile: string;
  services?: string;
  dataDir?: string;
  logFile?: string;
  verbose?: boolean;
  tokenFile?: string;
  basicAuthFile?: string;
  tlsCert?: string;
  tlsKey?: string;
  maxBodyBytes?: string;
  blockRpcs?: string[];
  allowRpcs?: string[];
  withQga?: boolean;
  python?: string;
  listen?: string[];
}

function usage(message: string): HostlinkError {
  return new HostlinkError('InvalidParameter', message);
}

function readSecret(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw usage(`cannot read the ${what} file ${path}: ${(error as Error).message}`);
  }
}

function authFrom(raw: RawOptions): HttpAuthOptions | undefined {
  if (!raw.tokenFile && !raw.basicAuthFile) return undefined;
  const auth: { bearerToken?: string; basic?: { username: string; password: string } } = {};
  if (raw.tokenFile) auth.bearerToken = readSecret(raw.tokenFile, 'token');
  if (raw.basicAuthFile) {
    const text = readSecret(raw.basicAuthFile, 'basic auth');
    const colon = text.indexOf(':');
    if (colon <= 0) throw usage(`${raw.basicAuthFile} must hold USER:PASSWORD`);
    auth.basic = { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  return auth;
}

function tlsFrom(raw: RawOptions): HttpTlsOptions | undefined {
  if (!raw.tlsCert && !raw.tlsKey) return undefined;
  if (!raw.tlsCert || !raw.tlsKey) throw usage('--tls-cert and --tls-key go together');
  return { cert: readFileSync(raw.tlsCert), key: readFileSync(raw.tlsKey) };
}

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw usage(`--port "${text}" is not a number from 0 to 65535`);
  return Number(text);
}

async function runVtAgent(raw: RawOptions): Promise<number> {
  const port = parsePort(raw.port);
  const auth = authFrom(raw);
  const tls = tlsFrom(raw);
  const maxBodyBytes = raw.maxBodyBytes === undefined ? undefined : Number(raw.maxBodyBytes);
  if (maxBodyBytes !== undefined && (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1024)) throw usage('--max-body-bytes must be a whole number of bytes, at least 1024');
  const extraListeners = (raw.listen ?? []).map((text) => parseListenSpec(text));
  const fleetLink = prepareFleet(raw);
  const dataDir = resolve(raw.dataDir ?? defaultVtDataDir());
  const pidFile = new PidFile(resolve(raw.pidFile));
  checkPidFileFree(pidFile.path);
  const logger = createAgentLogger({ file: resolve(raw.logFile ?? join(dataDir, 'log', 'agent.log')), verbose: raw.verbose ?? false });
  const { log } = logger;
  const blockRpcs = (raw.blockRpcs ?? []).flatMap((list) => parseNameList(list));
  const allowRpcs = (raw.allowRpcs ?? []).flatMap((list) => parseNameList(list));
  const agent = await startVtAgent({
    host: raw.host,
    port,
    dataDir,
    log,
    policy: { block: blockRpcs, allow: allowRpcs },
    ...(raw.services ? { servicesDir: resolve(raw.services) } : {}),
    ...(auth ? { auth } : {}),
    ...(tls ? { tls } : {}),
    ...(maxBodyBytes !== undefined ? { maxBodyBytes } : {}),
    ...(raw.withQga ? { withQga: true } : {}),
    ...(raw.python ? { python: raw.python } : {}),
    extraListeners,
  });
  // --controller: the vt and service commands are also jobs of a controller's fleet.
  const fleet = fleetLink?.join(agent.registry, log, { block: blockRpcs, allow: allowRpcs });
  pidFile.write();
  log.info({ url: agent.url, pid: process.pid, dataDir, services: raw.services }, 'vt agent started');
  process.stderr.write(`hostlink vt-agent: listening on ${agent.url} (pid ${process.pid}, data in ${dataDir})\n`);
  for (const listener of agent.listeners.slice(1)) process.stderr.write(`hostlink vt-agent: also listening on ${listener.description}\n`);
  if (!auth && !/^(127\.|::1$|localhost$)/.test(raw.host)) {
    process.stderr.write(`hostlink vt-agent: warning: ${raw.host} is reachable from other machines and no --token-file or --basic-auth-file is set: anyone there can call every service\n`);
  }
  for (const failure of agent.runtime.serviceFailures) {
    process.stderr.write(`hostlink vt-agent: service module ${failure.module} not loaded: ${failure.error}\n`);
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    log.info({ signal }, 'stopping');
    void agent.stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  await agent.stopped;
  await fleet?.stop();
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  pidFile.remove();
  log.info('stopped');
  logger.flush();
  // Nothing of ours is left; a service's stray timer must not keep the process alive.
  setTimeout(() => process.exit(), 200).unref();
  return 0;
}


const HELP_AFTER = `
vt_agent clients connect unchanged: xmlrpc.client.ServerProxy("http://HOST:PORT/")
calls vt_agent.api.* (also api.* and core.*) and every service function
<module.path>.<function> found under --services (.js, .mjs, .ts, .py modules).
JSON-RPC 2.0 is answered on the same port for Content-Type: application/json.

Examples:
  hostlink vt-agent --port 8001 --pid-file ./vt_agent.pid --services ./services
  hostlink vt-agent --host 0.0.0.0 --port 8001 --pid-file /run/vt_agent.pid --token-file /etc/hostlink/token
`;

export function addVtAgentCommand(program: Command): void {
  const command = program
    .command('vt-agent')
    .description("run an Avocado-VT vt_agent: XML-RPC API and services (a drop-in for 'python -m virttest.vt_agent')")
    .option('--host <address>', 'address to listen on (vt_agent defaulted to 0.0.0.0)', VT_AGENT_DEFAULT_HOST)
    .option('--port <port>', 'port to listen on (0 picks a free one)', String(VT_AGENT_DEFAULT_PORT))
    .requiredOption('--pid-file <file>', 'write the process id here once listening (removed on exit)')
    .option('--services <dir>', 'folder of service modules to serve')
    .option('--data-dir <dir>', `data folder: log/, download/, agent_tmp_* (default ${defaultVtDataDir()})`)
    .option('-l, --log-file <file>', 'agent log (JSON lines; default DATA/log/agent.log)')
    .option('-v, --verbose', 'log at debug level')
    .option('--token-file <file>', 'require "Authorization: Bearer TOKEN", the token read from this file')
    .option('--basic-auth-file <file>', 'require HTTP basic auth, USER:PASSWORD read from this file')
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key for --tls-cert')
    .option('--max-body-bytes <n>', 'largest request body accepted (default 32 MiB)')
    .option('-b, --block-rpcs <list>', 'comma-separated method names to disable (a trailing * matches a prefix)', collect)
    .option('-a, --allow-rpcs <list>', 'comma-separated method names to allow, all others disabled', collect)
    .option('--with-qga', 'also serve the QEMU guest agent commands (guest-*) on this host')
    .option('--python <path>', 'Python interpreter for .py services (default python3)')
    .option('--listen <spec>', 'another listener, e.g. jsonrpc:unix:/run/vt.sock or jsonrpc:tcp:127.0.0.1:9000 (repeatable; no auth/TLS)', collect)
    .addHelpText('after', HELP_AFTER);
  addFleetOptions(command).action(async (raw: RawOptions) => {
    try {
      process.exitCode = await runVtAgent(raw);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`hostlink vt-agent: ${message}\n`);
      process.exitCode = error instanceof HostlinkError && error.errorClass === 'InvalidParameter' ? 2 : 1;
    }
  });
}
