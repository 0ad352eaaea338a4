/**
 * Checks a submitted command and its run arguments, so bad input is one clear
 * InvalidParameter error ("Parameter 'args.max_time' ...") before anything is queued.
 * Level lists may be given as numbers or as JumpScale's strings ("*", "1,2,20-23").
 */
import { randomUUID } from 'node:crypto';
import { HostlinkError } from '../../core/errors.js';
import { t, validateStruct } from '../../core/schema.js';
import { ALL_LEVELS, isKnownLevel, type JobCommand, type RunArgs } from './job-model.js';

const RUN_ARGS = t.struct({
  domain: t.optional(t.str()),
  name: t.optional(t.str()),
  args: t.optional(t.array(t.str())),
  max_time: t.optional(t.int('int32')),
  max_restart: t.optional(t.int('int32')),
  recurring_period: t.optional(t.int('int32')),
  stats_interval: t.optional(t.int('int32')),
  loglevels: t.optional(t.any()),
  loglevels_db: t.optional(t.any()),
  queue: t.optional(t.str()),
  working_dir: t.optional(t.str()),
  env: t.optional(t.any()),
  stream: t.optional(t.bool()),
});

const COMMAND = t.struct({
  id: t.optional(t.str()),
  gid: t.optional(t.int('int32')),
  nid: t.optional(t.int('int32')),
  roles: t.optional(t.array(t.str())),
  fanout: t.optional(t.bool()),
  tags: t.optional(t.str()),
  cmd: t.str(),
  args: t.optional(t.any()),
  data: t.optional(t.any()),
});

function invalid(message: string): HostlinkError {
  return new HostlinkError('InvalidParameter', message);
}

/** "*", "1,2,20-23", [1, 2] or "1" -> sorted known levels. */
export function parseLevels(value: unknown, name: string): number[] {
  if (value === '*') return [...ALL_LEVELS];
  let items: number[];
  if (typeof value === 'number') items = [value];
  else if (Array.isArray(value)) {
    items = value.map((item) => {
      if (typeof item !== 'number' || !Number.isInteger(item)) throw invalid(`Parameter '${name}' must list integer levels`);
      return item;
    });
  } else if (typeof value === 'string') {
    items = [];
    for (const part of value.split(',').map((piece) => piece.trim()).filter((piece) => piece !== '')) {
      const range = /^(\d+)(?:-(\d+))?$/.exec(part);
      if (!range) throw invalid(`Parameter '${name}': "${part}" is not a level or a range of levels`);
      const from = Number(range[1]);
      const to = range[2] === undefined ? from : Number(range[2]);
      for (const level of ALL_LEVELS) if (level >= from && level <= to) items.push(level);
      if (range[2] === undefined && !isKnownLevel(from)) items.push(from);
    }
  } else {
    throw invalid(`Parameter '${name}' must be "*", a list of levels or a string like "1,2,20-23"`);
  }
  for (const level of items) if (!isKnownLevel(level)) throw invalid(`Parameter '${name}': ${level} is not a message level (known: ${ALL_LEVELS.join(', ')})`);
  return [...new Set(items)].sort((a, b) => a - b);
}

function checkEnv(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid("Parameter 'args.env' must be an object of strings");
  const env: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw invalid(`Parameter 'args.env.${key}' must be a string`);
    if (key === '' || key.includes('=') || key.includes('\0')) throw invalid(`Parameter 'args.env': "${key}" is not a variable name`);
    env[key] = item;
  }
  return env;
}

export function checkRunArgs(value: unknown): RunArgs {
  const raw = validateStruct(RUN_ARGS, value ?? {}, 'args') as Record<string, unknown>;
  const args: Record<string, unknown> = { ...raw };
  if (raw.loglevels !== undefined) args.loglevels = parseLevels(raw.loglevels, 'args.loglevels');
  if (raw.loglevels_db !== undefined) args.loglevels_db = parseLevels(raw.loglevels_db, 'args.loglevels_db');
  if (raw.env !== undefined) args.env = checkEnv(raw.env);
  const maxTime = raw.max_time as number | undefined;
  if (maxTime !== undefined && maxTime < -1) throw invalid("Parameter 'args.max_time' must be -1 (long running), 0 (no limit) or seconds");
  for (const key of ['max_restart', 'recurring_period', 'stats_interval'] as const) {
    const number = raw[key] as number | undefined;
    if (number !== undefined && number < 0) throw invalid(`Parameter 'args.${key}' must not be negative`);
  }
  return args as RunArgs;
}

/** The data field on the wire is a string; other JSON values are sent as their JSON text. */
export function dataToString(data: unknown): string | undefined {
  if (data === undefined || data === null) return undefined;
  return typeof data === 'string' ? data : JSON.stringify(data);
}

/** Checks a submitted command; gives it a fresh id when it has none. */
export function checkCommand(value: unknown): JobCommand {
  const raw = validateStruct(COMMAND, value) as Record<string, unknown>;
  const id = (raw.id as string | undefined) ?? randomUUID();
  if (id === '' || id.length > 200 || /[\s/]/.test(id)) throw invalid("Parameter 'id' must be 1 to 200 characters without spaces or slashes");
  if (raw.nid !== undefined && raw.gid === undefined) throw invalid("Parameter 'nid' needs 'gid'");
  const roles = raw.roles as string[] | undefined;
  if (raw.gid === undefined && (roles === undefined || roles.length === 0)) {
    throw invalid("a command needs a target: 'gid' and 'nid', 'gid' and/or 'roles'");
  }
  if (raw.nid !== undefined && roles !== undefined && roles.length > 0) throw invalid("give either 'nid' or 'roles', not both");
  if ((raw.cmd as string).length === 0) throw invalid("Parameter 'cmd' is empty");
  const command: Record<string, unknown> = { id, cmd: raw.cmd, args: checkRunArgs(raw.args) };
  for (const key of ['gid', 'nid', 'roles', 'fanout', 'tags'] as const) if (raw[key] !== undefined) command[key] = raw[key];
  const data = dataToString(raw.data);
  if (data !== undefined) command.data = data;
  return command as unknown as JobCommand;
}
