// Agents: who is connected or away, since when, last sign of life, version and system;
// filtered by grid and role (kept in the address, so a filtered view can be linked).
import { api } from '../api.js';
import { el, field, fill, setText, syncRows } from '../dom.js';
import { agentKey, formatAgo, formatDuration, formatTime, timeEl } from '../format.js';

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
    fill(seen, timeEl(agent.seen, formatAgo(agent.seen)));
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
    setText(summary, `${agents.length} agent${agents.length === 1 ? '' : 's'}: ${online} connected, ${agents.length - online} away${filtered}.`);
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

  scope.poll(async () => {
    const body = await api('v1/agents', { signal: scope.signal });
    agents = [...body.agents].sort((a, b) => a.gid - b.gid || a.nid - b.nid);
    updateOptions();
    render();
  }, REFRESH_MS);
}
