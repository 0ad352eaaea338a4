// How values are shown: times, durations, sizes, commands, states and message levels.
import { el } from './dom.js';

const pad = (n, width = 2) => String(n).padStart(width, '0');

/** HH:MM:SS today, YYYY-MM-DD HH:MM:SS otherwise (local time). */
export function formatTime(ms) {
  if (!ms) return '—';
  const date = new Date(ms);
  const clock = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  const today = new Date();
  if (date.toDateString() === today.toDateString()) return clock;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${clock}`;
}

/** <time> with the machine-readable instant and the full local date as its tooltip. */
export function timeEl(ms, text = formatTime(ms)) {
  if (!ms) return el('span', { class: 'muted' }, '—');
  return el('time', { datetime: new Date(ms).toISOString(), title: new Date(ms).toString() }, text);
}

export function formatDuration(ms) {
  if (!(ms >= 0)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${pad(Math.floor(seconds % 60))} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${pad(minutes % 60)} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function formatAgo(ms, now = Date.now()) {
  if (!ms) return '—';
  const delta = Math.max(0, now - ms);
  return delta < 1500 ? 'just now' : `${formatDuration(delta).replace(/\.\d/, '')} ago`;
}

export function formatBytes(bytes) {
  if (!(bytes >= 0)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`;
}

/** For display only (nothing here is ever run): an argument as a POSIX shell would read it. */
export function shellQuote(arg) {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** "execute: sh -c 'echo hi'" or "get_mem_info" (with its JSON arguments, if any). */
export function commandText(command) {
  if (!command) return '';
  const args = command.args ?? {};
  if (command.cmd === 'execute' || (args.name && !command.data)) {
    const argv = [args.name ?? '', ...(args.args ?? [])].filter((part) => part !== '');
    return `${command.cmd}: ${argv.map(shellQuote).join(' ')}`;
  }
  return command.data ? `${command.cmd} ${command.data}` : command.cmd;
}

export const agentKey = (gid, nid) => `${gid}:${nid}`;

/** Whom a command was addressed to, and whom it reached. */
export function targetText(command, targets = []) {
  if (!command) return '';
  let wanted;
  if (command.nid !== undefined && command.nid !== null) wanted = agentKey(command.gid, command.nid);
  else if (command.roles?.length) wanted = `roles ${command.roles.join(',')}${command.gid !== undefined ? ` in grid ${command.gid}` : ''}${command.fanout ? ', fan-out' : ''}`;
  else wanted = `grid ${command.gid}`;
  const reached = targets.map((target) => agentKey(target.gid, target.nid));
  if (reached.length === 0 || (reached.length === 1 && reached[0] === wanted)) return wanted;
  return `${wanted} → ${reached.length <= 3 ? reached.join(', ') : `${reached.length} agents`}`;
}

export const LEVEL_NAMES = {
  1: 'stdout',
  2: 'stderr',
  3: 'public',
  4: 'operator',
  5: 'unknown',
  6: 'structured',
  7: 'warning',
  8: 'ops error',
  9: 'critical',
  10: 'statsd',
  11: 'debug',
  20: 'result JSON',
  21: 'result YAML',
  22: 'result TOML',
  23: 'result HRD',
  30: 'job JSON',
};

export function levelText(level) {
  return LEVEL_NAMES[level] ? `${level} ${LEVEL_NAMES[level]}` : String(level);
}

const FINAL = new Set(['SUCCESS', 'ERROR', 'TIMEOUT', 'KILLED', 'UNKNOWN_CMD', 'DUPLICATE_ID', 'EXPIRED', 'DISCONNECTED']);
const ENDS_RECURRING = new Set(['KILLED', 'UNKNOWN_CMD', 'DUPLICATE_ID', 'EXPIRED', 'DISCONNECTED']);

export function isFinal(state) {
  return FINAL.has(state);
}

/** No more results will come for this target (a recurring job ends only by kill and the like). */
export function isLastResult(result, args = {}) {
  if (!isFinal(result.state)) return false;
  return !((args.recurring_period ?? 0) > 0) || ENDS_RECURRING.has(result.state);
}

const RANK = { QUEUED: 0, RUNNING: 1 };

/**
 * Whether `next` is newer news of a target than `old` (reads and live events may cross):
 * a later run or start wins; within one run, QUEUED < RUNNING < a final state.
 */
export function supersedes(old, next) {
  if (!old) return true;
  const oldRun = old.run ?? 0;
  const nextRun = next.run ?? 0;
  if (oldRun !== 0 && nextRun !== 0 && oldRun !== nextRun) return nextRun > oldRun;
  if (old.starttime && next.starttime && old.starttime !== next.starttime) return next.starttime > old.starttime;
  return (RANK[next.state] ?? 2) >= (RANK[old.state] ?? 2);
}

const STATE_KIND = { SUCCESS: 'ok', QUEUED: 'wait', RUNNING: 'run', KILLED: 'warn', TIMEOUT: 'warn', EXPIRED: 'warn', DISCONNECTED: 'warn' };

export function stateBadge(state, count) {
  return el('span', { class: `badge state-${STATE_KIND[state] ?? 'bad'}`, dataset: { state } }, count > 1 ? `${state} ×${count}` : state);
}

/** Start of the earliest run, end of the latest, and whether any target still runs. */
export function timing(results, created, now = Date.now()) {
  const started = results.filter((result) => result.starttime > 0);
  if (started.length === 0) return { start: 0, duration: undefined, running: false };
  const start = Math.min(...started.map((result) => result.starttime));
  const running = results.some((result) => !isFinal(result.state));
  const end = running ? now : Math.max(...started.map((result) => result.starttime + (result.time ?? 0)));
  return { start: start || created, duration: end - start, running };
}
