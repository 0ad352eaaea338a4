/**
 * The hook `hostlink agent` calls to join a controller's fleet (--controller): it
 * checks the configuration's [extensions] and [startup] sections, starts the fleet
 * member next to the agent's listeners, and stops it (killing its jobs) when the agent
 * stops. A daemonizing parent does not join; its daemon child does.
 *
 * Jobs get their own registry (the agent's command sets, QGA state under
 * STATE_DIR/fleet, plus the node commands), so listeners and jobs do not share QGA file
 * handles, and the node commands (execute, kill, ...) are reachable as jobs only.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAgentLogger } from '../agent-logger.js';
import { buildAgentRegistry } from '../agent.js';
import { isDaemonChild } from '../daemon.js';
import { HostlinkError } from '../../core/errors.js';
import { loadFleetSections } from './fleet-config.js';
import type { FleetLinkSettings } from './fleet-link-settings.js';
import { startFleetMember } from './fleet-member.js';

export interface FleetHostSettings {
  readonly fleet?: FleetLinkSettings | undefined;
  readonly stateDir: string;
  readonly logFile: string | undefined;
  readonly verbose: boolean;
  readonly daemonize: boolean;
  readonly blockRpcs: readonly string[];
  readonly allowRpcs: readonly string[];
}

function readPem(path: string, option: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new HostlinkError('InvalidParameter', `cannot read ${option} ${path}: ${(error as Error).message}`);
  }
}

export async function withFleetLink(settings: FleetHostSettings, runAgent: () => Promise<number>): Promise<number> {
  const fleet = settings.fleet;
  if (!fleet || (settings.daemonize && !isDaemonChild())) return runAgent();
  // Checked before anything starts: a bad section is one clear error.
  loadFleetSections(fleet.configFile);
  const ca = fleet.ca === undefined ? undefined : readPem(fleet.ca, '--controller-ca');
  const cert = fleet.cert === undefined ? undefined : readPem(fleet.cert, '--controller-cert');
  const key = fleet.key === undefined ? undefined : readPem(fleet.key, '--controller-key');
  const logger = createAgentLogger({ file: settings.logFile, verbose: settings.verbose });
  const stateDir = join(settings.stateDir, 'fleet');
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const member = startFleetMember({
    controller: fleet.controller,
    gid: fleet.gid,
    nid: fleet.nid,
    roles: fleet.roles,
    ...(fleet.token !== undefined ? { token: fleet.token } : {}),
    ...(ca ? { ca } : {}),
    ...(cert && key ? { cert, key } : {}),
    registry: buildAgentRegistry({ stateDir, log: logger.log }),
    policy: { allow: settings.allowRpcs, block: settings.blockRpcs },
    log: logger.log,
    loadSections: () => loadFleetSections(fleet.configFile),
  });
  try {
    return await runAgent();
  } finally {
    await member.stop();
    logger.flush();
  }
}
