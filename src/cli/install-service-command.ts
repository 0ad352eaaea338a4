/**
 * `hostlink install-service NAME [--dry-run] [--prefix DIR]`: writes a systemd unit from
 * contrib/ (and for qga the udev rule that starts it), then reloads and enables it.
 * Every file is checked before any is written, so a refusal changes nothing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../core/config.js';
import { HostlinkError } from '../core/errors.js';
import { findSystemProgram } from '../core/program-lookup.js';
import { parseServiceName, planService, SERVICE_NAMES, type ServicePlan } from './install-service/service-files.js';
import { EXIT } from './main.js';

interface InstallOptions {
  dryRun?: boolean;
  prefix?: string;
  force?: boolean;
}

interface Step {
  readonly program: string;
  readonly args: readonly string[];
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function note(line: string): void {
  process.stderr.write(`hostlink install-service: ${line}\n`);
}

function under(prefix: string, target: string): string {
  return prefix === '/' ? target : join(prefix, target);
}

/** Refuses to replace a file someone changed, unless --force. */
function checkTargets(plan: ServicePlan, prefix: string, force: boolean): void {
  for (const file of plan.files) {
    const path = under(prefix, file.target);
    if (!existsSync(path) || force) continue;
    if (readFileSync(path, 'utf8') !== file.content) {
      throw new HostlinkError(
        'InvalidParameter',
        `${path} exists and differs from what hostlink would write: --force replaces it (keep local changes in a drop-in, systemctl edit ${plan.unit})`,
      );
    }
  }
}

function writeAtomically(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const temporary = `${path}.hostlink-new`;
  writeFileSync(temporary, content, { mode: 0o644 });
  renameSync(temporary, path);
}

/** systemd is the running init (sd_booted()'s test). */
function systemdRunning(prefix: string): boolean {
  return prefix === '/' && existsSync('/run/systemd/system');
}

async function planSteps(plan: ServicePlan, prefix: string): Promise<Step[]> {
  const systemctl = await findSystemProgram('systemctl');
  if (!systemctl) {
    note('systemctl not found: the files are written, nothing is reloaded or enabled');
    return [];
  }
  const steps: Step[] = [];
  if (prefix !== '/') {
    note(`--prefix ${prefix}: no daemon-reload or udev reload (they act on the running system)`);
    if (plan.enable) steps.push({ program: systemctl, args: [`--root=${prefix}`, 'enable', plan.unit] });
    return steps;
  }
  if (systemdRunning(prefix)) steps.push({ program: systemctl, args: ['daemon-reload'] });
  else note('systemd is not running here: skipping daemon-reload');
  if (plan.enable) steps.push({ program: systemctl, args: ['enable', plan.unit] });
  if (plan.name === 'qga' && systemdRunning(prefix)) {
    const udevadm = await findSystemProgram('udevadm');
    if (udevadm) {
      // Reload the rules and replay the port's "add" event, so the unit starts now if the port is there.
      steps.push({ program: udevadm, args: ['control', '--reload'] });
      steps.push({ program: udevadm, args: ['trigger', '--action=add', '--subsystem-match=virtio-ports'] });
    } else {
      note('udevadm not found: the rule applies from the next boot');
    }
  }
  return steps;
}

/** Warnings about the configuration this service will read. */
function configHints(plan: ServicePlan, prefix: string): string[] {
  const file = under(prefix, '/etc/hostlink/hostlink.toml');
  let agent;
  try {
    agent = existsSync(file) ? loadConfig(file).values.agent : undefined;
  } catch (error) {
    return [`${(error as Error).message}: the service will not start until this is fixed`];
  }
  const hints: string[] = [];
  if (plan.name === 'agent' && agent?.controller === undefined && agent?.listen === undefined) {
    hints.push(`${file} gives [agent] neither controller nor listen: hostlink-agent would only serve QGA on its default socket; set controller, gid and nid to join a fleet (docs/run-a-fleet.md)`);
  }
  if (plan.name === 'qga' && agent?.controller !== undefined) {
    hints.push(`${file} sets [agent] controller: hostlink-qga would join the controller too; on a fleet member, run hostlink-agent.service and list the virtio port in its [agent] listen instead (docs/replace-qemu-ga.md)`);
  }
  if (plan.name === 'qga' && existsSync(under(prefix, '/lib/systemd/system/qemu-guest-agent.service'))) {
    hints.push('qemu-guest-agent is installed: both start when the port appears; mask it (systemctl mask qemu-guest-agent) or remove the package');
  }
  return hints;
}

async function installService(nameText: string, options: InstallOptions): Promise<number> {
  let plan: ServicePlan;
  const prefix = resolve(options.prefix ?? '/');
  try {
    plan = planService(parseServiceName(nameText));
    checkTargets(plan, prefix, options.force === true);
  } catch (error) {
    note((error as Error).message);
    return error instanceof HostlinkError && error.errorClass === 'InvalidParameter' ? EXIT.usage : EXIT.remoteError;
  }
  const steps = await planSteps(plan, prefix);
  if (options.dryRun) {
    for (const file of plan.files) say(`# would write ${under(prefix, file.target)}\n${file.content}`);
    for (const step of steps) say(`# would run ${[step.program, ...step.args].join(' ')}`);
    for (const hint of configHints(plan, prefix)) note(hint);
    return EXIT.ok;
  }
  for (const file of plan.files) {
    const path = under(prefix, file.target);
    try {
      writeAtomically(path, file.content);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      note(`cannot write ${path}: ${(error as Error).message}${code === 'EACCES' || code === 'EPERM' ? ' (run as root, or give --prefix DIR)' : ''}`);
      return EXIT.remoteError;
    }
    say(`wrote ${path}`);
  }
  for (const step of steps) {
    const result = spawnSync(step.program, step.args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const shown = [step.program, ...step.args].join(' ');
    if (result.status !== 0) {
      note(`${shown} failed${result.status === null ? '' : ` (exit ${result.status})`}: ${(result.stderr || result.error?.message || '').trim()}`);
      return EXIT.remoteError;
    }
    say(`ran ${shown}`);
  }
  for (const hint of configHints(plan, prefix)) note(hint);
  if (plan.enable && prefix === '/') say(`start it now with: systemctl start ${plan.unit}`);
  return EXIT.ok;
}

const HELP_AFTER = `
Services:
  qga         hostlink-qga.service and its udev rule: the QEMU guest agent on the virtio
              port org.qemu.guest_agent.0, started when the port appears (as Debian's
              qemu-guest-agent); not enabled, udev starts it
  agent       hostlink-agent.service: the agent as /etc/hostlink/hostlink.toml says,
              joined to its controller ([agent] controller, gid, nid) and/or serving
              its listeners ([agent] listen)
  controller  hostlink-controller.service: the fleet controller, as an unprivileged
              dynamic user

Units go to /etc/systemd/system, the rule to /etc/udev/rules.d; then systemctl
daemon-reload and enable (and a udev reload for qga). With --prefix DIR the files go
under DIR and the unit is enabled there (systemctl --root=DIR); nothing else is run.

Examples:
  hostlink install-service qga
  hostlink install-service controller --dry-run
`;

export function addInstallServiceCommand(program: Command): void {
  program
    .command('install-service')
    .description(`write a systemd unit (${SERVICE_NAMES.join(', ')}) and enable it`)
    .argument('<name>', SERVICE_NAMES.join(', '))
    .option('--dry-run', 'print the files and the commands, change nothing')
    .option('--prefix <dir>', 'install under DIR instead of / (an image, a test)')
    .option('--force', 'replace a file that differs from the shipped one')
    .addHelpText('after', HELP_AFTER)
    .action(async (name: string, options: InstallOptions) => {
      process.exitCode = await installService(name, options);
    });
}
