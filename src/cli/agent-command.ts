/**
 * `hostlink agent`: the agent daemon's command line. hostlink's own options, qemu-ga's
 * spellings as aliases (so `hostlink agent -m unix-listen -p SOCK -t DIR` works where
 * `qemu-ga` did), and the configuration file underneath (command line wins).
 */
import { Command, Option } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAgentRegistry } from '../agent/agent.js';
import { runAgentProcess } from '../agent/agent-process.js';
import { withFleetLink } from '../agent/fleet/agent-fleet-hook.js';
import { addFleetOptions, type FleetCliOptions } from '../agent/fleet/fleet-options.js';
import { resolveAgentSettings, settingsToConfigSection, type AgentCommandLine } from '../agent/agent-settings.js';
import { configToToml, DEFAULT_CONFIG_FILE, loadConfig } from '../core/config.js';
import { HostlinkError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { parseNameList } from '../core/policy.js';
import { collect } from '../core/collect-option.js';

interface RawOptions extends FleetCliOptions {
  listen?: string[];
  config?: string;
  method?: string;
  path?: string;
  stateDir?: string;
  statedir?: string;
  pidFile?: string;
  pidfile?: string;
  logFile?: string;
  logfile?: string;
  verbose?: boolean;
  daemonize?: boolean;
  blockRpcs?: string[];
  blacklist?: string[];
  allowRpcs?: string[];
  dumpConf?: boolean;
  fsfreezeHook?: string | true;
  retryPath?: boolean;
  root?: string;
  networkRenderer?: string;
  services?: string;
  dataDir?: string;
}

/** What `-b ?` (or qemu-ga's `-b help`) asks for: the command names instead of a run. */
function asksForList(lists: (string[] | undefined)[]): boolean {
  return lists.some((list) => list?.some((value) => value === '?' || value === 'help'));
}

function toCommandLine(raw: RawOptions): AgentCommandLine {
  const joinLists = (...lists: (string[] | undefined)[]): string[] | undefined => {
    const given = lists.filter((list): list is string[] => list !== undefined);
    return given.length === 0 ? undefined : given.flat().flatMap((list) => parseNameList(list));
  };
  const commandLine: Record<string, unknown> = {
    listen: raw.listen,
    method: raw.method,
    path: raw.path,
    stateDir: raw.stateDir ?? raw.statedir,
    pidFile: raw.pidFile ?? raw.pidfile,
    logFile: raw.logFile ?? raw.logfile,
    verbose: raw.verbose,
    daemonize: raw.daemonize,
    blockRpcs: joinLists(raw.blockRpcs, raw.blacklist),
    allowRpcs: joinLists(raw.allowRpcs),
    // -F alone means qemu-ga's default hook script.
    fsfreezeHook: raw.fsfreezeHook === true ? '/etc/qemu/fsfreeze-hook' : raw.fsfreezeHook,
    root: raw.root,
    networkRenderer: raw.networkRenderer,
    services: raw.services,
    dataDir: raw.dataDir,
    controller: raw.controller,
    gid: raw.gid,
    nid: raw.nid,
    roles: raw.roles,
    controllerToken: raw.controllerToken,
    controllerCa: raw.controllerCa,
    controllerCert: raw.controllerCert,
    controllerKey: raw.controllerKey,
  };
  for (const key of Object.keys(commandLine)) if (commandLine[key] === undefined) delete commandLine[key];
  return commandLine as AgentCommandLine;
}

function fail(message: string, exitCode: number): void {
  process.stderr.write(`hostlink agent: ${message}\n`);
  process.exitCode = exitCode;
}

async function runAgentCommand(raw: RawOptions, command: Command): Promise<void> {
  if (asksForList([raw.blockRpcs, raw.blacklist, raw.allowRpcs])) {
    // Command sets may keep state (qga.state): give them a scratch folder, not the real one.
    const scratch = mkdtempSync(join(tmpdir(), 'hostlink-list-'));
    try {
      const registry = buildAgentRegistry({ stateDir: scratch, log: silentLogger() });
      process.stdout.write(registry.list().map((definition) => `${definition.name}\n`).join(''));
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    return;
  }
  let settings;
  try {
    settings = resolveAgentSettings(toCommandLine(raw), loadConfig(raw.config));
  } catch (error) {
    if (error instanceof HostlinkError) return fail(error.message, 2);
    throw error;
  }
  if (raw.dumpConf) {
    // The settings a run would use, in the form --config reads back.
    process.stdout.write(configToToml('agent', settingsToConfigSection(settings)));
    return;
  }
  try {
    const agentSettings = settings;
    process.exitCode = await withFleetLink(agentSettings, () =>
      runAgentProcess(agentSettings, {
        // commander keeps the arguments it parsed in rawArgs (not in its typings).
        args: (command.parent as { rawArgs?: string[] } | null)?.rawArgs ?? process.argv.slice(2),
        print: (line) => process.stderr.write(`hostlink agent: ${line}\n`),
      }),
    );
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error), error instanceof HostlinkError && error.errorClass === 'InvalidParameter' ? 2 : 1);
  }
}

const HELP_AFTER = `
Listen specs (PROTOCOL:TRANSPORT:ADDRESS, --listen may be repeated):
  qga:unix:PATH              QEMU guest agent protocol on a Unix socket
  qga:tcp:[HOST:]PORT        ... on TCP (HOST defaults to 127.0.0.1; PORT 0 picks one)
  qga:chardev:DEVICE         ... on a virtio-serial port or serial line

With no listener at all the agent uses qemu-ga's virtio port if this machine has one,
else a Unix socket in a private runtime folder (printed on stderr). Options may also come from ${DEFAULT_CONFIG_FILE} or --config FILE,
section [agent], keys named as the long options; the command line wins.

Examples:
  hostlink agent --listen qga:unix:/tmp/qga.sock
  hostlink agent -m virtio-serial -d -l /var/log/hostlink-agent.log
  hostlink agent -m unix-listen -p /tmp/qga.sock -t /tmp/qga-state -b guest-exec,guest-file-open
  hostlink agent --block-rpcs '?'      list the command names
`;

export function addAgentCommand(program: Command): void {
  const command = program
    .command('agent')
    .description('run the hostlink agent (a drop-in replacement for qemu-ga)')
    .option('--listen <spec>', 'listen on PROTOCOL:TRANSPORT:ADDRESS (repeatable)', collect)
    .option('--config <file>', `configuration file (default ${DEFAULT_CONFIG_FILE} if it exists)`)
    .option('-m, --method <method>', 'qemu-ga transport: unix-listen, virtio-serial or isa-serial (vsock-listen is not supported)')
    .option('-p, --path <path>', 'socket or device for --method (virtio-serial: /dev/virtio-ports/org.qemu.guest_agent.0, isa-serial: /dev/ttyS0)')
    .option('-t, --state-dir <dir>', 'folder for state kept between runs (created if missing)')
    .option('-f, --pid-file <file>', 'write the process id here once listening (removed on exit)')
    .option('-l, --log-file <file>', 'append logs to this file instead of stderr')
    .option('-v, --verbose', 'log at debug level')
    .option('-d, --daemonize', 'run in the background once listening')
    .option('-b, --block-rpcs <list>', "comma-separated command names to disable ('?' lists them)", collect)
    .option('-a, --allow-rpcs <list>', 'comma-separated command names to allow, all others disabled', collect)
    .option('-D, --dump-conf', 'print the effective configuration as TOML and exit')
    .option('-F, --fsfreeze-hook [script]', 'accepted for qemu-ga compatibility; not run (a warning is logged)')
    .option('-r, --retry-path', 'accepted for qemu-ga compatibility; a device is always reopened/retried')
    .option('--root <dir>', 'commands that change the system (passwords, SSH keys, network, injected files) act inside DIR instead of /')
    .option('--network-renderer <name>', "how nova's resetnetwork writes the network: netplan, ifcfg, ifupdown or networkd (default: from what the system has)")
    .option('--services <dir>', 'serve the vt_agent-style service modules of DIR (.js, .mjs, .ts, .py), with the vt_agent core API')
    .option('--data-dir <dir>', 'the vt_agent data folder (log/, download/, agent_tmp_*); default: vt-data in the state folder');
  addFleetOptions(command)
    .addOption(new Option('--statedir <dir>').hideHelp())
    .addOption(new Option('--pidfile <file>').hideHelp())
    .addOption(new Option('--logfile <file>').hideHelp())
    .addOption(new Option('--blacklist <list>').argParser(collect).hideHelp())
    .addHelpText('after', HELP_AFTER)
    .action((raw: RawOptions, self: Command) => runAgentCommand(raw, self));
}
