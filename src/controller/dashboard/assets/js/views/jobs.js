// Jobs: the newest first, kept up to date by the controller's live feed (live.js): a job
// created anywhere appears at the top with its command and targets, and its row follows
// each target's state as it is recorded. The list and the jobs' details are read once
// when the feed becomes live (and when the tab shows again); only while the feed is down
// is /v1/jobs polled every 2 s, each shown job's details read once and again only when
// its states change (finished jobs are never read again).
import { api, jobPath } from '../api.js';
import { el, fill, setText, syncRows } from '../dom.js';
import { agentKey, commandText, formatDuration, formatTime, stateBadge, supersedes, targetText, timeEl, timing } from '../format.js';
import { followOrPoll } from '../live.js';
import { isAbort } from '../scope.js';

const REFRESH_MS = 2000;
const PAGE = 50;
const MAX_LIMIT = 1000;
const PARALLEL_DETAILS = 4;

function shortId(id) {
  return id.length > 14 ? `${id.slice(0, 8)}…` : id;
}

function countStates(results) {
  const states = {};
  for (const result of results.values()) states[result.state] = (states[result.state] ?? 0) + 1;
  return states;
}

export function renderJobs(main, scope) {
  let limit = PAGE;
  /** Whether the live feed is up (else the list is polled). */
  const feed = { live: false };
  let lastRead = 0;
  /** Job events heard so far: a job heard after a read of the list began is kept even if that read lacks it. */
  let heard = 0;
  /**
   * id -> { summary, detail?: { command, targets }, results: Map gid:nid -> result,
   * loaded (results holds every target), loading, heard }
   */
  const entries = new Map();
  /** Ids shown, newest first. */
  let order = [];
  const summary = el('p', { class: 'summary', id: 'jobs-summary' }, 'Loading jobs…');
  const tbody = el('tbody');
  const table = el(
    'table',
    { class: 'data', id: 'jobs-table', 'aria-describedby': 'jobs-summary' },
    el('caption', { class: 'visually-hidden' }, 'Jobs, newest first'),
    el('thead', {}, el('tr', {}, ['Job', 'State', 'Target', 'Command', 'Started', 'Duration'].map((name) => el('th', { scope: 'col' }, name)))),
    tbody,
  );
  const more = el('button', { type: 'button', class: 'secondary', hidden: true }, `Show ${PAGE} more`);
  const empty = el('p', { class: 'empty', hidden: true }, 'No jobs yet. ', el('a', { href: '#/run' }, 'Run a command'), '.');
  fill(main, el('h1', { tabindex: '-1' }, 'Jobs'), summary, el('div', { class: 'table-wrap' }, table), empty, more);

  const statesOf = (entry) => (entry.loaded ? countStates(entry.results) : entry.summary.states);

  const createRow = (entry) => {
    const { id } = entry.summary;
    const link = el('a', { href: `#/jobs/${encodeURIComponent(id)}`, title: id, 'aria-label': `Job ${id}` }, shortId(id));
    return el('tr', {}, el('td', { class: 'mono' }, link), el('td'), el('td'), el('td', { class: 'command' }), el('td'), el('td'));
  };
  const updateRow = (tr, entry) => {
    const [, state, target, command, started, duration] = tr.cells;
    const job = entry.summary;
    const states = statesOf(entry);
    const signature = JSON.stringify(states);
    if (tr.dataset.states !== signature) {
      const list = Object.entries(states);
      fill(state, list.length ? list.map(([name, count]) => stateBadge(name, count)) : stateBadge('QUEUED'));
      tr.dataset.states = signature;
    }
    const { detail } = entry;
    const text = detail ? commandText(detail.command) : job.cmd;
    setText(command, text);
    command.title = text;
    setText(target, detail ? targetText(detail.command, detail.targets) : `${job.targets} target${job.targets === 1 ? '' : 's'}`);
    const time = timing(entry.loaded ? [...entry.results.values()] : [], job.created);
    const startMs = time.start || job.created;
    if (started.dataset.ms !== String(startMs)) {
      fill(started, timeEl(startMs, formatTime(startMs)));
      started.dataset.ms = String(startMs);
    }
    setText(duration, entry.loaded ? `${formatDuration(time.duration)}${time.running ? ' (running)' : ''}` : '…');
    tr.classList.toggle('running', time.running);
  };

  const render = () => {
    const shown = order.map((id) => entries.get(id));
    syncRows(tbody, shown, (entry) => entry.summary.id, createRow, updateRow);
    table.hidden = shown.length === 0;
    empty.hidden = shown.length > 0;
    more.hidden = shown.length < limit || limit >= MAX_LIMIT;
    summary.dataset.live = String(feed.live);
    const how = feed.live ? 'updated live' : `refreshed every ${REFRESH_MS / 1000} s while this tab is visible (last ${formatTime(lastRead)})`;
    setText(summary, `${shown.length} job${shown.length === 1 ? '' : 's'}, newest first; ${how}.`);
  };
  // Many events may come at once (a fan-out's results): the page is redrawn once per frame.
  let renderQueued = false;
  const renderSoon = () => {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => {
      renderQueued = false;
      if (scope.active) render();
    });
  };

  const applyResult = (entry, result) => {
    const key = agentKey(result.gid, result.nid);
    if (supersedes(entry.results.get(key), result)) entry.results.set(key, result);
  };

  /** Keeps the newest `limit` jobs in `ids`, newest first, and forgets the rest. */
  const setOrder = (ids) => {
    order = [...new Set(ids)].sort((a, b) => entries.get(b).summary.created - entries.get(a).summary.created).slice(0, limit);
    const kept = new Set(order);
    for (const id of entries.keys()) if (!kept.has(id)) entries.delete(id);
  };

  const loadDetails = async () => {
    // A job's details are read when they are missing, or when the list counts its states otherwise.
    const queue = order
      .map((id) => entries.get(id))
      .filter((entry) => entry && !entry.loading && (!entry.loaded || JSON.stringify(entry.summary.states) !== JSON.stringify(countStates(entry.results))));
    const worker = async () => {
      for (let entry = queue.shift(); entry; entry = queue.shift()) {
        entry.loading = true;
        try {
          const body = await api(jobPath(entry.summary.id), { signal: scope.signal });
          entry.detail = { command: body.command, targets: body.targets };
          for (const result of body.results) applyResult(entry, result);
          entry.loaded = true;
        } catch (error) {
          if (isAbort(error)) return;
        } finally {
          entry.loading = false;
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_DETAILS }, worker));
  };

  const poller = scope.poll(
    async () => {
      const heardBefore = heard;
      const body = await api(`v1/jobs?limit=${limit}`, { signal: scope.signal });
      lastRead = Date.now();
      for (const job of body.jobs) {
        const entry = entries.get(job.id);
        if (entry) entry.summary = job;
        else entries.set(job.id, { summary: job, results: new Map(), loaded: false, loading: false, heard: 0 });
      }
      // Jobs the feed announced while the list was being read may be missing from it.
      const newer = order.filter((id) => entries.get(id).heard > heardBefore);
      setOrder([...body.jobs.map((job) => job.id), ...newer]);
      render();
      await loadDetails();
      if (scope.active) render();
    },
    () => (feed.live ? null : REFRESH_MS),
  );

  const onEvent = (event) => {
    if (event.type === 'job') {
      const { job } = event;
      if (entries.has(job.id)) return;
      const state = Object.keys(job.states)[0] ?? 'QUEUED';
      const results = new Map(job.targets.map((target) => [agentKey(target.gid, target.nid), { gid: target.gid, nid: target.nid, state, starttime: 0, time: 0 }]));
      const summary = { id: job.id, cmd: job.cmd, created: job.created, targets: job.targets.length, states: job.states, tags: job.tags };
      entries.set(job.id, { summary, detail: { command: job.command, targets: job.targets }, results, loaded: true, loading: false, heard: ++heard });
      const newest = order.length === 0 || job.created >= entries.get(order[0]).summary.created;
      if (!newest) setOrder([job.id, ...order]);
      else {
        // The usual case, and cheap in a burst: on top, the oldest beyond the page dropped.
        order.unshift(job.id);
        for (const id of order.splice(limit)) entries.delete(id);
      }
      renderSoon();
    } else if (event.type === 'result') {
      const entry = entries.get(event.result.id);
      if (!entry) return;
      applyResult(entry, event.result);
      renderSoon();
    }
  };

  followOrPoll(scope, poller, feed, onEvent);
  // Running jobs' durations count up between events.
  scope.every(1000, () => {
    if (feed.live && tbody.querySelector('tr.running')) render();
  });

  more.addEventListener('click', () => {
    limit = Math.min(MAX_LIMIT, limit + PAGE);
    void poller.now();
  });
}
