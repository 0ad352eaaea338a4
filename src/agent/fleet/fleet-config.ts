/**
 * The agent configuration's JumpScale sections, read from the same TOML file as [agent]:
 *
 *   [extensions.execute_py]        a command running one program
 *   binary = "python3"
 *   cwd = "/opt/scripts"
 *   args = ["{name}"]              templates filled from the run arguments
 *   env = { PYTHONPATH = "/opt/lib" }
 *
 *   [startup.web]                  a job the agent runs when it starts
 *   cmd = "execute"
 *   data = ""
 *   args = { name = "nginx", args = ["-g", "daemon off;"], max_time = -1, max_restart = 5 }
 */
import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import { HostlinkError } from '../../core/errors.js';
import type { ExtensionSpec } from '../../commands/node/extensions.js';
import { checkRunArgs } from '../../protocols/fleet/command-check.js';
import type { RunArgs } from '../../protocols/fleet/job-model.js';

export interface StartupJob {
  readonly name: string;
  readonly cmd: string;
  readonly args: RunArgs;
  readonly data?: string;
}

export interface FleetSections {
  readonly extensions: ExtensionSpec[];
  readonly startup: StartupJob[];
}

function problem(file: string, message: string): HostlinkError {
  return new HostlinkError('InvalidParameter', `${file}: ${message}`);
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function stringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function stringTable(value: unknown): value is Record<string, string> {
  return isTable(value) && Object.values(value).every((item) => typeof item === 'string');
}

function readExtension(file: string, name: string, table: unknown): ExtensionSpec {
  const where = `[extensions.${name}]`;
  if (!isTable(table)) throw problem(file, `${where} must be a table`);
  for (const key of Object.keys(table)) {
    if (!['binary', 'cwd', 'args', 'env'].includes(key)) throw problem(file, `${where}: unknown key "${key}" (known: binary, cwd, args, env)`);
  }
  if (typeof table.binary !== 'string' || table.binary === '') throw problem(file, `${where} needs binary = "PROGRAM"`);
  if (table.cwd !== undefined && typeof table.cwd !== 'string') throw problem(file, `${where}: cwd must be a string`);
  if (table.args !== undefined && !stringList(table.args)) throw problem(file, `${where}: args must be an array of strings`);
  if (table.env !== undefined && !stringTable(table.env)) throw problem(file, `${where}: env must be a table of strings`);
  return {
    name,
    binary: table.binary,
    ...(table.cwd !== undefined ? { cwd: table.cwd } : {}),
    ...(table.args !== undefined ? { args: table.args } : {}),
    ...(table.env !== undefined ? { env: table.env } : {}),
  };
}

function readStartup(file: string, name: string, table: unknown): StartupJob {
  const where = `[startup.${name}]`;
  if (!isTable(table)) throw problem(file, `${where} must be a table`);
  for (const key of Object.keys(table)) {
    if (!['cmd', 'args', 'data'].includes(key)) throw problem(file, `${where}: unknown key "${key}" (known: cmd, args, data)`);
  }
  if (typeof table.cmd !== 'string' || table.cmd === '') throw problem(file, `${where} needs cmd = "COMMAND"`);
  if (table.data !== undefined && typeof table.data !== 'string') throw problem(file, `${where}: data must be a string`);
  let args: RunArgs;
  try {
    args = checkRunArgs(table.args ?? {});
  } catch (error) {
    throw problem(file, `${where}: ${(error as Error).message}`);
  }
  return { name, cmd: table.cmd, args, ...(table.data !== undefined ? { data: table.data } : {}) };
}

export function parseFleetSections(text: string, file: string): FleetSections {
  let document: Record<string, unknown>;
  try {
    document = parse(text) as Record<string, unknown>;
  } catch (error) {
    throw problem(file, `not valid TOML: ${(error as Error).message.split('\n')[0]}`);
  }
  const extensions = document.extensions ?? {};
  const startup = document.startup ?? {};
  if (!isTable(extensions)) throw problem(file, 'extensions must be a table of [extensions.NAME] tables');
  if (!isTable(startup)) throw problem(file, 'startup must be a table of [startup.NAME] tables');
  return {
    extensions: Object.entries(extensions).map(([name, table]) => readExtension(file, name, table)),
    startup: Object.entries(startup).map(([name, table]) => readStartup(file, name, table)),
  };
}

/** The sections of a configuration file; none when there is no file. */
export function loadFleetSections(file: string | undefined): FleetSections {
  if (file === undefined) return { extensions: [], startup: [] };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw problem(file, `cannot read: ${(error as Error).message}`);
  }
  return parseFleetSections(text, file);
}
