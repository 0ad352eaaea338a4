// One job: its command, every target's result, stdout and stderr as they stream, its
// messages by level, CPU and memory over time, and a Kill button. The Run view shows the
// same panel in compact form (results and output) under its form.
import { ApiError, api, jobPath, streamEvents } from '../api.js';
import { lineChart } from '../chart.js';
import { el, field, fill, messageOf, setText, syncRows } from '../dom.js';
import { agentKey, commandText, formatBytes, formatDuration, isFinal, isLastResult, levelText, stateBadge, supersedes, targetText, timeEl } from '../format.js';
import { showNotice } from '../notice.js';
import { Scope, isAbort, reportRefreshError, sleep } from '../scope.js';

const REFRESH_MS = 2000;
const STATS_MS = 3000;
const MAX_LINES = 5000;
const MAX_MESSAGES = 5000;
const SHOWN_MESSAGES = 500;
const DATA_PREVIEW = 4000;

/** A <pre> that keeps its last MAX_LINES lines and follows new output while scrolled to the end. */
function appendLines(pre, text) {
  const following = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 8;
  pre.append(text.endsWith('\n') ? text : `${text}\n`);
  while (pre.childNodes.length > MAX_LINES) pre.firstChild.remove();
  if (following) pre.scrollTop = pre.scrollHeight;
}

function dataCell(result) {
  const text = `${result.error_class ? `${result.error_class}: ` : ''}${result.data ?? ''}`;
  if (text === '') return el('span', { class: 'muted' }, '—');
  if (text.length <= DATA_PREVIEW) return el('pre', { class: 'data-text' }, text);
  return el('details', {}, el('summary', {}, `${text.length} characters`), el('pre', { class: 'data-text' }, text));
}

/**
 * Shows job `id` in `container` until `parent` is disposed.
 * compact: results and output only, with a link to the full page.
 */
export function mountJob(container, id, parent, { compact = false } = {}) {
  const scope = new Scope(parent);
  const streamScope = new Scope(scope);
  let command;
  let targets = [];
  let created = 0;
  const results = new Map();
  const outputSeen = new Set();
  const panes = new Map();
  const messages = [];
  const levelCounts = new Map();
  let finished = false;

  const heading = compact
    ? el('h2', {}, 'Job ', el('span', { class: 'mono' }, id))
    : el('h1', { tabindex: '-1' }, 'Job ', el('span', { class: 'mono' }, id));
  const facts = el('dl', { class: 'facts' });
  const killButton = el('button', { type: 'button', class: 'danger', disabled: true }, 'Kill job');
  const killStatus = el('span', { class: 'muted', role: 'status' });
  const streamStatus = el('span', { class: 'muted', id: compact ? undefined : 'stream-status' }, 'connecting…');
  const resultsBody = el('tbody');
  const resultsTable = el(
    'table',
    { class: 'data results' },
    el('caption', { class: 'visually-hidden' }, 'Results by agent'),
    el('thead', {}, el('tr', {}, ['Agent', 'State', 'Started', 'Duration', 'Data', 'Critical'].map((name) => el('th', { scope: 'col' }, name)))),
    resultsBody,
  );
  const outputs = el('div', { class: 'outputs' });
  const parts = [
    compact ? null : el('p', { class: 'breadcrumb' }, el('a', { href: '#/jobs' }, 'Jobs'), ' › ', el('span', { class: 'mono' }, id)),
    heading,
    compact ? el('p', {}, el('a', { href: `#/jobs/${encodeURIComponent(id)}` }, 'Open the job page'), ' (messages, statistics)') : null,
    facts,
    el('div', { class: 'actions' }, killButton, killStatus),
    el('section', { 'aria-labelledby': `results-${compact}` }, el('h2', { id: `results-${compact}` }, 'Results'), el('div', { class: 'table-wrap' }, resultsTable)),
    el('section', { 'aria-labelledby': `output-${compact}` }, el('h2', { id: `output-${compact}` }, 'Output ', streamStatus), outputs),
  ];

  // Messages by level and statistics: the full page only.
  const levelSelect = el('select', { id: 'message-level' }, el('option', { value: '' }, 'All levels'));
  const messagesBody = el('tbody');
  const messagesNote = el('p', { class: 'muted' }, 'No messages yet.');
  const messagesTable = el(
    'table',
    { class: 'data messages', hidden: true },
    el('caption', { class: 'visually-hidden' }, 'Messages'),
    el('thead', {}, el('tr', {}, ['Time', 'Agent', 'Level', 'Message'].map((name) => el('th', { scope: 'col' }, name)))),
    messagesBody,
  );
  const charts = el('div', { class: 'charts', id: 'job-charts' }, el('p', { class: 'muted' }, 'Loading statistics…'));
  if (!compact) {
    parts.push(
      el('section', { 'aria-labelledby': 'messages-h' }, el('h2', { id: 'messages-h' }, 'Messages'), el('div', { class: 'filters' }, field('Level', levelSelect)), messagesNote, el('div', { class: 'table-wrap' }, messagesTable)),
      el('section', { 'aria-labelledby': 'stats-h' }, el('h2', { id: 'stats-h' }, 'Statistics'), charts),
    );
  }
  fill(container, ...parts);

  let factsShown = '';
  const renderFacts = () => {
    const states = {};
    for (const result of results.values()) states[result.state] = (states[result.state] ?? 0) + 1;
    // Rebuilt only when something in it changed (keeps a selection in place).
    const signature = JSON.stringify([command?.id, created, targets.length, states]);
    if (signature === factsShown) return;
    factsShown = signature;
    const rows = [
      ['Command', el('code', {}, commandText(command))],
      ['Target', targetText(command, targets)],
      ['Submitted', timeEl(created)],
      ['State', el('span', { id: compact ? undefined : 'job-state' }, Object.entries(states).map(([state, count]) => [stateBadge(state, count), ' ']))],
    ];
    if (!compact) {
      if (command?.tags) rows.push(['Tags', command.tags]);
      rows.push(['Run arguments', el('code', {}, JSON.stringify(command?.args ?? {}))]);
      if (command?.data) rows.push(['Data', el('code', {}, command.data)]);
    }
    fill(facts, rows.map(([name, value]) => [el('dt', {}, name), el('dd', {}, value)]));
  };

  const ensurePane = (key) => {
    let pane = panes.get(key);
    if (pane) return pane;
    const stdout = el('pre', { class: 'output', tabindex: '0', 'aria-label': `stdout of ${key}`, dataset: { stream: 'stdout', agent: key } });
    const stderr = el('pre', { class: 'output stderr', tabindex: '0', 'aria-label': `stderr of ${key}`, dataset: { stream: 'stderr', agent: key } });
    const section = el('div', { class: 'output-target' }, el('h3', {}, `Agent ${key}`), el('div', { class: 'panes' }, el('figure', {}, el('figcaption', {}, 'stdout'), stdout), el('figure', {}, el('figcaption', {}, 'stderr'), stderr)));
    pane = { stdout, stderr };
    panes.set(key, pane);
    const keys = [...panes.keys()].sort();
    const next = keys[keys.indexOf(key) + 1];
    outputs.insertBefore(section, next ? panes.get(next).stdout.closest('.output-target') : null);
    return pane;
  };

  const renderResults = () => {
    const rows = [...results.values()].sort((a, b) => a.gid - b.gid || a.nid - b.nid);
    syncRows(
      resultsBody,
      rows,
      (result) => agentKey(result.gid, result.nid),
      () => el('tr', {}, Array.from({ length: 6 }, () => el('td'))),
      (tr, result) => {
        const [agent, state, started, duration, data, critical] = tr.cells;
        setText(duration, result.starttime ? formatDuration(isFinal(result.state) ? result.time : Date.now() - result.starttime) : '—');
        const signature = JSON.stringify([result.state, result.run, result.restarts, result.starttime, result.data, result.error_class, result.critical]);
        if (tr.dataset.signature === signature) return;
        tr.dataset.signature = signature;
        setText(agent, agentKey(result.gid, result.nid));
        const extra = [result.run ? `run ${result.run}` : '', result.restarts ? `${result.restarts} restarts` : ''].filter(Boolean).join(', ');
        fill(state, stateBadge(result.state), extra ? ` ${extra}` : '');
        fill(started, timeEl(result.starttime));
        fill(data, dataCell(result));
        setText(critical, result.critical || '—');
      },
    );
    renderFacts();
    const open = [...results.values()].filter((result) => !isLastResult(result, command?.args));
    killButton.disabled = open.length === 0 || results.size === 0;
    if (results.size > 0 && open.length === 0 && !finished) finish();
  };

  const applyResult = (result) => {
    const key = agentKey(result.gid, result.nid);
    if (!supersedes(results.get(key), result)) return;
    results.set(key, result);
    ensurePane(key);
    if (isFinal(result.state) && !outputSeen.has(key)) {
      // No stdout/stderr came as messages (not kept, or a registry command): show the result's last lines.
      const pane = ensurePane(key);
      fill(pane.stdout, result.streams?.[0] ?? '');
      fill(pane.stderr, result.streams?.[1] ?? '');
    }
  };

  const messageShown = (message) => levelSelect.value === '' || String(message.level) === levelSelect.value;
  const messageRow = (message) =>
    el('tr', { dataset: { level: String(message.level) } }, el('td', {}, timeEl(message.epoch)), el('td', {}, agentKey(message.gid, message.nid)), el('td', {}, levelText(message.level)), el('td', {}, el('pre', { class: 'message-text' }, message.data)));
  const renderLevelOptions = () => {
    const current = levelSelect.value;
    const levels = [...levelCounts.keys()].sort((a, b) => a - b);
    fill(levelSelect, el('option', { value: '' }, `All levels (${messages.length})`), levels.map((level) => el('option', { value: String(level) }, `${levelText(level)} (${levelCounts.get(level)})`)));
    levelSelect.value = current;
  };
  const renderMessages = () => {
    const shown = messages.filter(messageShown).slice(-SHOWN_MESSAGES);
    fill(messagesBody, shown.map(messageRow));
    messagesTable.hidden = shown.length === 0;
    messagesNote.hidden = shown.length > 0;
  };
  levelSelect.addEventListener('change', renderMessages);

  let levelOptionsQueued = false;
  const addMessage = (message) => {
    const key = agentKey(message.gid, message.nid);
    if (message.level === 1 || message.level === 2) {
      const pane = ensurePane(key);
      if (!outputSeen.has(key)) {
        outputSeen.add(key);
        fill(pane.stdout);
        fill(pane.stderr);
      }
      appendLines(message.level === 1 ? pane.stdout : pane.stderr, message.data);
    }
    if (compact) return;
    messages.push(message);
    if (messages.length > MAX_MESSAGES) messages.shift();
    levelCounts.set(message.level, (levelCounts.get(message.level) ?? 0) + 1);
    if (messageShown(message)) {
      messagesBody.append(messageRow(message));
      if (messagesBody.rows.length > SHOWN_MESSAGES) messagesBody.rows[0].remove();
      messagesTable.hidden = false;
      messagesNote.hidden = true;
    }
    if (!levelOptionsQueued) {
      levelOptionsQueued = true;
      requestAnimationFrame(() => {
        levelOptionsQueued = false;
        renderLevelOptions();
      });
    }
  };

  const notFound = () => {
    scope.dispose();
    fill(container, heading, el('p', { class: 'error', role: 'alert' }, `No job with id ${id} (jobs are kept for the controller's --result-ttl).`), compact ? null : el('p', {}, el('a', { href: '#/jobs' }, 'Back to the jobs')));
  };

  const refresh = async () => {
    try {
      const body = await api(jobPath(id), { signal: scope.signal });
      command = body.command;
      targets = body.targets;
      created = body.created;
      for (const result of body.results) applyResult(result);
      renderResults();
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return notFound();
      throw error;
    }
  };
  const poller = scope.poll(refresh, REFRESH_MS);

  const stats = compact ? undefined : scope.poll(async () => renderStats(charts, await api(jobPath(id, 'stats'), { signal: scope.signal }), command), STATS_MS);

  function finish() {
    finished = true;
    poller.stop();
    setText(streamStatus, '(finished)');
    // The last samples and messages may trail the results a little.
    setTimeout(() => {
      if (!scope.active) return;
      stats?.stop();
      if (!compact) void api(jobPath(id, 'stats'), { signal: scope.signal }).then((body) => renderStats(charts, body, command), reportRefreshError);
      streamScope.dispose();
    }, 1500);
  }

  const follow = async () => {
    let after = 0;
    while (streamScope.active) {
      try {
        setText(streamStatus, finished ? '(finished)' : '(live)');
        for await (const event of streamEvents(`${jobPath(id, 'stream')}${after ? `?after=${after}` : ''}`, streamScope.signal)) {
          if (event.type === 'message') addMessage(event);
          else if (event.type === 'result') {
            after++;
            applyResult(event.result);
            renderResults();
          } else if (event.type === 'end') {
            if (!finished) void poller.now().then(() => !finished && finish());
            return;
          }
        }
      } catch (error) {
        if (isAbort(error)) return;
        if (error instanceof ApiError && error.status === 404) return notFound();
        if (error instanceof ApiError && error.status === 401) return;
      }
      if (!streamScope.active) return;
      setText(streamStatus, '(reconnecting…)');
      await sleep(2000, streamScope.signal);
    }
  };
  void follow();

  killButton.addEventListener('click', async () => {
    const open = [...results.values()].filter((result) => !isLastResult(result, command?.args)).length;
    if (!window.confirm(`Kill job ${id} on ${open} agent${open === 1 ? '' : 's'}?`)) return;
    killButton.disabled = true;
    setText(killStatus, 'Sending kill…');
    try {
      const answer = await api(jobPath(id, 'kill'), { method: 'POST', signal: scope.signal });
      setText(killStatus, `Kill sent to ${answer.targets} agent${answer.targets === 1 ? '' : 's'}.`);
      showNotice(`Kill sent for job ${id}.`, 'info', 5000);
      await poller.now();
    } catch (error) {
      if (isAbort(error)) return;
      killButton.disabled = false;
      setText(killStatus, `Kill failed: ${messageOf(error)}`);
    }
  });

  return scope;
}

/** One series per agent (the store keeps each batch of samples as its own entry). */
function seriesOf(statsList, key) {
  const byAgent = new Map();
  for (const entry of statsList) {
    const name = agentKey(entry.gid, entry.nid);
    const points = byAgent.get(name) ?? [];
    for (const sample of entry.samples) if (sample.key === key) points.push({ epoch: sample.epoch, value: sample.value });
    byAgent.set(name, points);
  }
  return [...byAgent]
    .filter(([, points]) => points.length > 0)
    .sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))
    .map(([name, points]) => ({ name, points: points.sort((a, b) => a.epoch - b.epoch) }));
}

const PROCESS_KEYS = new Set(['cpu', 'cpu_seconds', 'rss', 'vms', 'swap']);

function renderStats(container, body, command) {
  const list = body.stats ?? [];
  const cpu = seriesOf(list, 'cpu');
  const memory = seriesOf(list, 'rss');
  const parts = [];
  if (cpu.length) parts.push(el('figure', { class: 'chart-box' }, el('figcaption', {}, 'CPU (%)'), lineChart({ title: 'CPU use in percent over time', series: cpu, format: (value) => `${Math.round(value * 10) / 10}%` })));
  if (memory.length) parts.push(el('figure', { class: 'chart-box' }, el('figcaption', {}, 'Memory (RSS)'), lineChart({ title: 'Resident memory over time', series: memory, format: formatBytes })));
  if (new Set(list.map((entry) => agentKey(entry.gid, entry.nid))).size > 1) {
    parts.push(el('p', { class: 'legend' }, [...new Set([...cpu, ...memory].map((line) => line.name))].map((name, index) => el('span', { class: `key series-${index % 4}` }, `Agent ${name}`))));
  }
  // statsd-style samples the job printed (level 10), summarised.
  const other = new Map();
  for (const entry of list) {
    for (const sample of entry.samples) {
      if (PROCESS_KEYS.has(sample.key)) continue;
      const key = `${agentKey(entry.gid, entry.nid)} ${sample.key}`;
      const row = other.get(key) ?? { agent: agentKey(entry.gid, entry.nid), key: sample.key, type: sample.type, count: 0, last: 0, min: Infinity, max: -Infinity };
      row.count++;
      row.last = sample.value;
      row.min = Math.min(row.min, sample.value);
      row.max = Math.max(row.max, sample.value);
      other.set(key, row);
    }
  }
  if (other.size) {
    parts.push(
      el(
        'table',
        { class: 'data' },
        el('caption', {}, 'Other statistics'),
        el('thead', {}, el('tr', {}, ['Agent', 'Key', 'Type', 'Samples', 'Last', 'Min', 'Max'].map((name) => el('th', { scope: 'col' }, name)))),
        el('tbody', {}, [...other.values()].map((row) => el('tr', {}, [row.agent, row.key, row.type, row.count, row.last, row.min, row.max].map((value) => el('td', {}, String(value)))))),
      ),
    );
  }
  if (parts.length === 0) {
    parts.push(el('p', { class: 'muted' }, (command?.args?.stats_interval ?? 0) > 0 ? 'No samples yet.' : 'Not sampled: run the job with stats_interval (seconds) to chart its CPU and memory.'));
  }
  fill(container, parts);
}
