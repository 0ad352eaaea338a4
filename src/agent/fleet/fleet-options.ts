/**
 * Joining a controller's fleet from any daemon that has a registry (`hostlink vt-agent`,
 * for its vt and service commands): the same --controller options as `hostlink agent`,
 * and one call that starts the fleet member on that registry.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { HostlinkError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { PolicyOptions } from '../../core/policy.js';
import type { CommandRegistry } from '../../core/registry.js';
import { resolveFleetLinkSettings, type FleetLinkCommandLine } from './fleet-link-settings.js';
import { startFleetMember, type FleetMember } from './fleet-member.js';
import { collect } from '../../core/collect-option.js';

export interface FleetCliOptions {
  controller?: string;
  gid?: string;
  nid?: string;
  roles?: string[];
  controllerToken?: string;
  controllerCa?: string;
  controllerCert?: string;
  controllerKey?: string;
}


/** Adds --controller, --gid, --nid, --roles, --controller-token/-ca/-cert/-key. */
export function addFleetOptions(command: Command): Command {
  return command
    .option('--controller <url>', 'join this controller (http://HOST:PORT, https://, ws://, wss://) and run the jobs it sends')
    .option('--gid <gid>', 'grid id this agent answers to (with --controller)')
    .option('--nid <nid>', 'node id this agent answers to (with --controller)')
    .option('--roles <list>', 'comma-separated roles this agent holds (with --controller)', collect)
    .option('--controller-token <token>', 'token to present to the controller (default $HOSTLINK_AGENT_TOKEN)')
    .option('--controller-ca <file>', 'CA certificate (PEM) to trust for an https:// controller')
    .option('--controller-cert <file>', 'client certificate (PEM, CN "GID:NID") instead of a token')
    .option('--controller-key <file>', 'private key (PEM) of --controller-cert');
}

function readPem(path: string | undefined, option: string): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new HostlinkError('InvalidParameter', `cannot read ${option} ${path}: ${(error as Error).message}`);
  }
}

export interface PreparedFleet {
  /** Starts the fleet member serving `registry`. */
  join(registry: CommandRegistry, log: Logger, policy?: PolicyOptions): FleetMember;
}

/**
 * Checks the options (and reads the PEM files) before anything starts: a mistake is a
 * usage error with nothing listening yet. Undefined when --controller was not given.
 */
export function prepareFleet(options: FleetCliOptions): PreparedFleet | undefined {
  const commandLine: FleetLinkCommandLine = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const settings = resolveFleetLinkSettings(commandLine, {}, undefined);
  if (!settings) return undefined;
  const ca = readPem(settings.ca, '--controller-ca');
  const cert = readPem(settings.cert, '--controller-cert');
  const key = readPem(settings.key, '--controller-key');
  return {
    join: (registry, log, policy) =>
      startFleetMember({
        controller: settings.controller,
        gid: settings.gid,
        nid: settings.nid,
        roles: settings.roles,
        ...(settings.token !== undefined ? { token: settings.token } : {}),
        ...(ca ? { ca } : {}),
        ...(cert && key ? { cert, key } : {}),
        registry,
        ...(policy ? { policy } : {}),
        log,
        loadSections: () => ({ extensions: [], startup: [] }),
      }),
  };
}
