/**
 * The files `hostlink install-service NAME` writes: the unit (and for qga the udev rule)
 * from contrib/, with the shipped command path replaced by the hostlink actually
 * installed, so the unit runs this copy wherever npm put it.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HostlinkError } from '../../core/errors.js';

/** The package root: src/cli/install-service/ and dist/cli/install-service/ are both three levels down. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const SERVICE_NAMES = ['qga', 'agent', 'controller'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** What the shipped files say; replaced by the installed paths. */
const SHIPPED_COMMAND = /\/usr\/local\/bin\/hostlink(?=\s|$)/gm;
const SHIPPED_PACKAGE_URL = 'file:///usr/local/lib/node_modules/hostlink/';

/** systemd's default PATH for services: where `#!/usr/bin/env node` looks. */
const SYSTEMD_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export interface ServiceFile {
  /** Where it goes on the target system (before --prefix). */
  readonly target: string;
  readonly content: string;
}

export interface ServicePlan {
  readonly name: ServiceName;
  readonly unit: string;
  readonly files: readonly ServiceFile[];
  /** Whether the unit has an [Install] section (qga has none: udev starts it). */
  readonly enable: boolean;
}

/** `qga`, `hostlink-qga` and `hostlink-qga.service` all name the qga service. */
export function parseServiceName(text: string): ServiceName {
  const bare = text.replace(/\.service$/, '').replace(/^hostlink-/, '');
  const found = SERVICE_NAMES.find((name) => name === bare);
  if (!found) throw new HostlinkError('InvalidParameter', `unknown service "${text}" (known: ${SERVICE_NAMES.join(', ')})`);
  return found;
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** One word of an ExecStart= line: quoted when it has to be, `%` and `$` escaped. */
export function unitWord(word: string): string {
  const escaped = word.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return /^[A-Za-z0-9_/.+,:=@-]+$/.test(escaped) ? escaped : `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * The command line that runs this hostlink from a unit: the path it was started by
 * when that is this package's bin script (e.g. /usr/local/bin/hostlink, npm's link),
 * else the script itself; preceded by this Node when `#!/usr/bin/env node` under
 * systemd's PATH would find another one (or none).
 */
export function hostlinkCommandForUnits(invokedAs = process.argv[1], nodePath = process.execPath): string {
  const script = realpathOrSelf(join(PACKAGE_ROOT, 'bin', 'hostlink.js'));
  const shown = invokedAs !== undefined && isAbsolute(invokedAs) && realpathOrSelf(invokedAs) === script ? invokedAs : script;
  const systemdNode = SYSTEMD_PATH.map((dir) => join(dir, 'node')).find((candidate) => existsSync(candidate));
  const sameNode = systemdNode !== undefined && realpathOrSelf(systemdNode) === realpathOrSelf(nodePath);
  return sameNode ? unitWord(shown) : `${unitWord(nodePath)} ${unitWord(shown)}`;
}

function readShipped(relative: string): string {
  const path = join(PACKAGE_ROOT, 'contrib', relative);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new HostlinkError('GenericError', `cannot read ${path} (is the package complete?): ${(error as Error).message}`);
  }
}

/** The shipped text with this installation's command and documentation paths. */
export function localize(text: string, command: string): string {
  // A percent-encoded byte would read as a unit specifier: %% is a literal %.
  const docsUrl = pathToFileURL(PACKAGE_ROOT).href.replace(/\/?$/, '/').replace(/%/g, '%%');
  return text.replace(SHIPPED_COMMAND, () => command).split(SHIPPED_PACKAGE_URL).join(docsUrl);
}

export function planService(name: ServiceName, command = hostlinkCommandForUnits()): ServicePlan {
  const unit = `hostlink-${name}.service`;
  const files: ServiceFile[] = [{ target: `/etc/systemd/system/${unit}`, content: localize(readShipped(`systemd/${unit}`), command) }];
  if (name === 'qga') files.push({ target: '/etc/udev/rules.d/60-hostlink-qga.rules', content: readShipped('udev/60-hostlink-qga.rules') });
  return { name, unit, files, enable: /^\[Install\]/m.test(files[0]!.content) };
}
