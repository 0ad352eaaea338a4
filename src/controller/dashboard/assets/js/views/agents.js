// Agents: who is connected or away, since when, last sign of life, version and system;
// filtered by grid and role (kept in the address, so a filtered view can be linked).
// The controller's live feed (live.js) tells of agents connecting and going away; the
// list is read once when the feed becomes live (and when the tab shows again), and
// polled every 3 s only while the feed is down.
import { api } from '../api.js';
import { el, field, fill, setText, syncRows } from '../dom.js';
import { agentKey, formatAgo, formatDuration, formatTime, timeEl } from '../format.js';
import { followOrPoll } from '../live.js';

const REFRESH_MS = 3000;

/** Options: "all", the values seen, and the selected one even when no agent has it now. */
function setOptions(select, values, allLabel, selected) {
  const wanted = ['', ...values.map(String)];
  if (selected && !wanted.includes(selected)) wanted.push(selected);
  const have = [...select.options].map((option) => option.value);
  if (wanted.join('\n') !== have.join('\n')) {
    fill(select, ...wanted.map((value) => el('option', { value }, value === '' ? allLabel : value)));
  }
  select.value = selected;
}

export function renderAgents(main, scope, query) {
  const grid = el('select', { id: 'filter-grid' }, el('option', { value: '' }, 'All grids'));
  const role = el('select', { id: 'filter-role' }, el('option', { value: '' }, 'All roles'));
  const summary = el('p', { class: 'summary', id: 'agents-summary' }, 'Loading agents…');
  const tbody = el('tbody');
  const empty = el('p', { class: 'empty', hidden: true });
  const table = el(
    'table',
    { class: 'data', id: 'agents-table', 'aria-describedby': 'agents-summary' },
    el('caption', { class: 'visually-hidden' }, 'Agents'),
    el('thead', {}, el('tr', {}, ['Agent', 'Hostname', 'Roles', 'Status', 'Since', 'Last seen', 'Version', 'OS', 'Actions'].map((name) => el('th', { scope: 'col' }, name)))),
    tbody,
  );
  fill(
    main,
    el('h1', { tabindex: '-1' }, 'Agents'),
    el('form', { class: 'filters', role: 'search', 'aria-label': 'Filter agents', onsubmit: (event) => event.preventDefault() }, field('Grid', grid), field('Role', role)),
    summary,
    el('div', { class: 'table-wrap' }, table),
    empty,
  );
  let agents = [];
  /** Whether the live feed is up (else the list is polled). */
  const feed = { live: false };
  /** Agent events heard so far, and the last one heard of each agent: those newer than a read of the list win over it. */
  let heard = 0;
  const heardOf = new Map();
  const selected = { gid: query.get('gid') ?? '', role: query.get('role') ?? '' };
  const updateOptions = () => {
    setOptions(grid, [...new Set(agents.map((agent) => agent.gid))].sort((a, b) => a - b), 'All grids', selected.gid);
    setOptions(role, [...new Set(agents.flatMap((agent) => agent.roles))].sort(), 'All roles', selected.role);
  };
  updateOptions();

  const createRow = () => {
    const cells = Array.from({ length: 9 }, () => el('td'));
    return el('tr', {}, cells);
  };
  const updateRow = (tr, agent) => {
    const [id, host, roles, status, since, seen, version, os, actions] = tr.cells;
    const key = agentKey(agent.gid, agent.nid);
    setText(id, key);
    setText(host, agent.hostname ?? '—');
    setText(roles, agent.roles.length ? agent.roles.join(', ') : '—');
    const statusText = agent.online ? 'connected' : 'away';
    if (status.textContent !== statusText) fill(status, el('span', { class: `badge ${agent.online ? 'state-ok' : 'state-warn'}` }, statusText));
    tr.dataset.online = String(agent.online);
    const sinceMs = agent.online ? agent.connected : agent.seen;
    fill(since, timeEl(sinceMs, `${formatTime(sinceMs)} (${formatDuration(Date.now() - sinceMs).replace(/\.\d/, '')})`));
    // As the controller tells it, a connected agent is seen now.
    const seenMs = agent.online ? Date.now() : agent.seen;
    fill(seen, timeEl(seenMs, formatAgo(seenMs)));
    setText(version, agent.version ?? '—');
    setText(os, agent.os ?? '—');
    if (!actions.firstChild) {
      actions.append(el('a', { href: `#/run?gid=${agent.gid}&nid=${agent.nid}`, 'aria-label': `Run a command on agent ${key}` }, 'Run…'));
    }
  };

  const render = () => {
    const shown = agents.filter((agent) => (selected.gid === '' || String(agent.gid) === selected.gid) && (selected.role === '' || agent.roles.includes(selected.role)));
    syncRows(tbody, shown, (agent) => agentKey(agent.gid, agent.nid), createRow, updateRow);
    const online = agents.filter((agent) => agent.online).length;
    const filtered = shown.length === agents.length ? '' : `; ${shown.length} shown`;
    summary.dataset.live = String(feed.live);
    setText(summary, `${agents.length} agent${agents.length === 1 ? '' : 's'}: ${online} connected, ${agents.length - online} away${filtered}; ${feed.live ? 'updated live' : `refreshed every ${REFRESH_MS / 1000} s`}.`);
    table.hidden = shown.length === 0;
    empty.hidden = shown.length > 0;
    setText(empty, agents.length === 0 ? 'No agent has connected to this controller yet. Start one with: hostlink agent --controller URL --gid 1 --nid 1' : 'No agent matches these filters.');
  };

  const saveFilters = () => {
    selected.gid = grid.value;
    selected.role = role.value;
    const params = new URLSearchParams();
    if (selected.gid) params.set('gid', selected.gid);
    if (selected.role) params.set('role', selected.role);
    const text = params.toString();
    history.replaceState(null, '', `#/agents${text ? `?${text}` : ''}`);
    render();
  };
  grid.addEventListener('change', saveFilters);
  role.addEventListener('change', saveFilters);

  /** Every agent known, by gid:nid; `agents` is it sorted, as shown. */
  const known = new Map();
  const show = () => {
    agents = [...known.values()].sort((a, b) => a.gid - b.gid || a.nid - b.nid);
    updateOptions();
    render();
  };
  // Many agents may come at once (a fleet reconnecting): the table is redrawn once per frame.
  let showQueued = false;
  const showSoon = () => {
    if (showQueued) return;
    showQueued = true;
    requestAnimationFrame(() => {
      showQueued = false;
      if (scope.active) show();
    });
  };

  const poller = scope.poll(
    async () => {
      const heardBefore = heard;
      const body = await api('v1/agents', { signal: scope.signal });
      // An agent heard of while the list was being read keeps what the feed said.
      const kept = [...known].filter(([key]) => (heardOf.get(key) ?? 0) > heardBefore);
      known.clear();
      for (const agent of body.agents) known.set(agentKey(agent.gid, agent.nid), agent);
      for (const [key, agent] of kept) known.set(key, agent);
      show();
    },
    () => (feed.live ? null : REFRESH_MS),
  );

  followOrPoll(scope, poller, feed, (event) => {
    if (event.type !== 'agent') return;
    const key = agentKey(event.agent.gid, event.agent.nid);
    heardOf.set(key, ++heard);
    known.set(key, event.agent);
    showSoon();
  });
  // "Since" and "last seen" count on between events.
  scope.every(REFRESH_MS, () => {
    if (feed.live) render();
  });
}
