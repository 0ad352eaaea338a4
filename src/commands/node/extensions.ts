/**
 * Extensions: commands the agent's configuration adds, each running one program
 * (`[extensions.NAME] binary, cwd, args, env`). Arguments may hold `{key}` templates
 * filled from the job's run arguments; `{name}` alone is the default, so
 * `[extensions.execute_js_py] binary = "python3", cwd = "/opt/scripts"` runs
 * `python3 SCRIPT` in /opt/scripts for a job with `name = SCRIPT`, as in JumpScale.
 */
import { HostlinkError } from '../../core/errors.js';

export interface ExtensionSpec {
  readonly name: string;
  readonly binary: string;
  readonly cwd?: string;
  /** Argument templates; ["{name}"] when unset. */
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

const TEMPLATE = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

function templateValue(values: Readonly<Record<string, unknown>>, key: string, extension: string): string {
  const value = values[key];
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    const text = String(value);
    if (text.includes('\0')) throw new HostlinkError('InvalidParameter', `extension ${extension}: {${key}} holds a NUL byte`);
    return text;
  }
  throw new HostlinkError('InvalidParameter', `extension ${extension}: the run arguments have no "${key}" for {${key}}`);
}

/**
 * The program's arguments: the templates filled in (each stays one argument, never
 * split or given to a shell), then the job's own `args` list.
 */
export function extensionArguments(spec: ExtensionSpec, values: Readonly<Record<string, unknown>>): string[] {
  const templates = spec.args ?? ['{name}'];
  const filled = templates.map((template) => template.replace(TEMPLATE, (_match, key: string) => templateValue(values, key, spec.name)));
  const extra = values.args;
  return Array.isArray(extra) ? [...filled, ...extra.map(String)] : filled;
}
