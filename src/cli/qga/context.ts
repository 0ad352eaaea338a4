/**
 * What every `hostlink qga` sub-command shares: finding the agent's address (options,
 * then HOSTLINK_QGA_SOCKET, then the config file's [qga] socket), opening a client, and
 * turning whatever goes wrong into one line on stderr and an exit code.
 */
import type { Command } from 'commander';
import {
  QgaClient,
  QgaConnectionError,
  QgaError,
  QgaProtocolError,
  QgaReplyError,
  QgaTimeoutError,
  QgaUnsupportedError,
  parseQgaAddress,
  parseTcp,
  type QgaAddress,
} from '../../client/index.js';
import { loadConfig } from '../../core/config.js';
import { HostlinkError } from '../../core/errors.js';
import { EXIT } from '../main.js';

/** Options of `hostlink qga` itself, given before or after the sub-command. */
export interface QgaGlobalOptions {
  socket?: string;
  tcp?: string;
  device?: string;
  timeout?: string;
  json?: boolean;
  config?: string;
  retries?: string;
}

/** A mistake on the command line: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Everything an action needs. */
export interface QgaRun {
  readonly client: QgaClient;
  readonly json: boolean;
  /** Per-call timeout in milliseconds. */
  readonly timeoutMs: number;
  /** The sub-command's own options. */
  readonly options: Record<string, unknown>;
  /** Writes to stdout (a line per call unless the text ends its own). */
  out(text: string): void;
}

export function globalOptions(command: Command): QgaGlobalOptions {
  return command.optsWithGlobals<QgaGlobalOptions>();
}

/** Resolves the agent's address, or throws a UsageError saying how to give one. */
export function resolveAddress(options: QgaGlobalOptions, env: NodeJS.ProcessEnv = process.env): QgaAddress {
  const given = [options.socket, options.tcp, options.device].filter((value) => value !== undefined);
  if (given.length > 1) throw new UsageError('give only one of --socket, --tcp and --device');
  try {
    if (options.socket !== undefined) return { kind: 'unix', path: nonEmpty(options.socket, '--socket') };
    if (options.tcp !== undefined) return parseTcp(options.tcp);
    if (options.device !== undefined) return { kind: 'device', path: nonEmpty(options.device, '--device') };
    const fromEnv = env.HOSTLINK_QGA_SOCKET;
    if (fromEnv) return parseQgaAddress(fromEnv);
    const fromConfig = configuredSocket(options.config);
    if (fromConfig) return parseQgaAddress(fromConfig);
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
  throw new UsageError(
    'no agent address: pass --socket PATH (or --tcp HOST:PORT, --device PATH), set HOSTLINK_QGA_SOCKET, or set socket in the [qga] section of the config file',
  );
}

function configuredSocket(path: string | undefined): string | undefined {
  try {
    return loadConfig(path).values.qga.socket;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function nonEmpty(value: string, option: string): string {
  if (value === '') throw new UsageError(`${option} needs a path`);
  return value;
}

export function parseSeconds(text: string | undefined, option: string, fallback: number): number {
  if (text === undefined) return fallback;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`${option} takes a number of seconds above 0, not "${text}"`);
  return Math.round(seconds * 1000);
}

/**
 * Runs an action with a connected client and sets the exit code: the action's own
 * number, else 0; 1 when the agent reported an error; 2 for a usage error; 3 when the
 * agent could not be reached or did not answer.
 */
export function qgaAction<A extends unknown[]>(
  action: (run: QgaRun, ...args: A) => Promise<number | void>,
): (...args: [...A, unknown, Command]) => Promise<void> {
  return async (...all) => {
    const command = all[all.length - 1] as Command;
    const args = all.slice(0, -2) as unknown as A;
    let client: QgaClient | undefined;
    // A closed stdout is reported through the write that hit it (see below), not as a crash.
    if (!process.stdout.listeners('error').includes(ignoreError)) process.stdout.on('error', ignoreError);
    try {
      const options = globalOptions(command);
      const address = resolveAddress(options);
      const timeoutMs = parseSeconds(options.timeout, '--timeout', 10);
      const retries = options.retries === undefined ? 3 : Number(options.retries);
      if (!Number.isInteger(retries) || retries < 0) throw new UsageError(`--retries takes a whole number, not "${options.retries}"`);
      client = new QgaClient(address, { timeoutMs, retry: { retries } });
      const code = await action({ client, json: options.json === true, timeoutMs, options: command.opts(), out: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`) }, ...args);
      process.exitCode = code ?? EXIT.ok;
    } catch (error) {
      // Our reader went away (`hostlink qga cat FILE | head`): stop quietly, as cat does.
      if ((error as NodeJS.ErrnoException).code === 'EPIPE') process.exitCode = EXIT.ok;
      else process.exitCode = reportError(error);
    } finally {
      await client?.close();
    }
  };
}

function ignoreError(): void {}

/** Prints one line for `error` on stderr and returns the exit code it stands for. */
export function reportError(error: unknown): number {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`hostlink qga: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  return exitCodeOf(error);
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof QgaConnectionError || error instanceof QgaTimeoutError || error instanceof QgaReplyError) return EXIT.connection;
  if (error instanceof QgaProtocolError || error instanceof QgaUnsupportedError || error instanceof QgaError) return EXIT.remoteError;
  if (error instanceof HostlinkError) return EXIT.remoteError;
  if (error instanceof RangeError || error instanceof TypeError) return EXIT.usage;
  return EXIT.remoteError;
}
