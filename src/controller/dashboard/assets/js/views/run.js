// Run: a form for one command (target, command, run arguments), sent as POST /v1/jobs;
// the results and output then arrive under the form. The request body is shown as it
// will be sent, so the same call can be scripted.
import { api, isAbort } from '../api.js';
import { el, field, fill, messageOf } from '../dom.js';
import { Scope } from '../scope.js';
import { mountJob } from './job.js';

const KNOWN_COMMANDS = ['execute', 'ping', 'get_os_info', 'get_cpu_info', 'get_mem_info', 'get_disk_info', 'get_nic_info', 'get_processes_stats', 'get_process_stats', 'get_aggregated_stats', 'get_msgs', 'kill', 'killall', 'restart', 'guest-info', 'guest-get-osinfo', 'guest-get-host-name'];

class FormProblem extends Error {
  constructor(input, message) {
    super(message);
    this.input = input;
  }
}

/**
 * The control's whole number, or undefined when it is empty and optional.
 * @param {HTMLInputElement} input
 * @param {{ min?: number, optional?: boolean }} [options]
 */
function integer(input, { min, optional = true } = {}) {
  const text = input.value.trim();
  const name = input.labels?.[0]?.textContent ?? input.name;
  if (text === '') {
    if (optional) return undefined;
    throw new FormProblem(input, `${name} is required.`);
  }
  if (!/^-?\d+$/.test(text)) throw new FormProblem(input, `${name} must be a whole number.`);
  const value = Number(text);
  if (min !== undefined && value < min) throw new FormProblem(input, `${name} must be at least ${min}.`);
  return value;
}

const lines = (input) => input.value.split('\n').map((line) => line.replace(/\r$/, ''));
const nonEmptyLines = (input) => lines(input).filter((line) => line.trim() !== '');

export function renderRun(main, scope, query) {
  const input = (id, props = {}) => el('input', { id, name: id, ...props });
  const targetAgent = input('target-agent', { type: 'radio', name: 'target', value: 'agent', checked: !query.get('roles') });
  const targetRoles = input('target-roles', { type: 'radio', name: 'target', value: 'roles', checked: Boolean(query.get('roles')) });
  const gid = input('gid', { type: 'text', inputmode: 'numeric', autocomplete: 'off', value: query.get('gid') ?? '1' });
  const nid = input('nid', { type: 'text', inputmode: 'numeric', autocomplete: 'off', value: query.get('nid') ?? '' });
  const rolesGid = input('roles-gid', { type: 'text', inputmode: 'numeric', autocomplete: 'off' });
  const roles = input('roles', { type: 'text', autocomplete: 'off', value: query.get('roles') ?? '' });
  const fanout = input('fanout', { type: 'checkbox' });
  const cmd = input('cmd', { type: 'text', list: 'known-commands', autocomplete: 'off', required: true, value: 'execute' });
  const program = input('program', { type: 'text', autocomplete: 'off', spellcheck: 'false' });
  const args = el('textarea', { id: 'args', name: 'args', rows: '3', spellcheck: 'false' });
  const data = el('textarea', { id: 'data', name: 'data', rows: '2', spellcheck: 'false' });
  const maxTime = input('max_time', { type: 'text', inputmode: 'numeric', autocomplete: 'off' });
  const statsInterval = input('stats_interval', { type: 'text', inputmode: 'numeric', autocomplete: 'off' });
  const stream = input('stream', { type: 'checkbox', checked: true });
  const maxRestart = input('max_restart', { type: 'text', inputmode: 'numeric', autocomplete: 'off' });
  const recurring = input('recurring_period', { type: 'text', inputmode: 'numeric', autocomplete: 'off' });
  const queue = input('queue', { type: 'text', autocomplete: 'off' });
  const workingDir = input('working_dir', { type: 'text', autocomplete: 'off', spellcheck: 'false' });
  const env = el('textarea', { id: 'env', name: 'env', rows: '2', spellcheck: 'false' });
  const loglevels = input('loglevels', { type: 'text', autocomplete: 'off' });
  const loglevelsDb = input('loglevels_db', { type: 'text', autocomplete: 'off' });
  const tags = input('tags', { type: 'text', autocomplete: 'off' });
  const jobId = input('job-id', { type: 'text', autocomplete: 'off', spellcheck: 'false' });
  const preview = el('pre', { class: 'preview', id: 'request-preview' });
  const problem = el('p', { class: 'error', role: 'alert', id: 'run-problem' });
  const submit = el('button', { type: 'submit' }, 'Run');
  const panel = el('div', { class: 'run-panel', id: 'run-panel' });

  const agentFields = el('div', { class: 'row' }, field('Grid (gid)', gid), field('Node (nid)', nid));
  const rolesFields = el(
    'div',
    { class: 'row' },
    field('Roles', roles, 'Comma separated; * for any agent.'),
    field('Grid (optional)', rolesGid),
    el('div', { class: 'field check' }, fanout, el('label', { for: 'fanout' }, 'Fan-out: every matching agent (otherwise one, picked at random)')),
  );
  const executeFields = el(
    'div',
    { class: 'row' },
    field('Program', program, 'Run directly, not through a shell.'),
    field('Arguments, one per line', args),
  );
  const form = el(
    'form',
    { class: 'run-form', novalidate: true, 'aria-describedby': 'run-problem' },
    el(
      'fieldset',
      {},
      el('legend', {}, 'Target'),
      el('div', { class: 'row radios' }, el('div', { class: 'field check' }, targetAgent, el('label', { for: 'target-agent' }, 'One agent')), el('div', { class: 'field check' }, targetRoles, el('label', { for: 'target-roles' }, 'Agents with roles'))),
      agentFields,
      rolesFields,
    ),
    el(
      'fieldset',
      {},
      el('legend', {}, 'Command'),
      el('div', { class: 'row' }, field('Command', cmd, 'execute runs a program; other names are agent commands.'), el('datalist', { id: 'known-commands' }, KNOWN_COMMANDS.map((name) => el('option', { value: name })))),
      executeFields,
      field('Data', data, 'Standard input for execute; the JSON arguments of other commands.'),
    ),
    el(
      'fieldset',
      {},
      el('legend', {}, 'Run arguments'),
      el(
        'div',
        { class: 'row' },
        field('Max time (s)', maxTime, '0 or empty: no limit; -1: long running.'),
        field('Stats interval (s)', statsInterval, 'Sample CPU and memory every N seconds.'),
        el('div', { class: 'field check' }, stream, el('label', { for: 'stream' }, 'Stream output as it is printed')),
      ),
      el(
        'details',
        {},
        el('summary', {}, 'More run arguments'),
        el('div', { class: 'row' }, field('Max restarts', maxRestart), field('Recurring period (s)', recurring), field('Queue', queue), field('Working folder', workingDir)),
        el('div', { class: 'row' }, field('Environment, NAME=value per line', env), field('Log levels sent', loglevels, 'e.g. * or 1,2,20-23'), field('Log levels kept', loglevelsDb), field('Tags', tags), field('Job id', jobId, 'Empty: a new one.')),
      ),
    ),
    el('details', { class: 'request' }, el('summary', {}, 'Request body (POST v1/jobs)'), preview),
    problem,
    el('div', { class: 'actions' }, submit),
  );
  fill(main, el('h1', { tabindex: '-1' }, 'Run a command'), form, panel);

  const build = () => {
    const body = {};
    if (targetAgent.checked) {
      body.gid = integer(gid, { optional: false });
      body.nid = integer(nid, { optional: false });
    } else {
      const list = roles.value.split(',').map((role) => role.trim()).filter(Boolean);
      if (list.length === 0) throw new FormProblem(roles, 'Give at least one role (or * for any agent).');
      const grid = integer(rolesGid);
      if (grid !== undefined) body.gid = grid;
      body.roles = list;
      if (fanout.checked) body.fanout = true;
    }
    body.cmd = cmd.value.trim();
    if (body.cmd === '') throw new FormProblem(cmd, 'Command is required.');
    const runArgs = {};
    if (body.cmd === 'execute') {
      if (program.value.trim() === '') throw new FormProblem(program, 'Program is required for execute.');
      runArgs.name = program.value.trim();
      const argv = lines(args);
      while (argv.length && argv.at(-1) === '') argv.pop();
      if (argv.length) runArgs.args = argv;
    }
    for (const [key, control, min] of [['max_time', maxTime, -1], ['stats_interval', statsInterval, 0], ['max_restart', maxRestart, 0], ['recurring_period', recurring, 0]]) {
      const value = integer(control, { min });
      if (value !== undefined) runArgs[key] = value;
    }
    if (stream.checked) runArgs.stream = true;
    if (queue.value.trim()) runArgs.queue = queue.value.trim();
    if (workingDir.value.trim()) runArgs.working_dir = workingDir.value.trim();
    if (loglevels.value.trim()) runArgs.loglevels = loglevels.value.trim();
    if (loglevelsDb.value.trim()) runArgs.loglevels_db = loglevelsDb.value.trim();
    const envLines = nonEmptyLines(env);
    if (envLines.length) {
      runArgs.env = {};
      for (const line of envLines) {
        const at = line.indexOf('=');
        if (at <= 0) throw new FormProblem(env, `Environment line "${line}" is not NAME=value.`);
        runArgs.env[line.slice(0, at)] = line.slice(at + 1);
      }
    }
    body.args = runArgs;
    if (data.value !== '') body.data = data.value;
    if (tags.value.trim()) body.tags = tags.value.trim();
    if (jobId.value.trim()) body.id = jobId.value.trim();
    return body;
  };

  const update = () => {
    agentFields.hidden = !targetAgent.checked;
    rolesFields.hidden = targetAgent.checked;
    executeFields.hidden = cmd.value.trim() !== 'execute';
    try {
      preview.textContent = JSON.stringify(build(), null, 2);
    } catch (error) {
      preview.textContent = `(not ready: ${messageOf(error)})`;
    }
  };
  form.addEventListener('input', update);
  form.addEventListener('change', update);
  update();

  let jobScope;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    problem.textContent = '';
    let body;
    try {
      body = build();
    } catch (error) {
      problem.textContent = messageOf(error);
      if (error instanceof FormProblem) error.input.focus();
      return;
    }
    submit.disabled = true;
    try {
      const outcome = await api('v1/jobs', { method: 'POST', body, signal: scope.signal });
      jobScope?.dispose();
      jobScope = new Scope(scope);
      const reached = outcome.targets.map((target) => `${target.gid}:${target.nid}`).join(', ');
      const job = el('div', { class: 'job-panel' });
      fill(panel, el('p', { class: 'sent', role: 'status' }, `Job ${outcome.id} sent${reached ? ` to ${reached}` : ''}.`, outcome.error ? ` ${outcome.error}` : ''), job);
      mountJob(job, outcome.id, jobScope, { compact: true });
    } catch (error) {
      if (isAbort(error)) return;
      problem.textContent = `The controller refused the command: ${messageOf(error)}`;
    } finally {
      submit.disabled = false;
    }
  });
}
