// Jobs: the newest first, refreshed by polling /v1/jobs every 2 s while the tab is
// visible. The list's summaries lack targets and times, so each shown job's details are
// read once, and again only when its states change (finished jobs are never read again).
import { api, jobPath } from '../api.js';
import { el, fill, setText, syncRows } from '../dom.js';
import { commandText, formatDuration, formatTime, stateBadge, targetText, timeEl, timing } from '../format.js';
import { isAbort } from '../scope.js';

const REFRESH_MS = 2000;
const PAGE = 50;
const MAX_LIMIT = 1000;
const PARALLEL_DETAILS = 4;

function shortId(id) {
  return id.length > 14 ? `${id.slice(0, 8)}…` : id;
}

export function renderJobs(main, scope) {
  let limit = PAGE;
  let jobs = [];
  /** id -> { signature, detail?, loading } */
  const details = new Map();
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

  const createRow = (job) => {
    const link = el('a', { href: `#/jobs/${encodeURIComponent(job.id)}`, title: job.id, 'aria-label': `Job ${job.id}` }, shortId(job.id));
    return el('tr', {}, el('td', { class: 'mono' }, link), el('td'), el('td'), el('td', { class: 'command' }), el('td'), el('td'));
  };
  const updateRow = (tr, job) => {
    const [, state, target, command, started, duration] = tr.cells;
    const states = Object.entries(job.states);
    const signature = JSON.stringify(job.states);
    if (tr.dataset.states !== signature) {
      fill(state, states.length ? states.map(([name, count]) => stateBadge(name, count)) : stateBadge('QUEUED'));
      tr.dataset.states = signature;
    }
    const detail = details.get(job.id)?.detail;
    const text = detail ? commandText(detail.command) : job.cmd;
    setText(command, text);
    command.title = text;
    setText(target, detail ? targetText(detail.command, detail.targets) : `${job.targets} target${job.targets === 1 ? '' : 's'}`);
    const time = timing(detail?.results ?? [], job.created);
    const startMs = time.start || job.created;
    if (started.dataset.ms !== String(startMs)) {
      fill(started, timeEl(startMs, formatTime(startMs)));
      started.dataset.ms = String(startMs);
    }
    setText(duration, detail ? `${formatDuration(time.duration)}${time.running ? ' (running)' : ''}` : '…');
    tr.classList.toggle('running', time.running);
  };

  const render = () => {
    syncRows(tbody, jobs, (job) => job.id, createRow, updateRow);
    table.hidden = jobs.length === 0;
    empty.hidden = jobs.length > 0;
    more.hidden = jobs.length < limit || limit >= MAX_LIMIT;
    setText(summary, `${jobs.length} job${jobs.length === 1 ? '' : 's'}, newest first; refreshed every ${REFRESH_MS / 1000} s while this tab is visible (last ${formatTime(Date.now())}).`);
  };

  const loadDetails = async () => {
    const stale = jobs.filter((job) => {
      const known = details.get(job.id);
      return !known || (known.signature !== JSON.stringify(job.states) && !known.loading);
    });
    const queue = [...stale];
    const worker = async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const entry = details.get(job.id) ?? {};
        entry.loading = true;
        details.set(job.id, entry);
        try {
          entry.detail = await api(jobPath(job.id), { signal: scope.signal });
          entry.signature = JSON.stringify(job.states);
        } catch (error) {
          if (isAbort(error)) return;
        } finally {
          entry.loading = false;
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_DETAILS }, worker));
  };

  const poller = scope.poll(async () => {
    const body = await api(`v1/jobs?limit=${limit}`, { signal: scope.signal });
    jobs = body.jobs;
    render();
    await loadDetails();
    if (scope.active) render();
    const shown = new Set(jobs.map((job) => job.id));
    for (const id of details.keys()) if (!shown.has(id)) details.delete(id);
  }, REFRESH_MS);

  more.addEventListener('click', () => {
    limit = Math.min(MAX_LIMIT, limit + PAGE);
    void poller.now();
  });
}
