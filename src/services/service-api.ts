/**
 * What a JavaScript/TypeScript service function gets as `this`: loggers that feed the
 * agent's log and the streamed service log, the data folders, and fresh agent_tmp_*
 * folders (vt_agent's data_dir.get_tmp_dir()).
 *
 *   export function boot_up(this: ServiceApi, vmName = 'test-vm-01') {
 *     this.log.info("booting %s", vmName);
 *   }
 */
import { formatLogMessage, LEVELS, makeRecord } from './log-record.js';
import type { ServiceLogHub } from './service-log-hub.js';

export interface ServiceLogger {
  debug(message: unknown, ...args: unknown[]): void;
  info(message: unknown, ...args: unknown[]): void;
  warning(message: unknown, ...args: unknown[]): void;
  warn(message: unknown, ...args: unknown[]): void;
  error(message: unknown, ...args: unknown[]): void;
  critical(message: unknown, ...args: unknown[]): void;
  /** error() plus the stack of the Error passed last (if any). */
  exception(message: unknown, ...args: unknown[]): void;
}

/** The agent-side facilities services use; built once per agent. */
export interface ServiceEnvironment {
  readonly dataDir: string;
  readonly logDir: string;
  readonly downloadDir: string;
  readonly makeTmpDir: (shared?: boolean) => Promise<string>;
  readonly logHub: ServiceLogHub;
}

export interface ServiceApi {
  /** Logger "avocado.service.<module>", streamed to log clients. */
  readonly log: ServiceLogger;
  /** Any logger by name (e.g. "avocado.virttest.qemu"); only avocado.service/virttest ones are streamed. */
  getLogger(name: string): ServiceLogger;
  /** The RPC name being served, e.g. "examples.hello.say_hello". */
  readonly method: string;
  readonly dataDir: string;
  readonly logDir: string;
  readonly downloadDir: string;
  /** A new agent_tmp_* folder inside the data dir; cleanup_tmp_files removes it later. */
  getTmpDir(shared?: boolean): Promise<string>;
  /** Aborted when the caller goes away or the agent stops. */
  readonly signal: AbortSignal;
}

function makeLogger(env: ServiceEnvironment, logger: string, pathname: string, funcName: string): ServiceLogger {
  const emit = (levelno: number, message: unknown, args: unknown[], withStack = false): void => {
    const last = args[args.length - 1];
    const excText = withStack && last instanceof Error ? (last.stack ?? String(last)) : null;
    const formatArgs = excText !== null ? args.slice(0, -1) : args;
    env.logHub.emit(makeRecord({ logger, pathname, funcName }, levelno, formatLogMessage(message, formatArgs), excText));
  };
  return {
    debug: (message, ...args) => emit(LEVELS.DEBUG, message, args),
    info: (message, ...args) => emit(LEVELS.INFO, message, args),
    warning: (message, ...args) => emit(LEVELS.WARNING, message, args),
    warn: (message, ...args) => emit(LEVELS.WARNING, message, args),
    error: (message, ...args) => emit(LEVELS.ERROR, message, args),
    critical: (message, ...args) => emit(LEVELS.CRITICAL, message, args),
    exception: (message, ...args) => emit(LEVELS.ERROR, message, args, true),
  };
}

export interface ServiceCallInfo {
  readonly moduleName: string;
  readonly modulePath: string;
  readonly functionName: string;
  readonly method: string;
  readonly signal: AbortSignal;
}

export function makeServiceApi(env: ServiceEnvironment, call: ServiceCallInfo): ServiceApi {
  return {
    log: makeLogger(env, `avocado.service.${call.moduleName}`, call.modulePath, call.functionName),
    getLogger: (name) => makeLogger(env, name, call.modulePath, call.functionName),
    method: call.method,
    dataDir: env.dataDir,
    logDir: env.logDir,
    downloadDir: env.downloadDir,
    getTmpDir: (shared) => env.makeTmpDir(shared),
    signal: call.signal,
  };
}
