/**
 * What the fleet client commands (run, agents, jobs, job, msgs, kill) share: finding
 * the controller (--controller, else $HOSTLINK_CONTROLLER, else http://127.0.0.1:7700),
 * the token (--token, else $HOSTLINK_TOKEN), and turning failures into one line on
 * stderr and an exit code (1 remote error, 2 usage, 3 controller unreachable).
 */
import type { Command } from 'commander';
import { ControllerClient, ControllerUnreachable } from '../../client/controller/index.js';
import { HostlinkError } from '../../core/errors.js';
import { EXIT } from '../main.js';

export interface FleetClientOptions {
  controller?: string;
  token?: string;
  ca?: string;
  json?: boolean;
}

/** A mistake on the command line: exit code 2. */
export class FleetUsageError extends Error {}

export function addClientOptions(command: Command): Command {
  return command
    .option('--controller <url>', 'controller URL (default $HOSTLINK_CONTROLLER or http://127.0.0.1:7700)')
    .option('--token <token>', 'API token (default $HOSTLINK_TOKEN)')
    .option('--ca <file>', 'CA certificate (PEM) to trust for an https:// controller')
    .option('--json', 'print JSON for scripts');
}

export function clientFor(options: FleetClientOptions): ControllerClient {
  return new ControllerClient({
    ...(options.controller !== undefined ? { url: options.controller } : {}),
    ...(options.token !== undefined ? { token: options.token } : {}),
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
  });
}

/** Runs an action, sets the exit code it returns, or reports its failure. */
export async function runFleetAction(name: string, action: () => Promise<number | void>): Promise<void> {
  try {
    process.exitCode = (await action()) ?? EXIT.ok;
  } catch (error) {
    let code: number = EXIT.remoteError;
    if (error instanceof FleetUsageError) code = EXIT.usage;
    else if (error instanceof ControllerUnreachable) code = EXIT.connection;
    else if (error instanceof HostlinkError && error.errorClass === 'InvalidParameter' && error.data?.status === undefined) code = EXIT.usage;
    process.stderr.write(`hostlink ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = code;
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function parseInteger(text: string, option: string): number {
  if (!/^-?\d+$/.test(text)) throw new FleetUsageError(`${option} must be an integer, not "${text}"`);
  return Number(text);
}

export function formatTime(epoch: number): string {
  if (!epoch) return '-';
  return new Date(epoch).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
