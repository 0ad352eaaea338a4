/**
 * The agent's controller settings (`--controller URL --gid G --nid N --roles a,b`, the
 * token and CA), from the command line over the [agent] section of the configuration
 * (keys controller, gid, nid, roles, controller-token, controller-ca) over
 * $HOSTLINK_CONTROLLER. Checked here, so a mistake is one clear message.
 */
import { resolve } from 'node:path';
import { HostlinkError } from '../../core/errors.js';

export interface FleetLinkCommandLine {
  readonly controller?: string;
  readonly gid?: string;
  readonly nid?: string;
  readonly roles?: readonly string[];
  readonly controllerToken?: string;
  readonly controllerCa?: string;
  readonly controllerCert?: string;
  readonly controllerKey?: string;
}

export interface FleetLinkFileValues {
  readonly controller?: string;
  readonly gid?: number;
  readonly nid?: number;
  readonly roles?: readonly string[];
  readonly 'controller-token'?: string;
  readonly 'controller-ca'?: string;
  readonly 'controller-cert'?: string;
  readonly 'controller-key'?: string;
}

export interface FleetLinkSettings {
  readonly controller: string;
  readonly gid: number;
  readonly nid: number;
  readonly roles: readonly string[];
  readonly token: string | undefined;
  /** Absolute path of a PEM CA file to trust. */
  readonly ca: string | undefined;
  /** Absolute paths of a client certificate and its key (PEM), instead of a token. */
  readonly cert: string | undefined;
  readonly key: string | undefined;
  /** The configuration file ([extensions.*], [startup.*] are read from it, again on restart). */
  readonly configFile: string | undefined;
}

function usage(message: string): HostlinkError {
  return new HostlinkError('InvalidParameter', message);
}

function integer(text: string | number | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const value = typeof text === 'number' ? text : /^-?\d{1,9}$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < 0 || value > 2 ** 31 - 1) throw usage(`${name} must be a whole number from 0, not "${text}"`);
  return value;
}

function splitRoles(lists: readonly string[] | undefined): string[] | undefined {
  if (lists === undefined) return undefined;
  const roles = lists.flatMap((list) => list.split(',')).map((role) => role.trim()).filter((role) => role !== '');
  for (const role of roles) if (!/^[\w.*-]+$/.test(role)) throw usage(`role "${role}" may hold letters, digits, '_', '-', '.' only`);
  return roles;
}

/** Undefined when no controller is configured anywhere (the agent then runs without one). */
export function resolveFleetLinkSettings(
  commandLine: FleetLinkCommandLine,
  file: FleetLinkFileValues,
  configFile: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): FleetLinkSettings | undefined {
  const controller = commandLine.controller ?? file.controller ?? (commandLine.gid !== undefined ? env.HOSTLINK_CONTROLLER : undefined);
  if (controller === undefined) {
    if (commandLine.gid !== undefined || commandLine.nid !== undefined || commandLine.roles !== undefined) {
      throw usage('--gid, --nid and --roles need --controller URL (or HOSTLINK_CONTROLLER)');
    }
    return undefined;
  }
  if (!/^(https?|wss?):\/\/[^/]+/.test(controller)) throw usage(`--controller must be an http://, https://, ws:// or wss:// URL, not "${controller}"`);
  const gid = integer(commandLine.gid ?? file.gid, '--gid');
  const nid = integer(commandLine.nid ?? file.nid, '--nid');
  if (gid === undefined || nid === undefined) throw usage('--controller needs --gid G and --nid N: the grid id and node id this agent answers to');
  const roles = splitRoles(commandLine.roles) ?? splitRoles(file.roles) ?? [];
  const ca = commandLine.controllerCa ?? file['controller-ca'];
  const cert = commandLine.controllerCert ?? file['controller-cert'];
  const key = commandLine.controllerKey ?? file['controller-key'];
  if ((cert === undefined) !== (key === undefined)) throw usage('give --controller-cert and --controller-key together');
  return {
    controller,
    gid,
    nid,
    roles,
    token: commandLine.controllerToken ?? file['controller-token'] ?? env.HOSTLINK_AGENT_TOKEN,
    ca: ca === undefined ? undefined : resolve(ca),
    cert: cert === undefined ? undefined : resolve(cert),
    key: key === undefined ? undefined : resolve(key),
    configFile: configFile === undefined ? undefined : resolve(configFile),
  };
}

/** The settings as [agent] keys, for --dump-conf. */
export function fleetLinkToConfig(settings: FleetLinkSettings | undefined): FleetLinkFileValues {
  if (!settings) return {};
  return {
    controller: settings.controller,
    gid: settings.gid,
    nid: settings.nid,
    roles: [...settings.roles],
    ...(settings.token !== undefined ? { 'controller-token': settings.token } : {}),
    ...(settings.ca !== undefined ? { 'controller-ca': settings.ca } : {}),
    ...(settings.cert !== undefined ? { 'controller-cert': settings.cert } : {}),
    ...(settings.key !== undefined ? { 'controller-key': settings.key } : {}),
  };
}
