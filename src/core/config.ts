/**
 * The configuration file: ONE TOML file (default /etc/hostlink/hostlink.toml), one
 * section per program ([agent], later [controller], [vt-agent], ...), keys spelled as
 * the long command-line options. Every key is declared once in CONFIG_SCHEMA, so the
 * loader, `--dump-conf` and the docs all read the same table.
 */
import { readFileSync } from 'node:fs';
import { parse, stringify, TomlError } from 'smol-toml';
import { HostlinkError } from './errors.js';

export const DEFAULT_CONFIG_FILE = '/etc/hostlink/hostlink.toml';

export type ConfigValueType = 'string' | 'string-list' | 'boolean' | 'integer';

export interface ConfigKeySpec {
  readonly type: ConfigValueType;
  readonly description: string;
}

/** Every key of every section. Add a section here and it is loaded, checked and dumped. */
export const CONFIG_SCHEMA = {
  agent: {
    listen: {
      type: 'string-list',
      description: 'Listeners, each PROTOCOL:TRANSPORT:ADDRESS (qga:unix:PATH, qga:tcp:[HOST:]PORT, qga:chardev:DEVICE)',
    },
    'state-dir': { type: 'string', description: 'Folder for state kept between runs (qga.state); created if missing' },
    'pid-file': { type: 'string', description: 'Write the agent process id here once it listens; removed on exit' },
    'log-file': { type: 'string', description: 'Append logs (JSON lines) to this file instead of stderr' },
    verbose: { type: 'boolean', description: 'Log at debug level' },
    daemonize: { type: 'boolean', description: 'Detach and run in the background once listening' },
    'block-rpcs': { type: 'string-list', description: 'Command names to disable (a trailing * matches a prefix)' },
    'allow-rpcs': { type: 'string-list', description: 'If set, only these command names are enabled (then block-rpcs applies)' },
    'fsfreeze-hook': { type: 'string', description: 'Accepted for qemu-ga compatibility; not run yet' },
    root: { type: 'string', description: 'Commands that change the system (passwords, SSH keys, network, injected files) act inside this folder' },
    services: { type: 'string', description: "Folder of vt_agent-style service modules (.js, .mjs, .ts, .py) served as PATH.function over every listener, with the vt_agent core API" },
    'data-dir': { type: 'string', description: 'The vt_agent data folder (log/, download/, agent_tmp_*); default: vt-data in the state folder' },
    'network-renderer': { type: 'string', description: "How nova's resetnetwork writes the network: netplan, ifcfg, ifupdown or networkd (default: from what the system has)" },
    controller: { type: 'string', description: 'Controller URL to join (http://HOST:PORT, https://, ws://, wss://)' },
    gid: { type: 'integer', description: 'Grid id this agent answers to (with controller)' },
    nid: { type: 'integer', description: 'Node id this agent answers to (with controller)' },
    roles: { type: 'string-list', description: 'Roles this agent holds (with controller)' },
    'controller-token': { type: 'string', description: 'Token the agent presents to the controller' },
    'controller-ca': { type: 'string', description: 'CA certificate (PEM file) to trust for an https:// controller' },
    'controller-cert': { type: 'string', description: 'Client certificate (PEM file, CN "GID:NID") to present to the controller instead of a token' },
    'controller-key': { type: 'string', description: 'Private key (PEM file) of controller-cert' },
  },
  qga: {
    socket: {
      type: 'string',
      description: 'Default agent address of `hostlink qga`: a Unix socket path, unix:PATH, tcp:HOST:PORT or device:PATH',
    },
  },
} as const satisfies Record<string, Record<string, ConfigKeySpec>>;

export type ConfigSectionName = keyof typeof CONFIG_SCHEMA;

/** Sections of tables read by their own modules (src/agent/fleet/fleet-config.ts), passed over here. */
export const SECTIONS_READ_ELSEWHERE: ReadonlySet<string> = new Set(['extensions', 'startup']);

type ValueOf<T extends ConfigValueType> = T extends 'string'
  ? string
  : T extends 'string-list'
    ? string[]
    : T extends 'boolean'
      ? boolean
      : number;

/** The values of one section as found in the file; absent keys are absent. */
export type ConfigSection<N extends ConfigSectionName> = {
  -readonly [K in keyof (typeof CONFIG_SCHEMA)[N]]?: (typeof CONFIG_SCHEMA)[N][K] extends { type: infer T extends ConfigValueType }
    ? ValueOf<T>
    : never;
};

export type ConfigValues = { [N in ConfigSectionName]: ConfigSection<N> };

export interface LoadedConfig {
  /** The file read, or undefined when there was none (the default file is missing). */
  readonly file: string | undefined;
  readonly values: ConfigValues;
}

function emptyValues(): ConfigValues {
  return Object.fromEntries(Object.keys(CONFIG_SCHEMA).map((name) => [name, {}])) as ConfigValues;
}

function configError(file: string, line: number | undefined, message: string): HostlinkError {
  return new HostlinkError('InvalidParameter', `${file}${line === undefined ? '' : `:${line}`}: ${message}`);
}

/**
 * Loads the configuration. With `path` the file must exist; without it the default
 * file is read if it exists, and a missing default file gives empty values.
 */
export function loadConfig(path?: string): LoadedConfig {
  const file = path ?? DEFAULT_CONFIG_FILE;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (path === undefined && code === 'ENOENT') return { file: undefined, values: emptyValues() };
    throw new HostlinkError('InvalidParameter', `cannot read the configuration file ${file}: ${(error as Error).message}`);
  }
  return { file, values: parseConfig(text, file) };
}

/** Parses and checks configuration text; `file` names it in error messages. */
export function parseConfig(text: string, file: string): ConfigValues {
  let document: Record<string, unknown>;
  try {
    document = parse(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      const firstLine = error.message.split('\n')[0] ?? error.message;
      throw configError(file, error.line, `not valid TOML: ${firstLine.replace(/^Invalid TOML document: /, '')}`);
    }
    throw error;
  }
  const values = emptyValues();
  const schema: Record<string, Record<string, ConfigKeySpec>> = CONFIG_SCHEMA;
  for (const [sectionName, section] of Object.entries(document)) {
    if (SECTIONS_READ_ELSEWHERE.has(sectionName)) continue;
    const sectionSchema = schema[sectionName];
    if (!sectionSchema) {
      throw configError(
        file,
        findSectionLine(text, sectionName),
        `unknown section [${sectionName}] (known: ${Object.keys(schema).map((name) => `[${name}]`).join(', ')})`,
      );
    }
    if (typeof section !== 'object' || section === null || Array.isArray(section) || section instanceof Date) {
      throw configError(file, findKeyLine(text, undefined, sectionName), `${sectionName} must be a section ([${sectionName}])`);
    }
    const target = (values as Record<string, Record<string, unknown>>)[sectionName]!;
    for (const [key, value] of Object.entries(section as Record<string, unknown>)) {
      const spec = sectionSchema[key];
      // An inline table (`agent = { ... }`) has no line of its own per key: name the section's.
      const line = findKeyLine(text, sectionName, key) ?? findSectionLine(text, sectionName);
      if (!spec) throw configError(file, line, `unknown key "${key}" in [${sectionName}]`);
      const problem = typeProblem(spec.type, value);
      if (problem) throw configError(file, line, `key "${key}" in [${sectionName}] must be ${problem}`);
      target[key] = Array.isArray(value) ? [...(value as string[])] : value;
    }
  }
  return values;
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date';
  if (typeof value === 'bigint') return 'an integer';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a float';
  if (typeof value === 'object' && value !== null) return 'a table';
  return `a ${typeof value}`;
}

/** Undefined when `value` has the type, else what was expected and what came. */
function typeProblem(type: ConfigValueType, value: unknown): string | undefined {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? undefined : `a string, not ${describeValue(value)}`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `true or false, not ${describeValue(value)}`;
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? undefined : `an integer, not ${describeValue(value)}`;
    case 'string-list':
      if (!Array.isArray(value)) return `an array of strings, not ${describeValue(value)}`;
      return value.every((item) => typeof item === 'string') ? undefined : 'an array of strings only';
  }
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

/** The ways a key can be written at the start of a line: bare, "quoted", 'quoted'. */
function keySpellings(key: string): string[] {
  const spellings = [`"${key}"`, `'${key}'`];
  if (BARE_KEY.test(key)) spellings.push(key);
  return spellings;
}

/** Table header name without brackets, spaces or quotes: `[ "agent" ]` -> agent. */
function headerName(line: string): string | undefined {
  const match = /^\s*\[\s*([^\]]+?)\s*\]\s*(#.*)?$/.exec(line);
  return match ? match[1]!.replace(/["']/g, '').replace(/\s*\.\s*/g, '.') : undefined;
}

function startsWithKey(line: string, prefixes: string[]): boolean {
  const trimmed = line.trimStart();
  return prefixes.some((prefix) => trimmed.startsWith(prefix) && /^\s*[=.]/.test(trimmed.slice(prefix.length)));
}

/**
 * The 1-based line where `key` is set in `section` (or at top level when section is
 * undefined). TOML libraries do not report positions, and error messages must name a
 * line, so this scans for `key =` under `[section]` or `section.key =` at top level.
 */
export function findKeyLine(text: string, section: string | undefined, key: string): number | undefined {
  const lines = text.split(/\r?\n/);
  let current: string | undefined;
  const dotted = section === undefined ? [] : keySpellings(section).flatMap((s) => keySpellings(key).map((k) => `${s}.${k}`));
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const header = headerName(line);
    if (header !== undefined) {
      current = header;
      continue;
    }
    if (current === section && startsWithKey(line, keySpellings(key))) return index + 1;
    if (current === undefined && section !== undefined && startsWithKey(line, dotted)) return index + 1;
  }
  return undefined;
}

/** The 1-based line of `[section]` (or of a top-level `section... =`). */
function findSectionLine(text: string, section: string): number | undefined {
  const lines = text.split(/\r?\n/);
  let topLevel = true;
  for (let index = 0; index < lines.length; index++) {
    const header = headerName(lines[index]!);
    if (header !== undefined) {
      if (header === section || header.startsWith(`${section}.`)) return index + 1;
      topLevel = false;
    } else if (topLevel && startsWithKey(lines[index]!, keySpellings(section))) {
      return index + 1;
    }
  }
  return undefined;
}

/**
 * TOML text for the given values of one section, keys in schema order, each preceded by
 * its description as a comment. What `--dump-conf` prints; loadConfig reads it back.
 */
export function configToToml<N extends ConfigSectionName>(sectionName: N, section: ConfigSection<N>): string {
  const schema: Record<string, ConfigKeySpec> = CONFIG_SCHEMA[sectionName];
  const values = section as Record<string, unknown>;
  const lines = [`[${sectionName}]`];
  for (const [key, spec] of Object.entries(schema)) {
    if (values[key] === undefined) continue;
    lines.push(`# ${spec.description}`);
    // stringify a one-key table to get TOML's quoting of the value right.
    lines.push(stringify({ [key]: values[key] }).trim());
  }
  return lines.join('\n') + '\n';
}
