// The dashboard's entry: routes (#/agents, #/jobs, #/jobs/ID, #/run), the token prompt,
// the header. Every view gets a fresh Scope; leaving the view disposes it.
import { ApiError, api, clearToken, getToken, onUnauthorized } from './api.js';
import { el, fill, messageOf } from './dom.js';
import { clearNotice, showNotice } from './notice.js';
import { Scope } from './scope.js';
import { renderAgents } from './views/agents.js';
import { mountJob } from './views/job.js';
import { renderJobs } from './views/jobs.js';
import { renderLogin } from './views/login.js';
import { renderRun } from './views/run.js';

/** An element index.html always has. */
function part(id) {
  const found = document.getElementById(id);
  if (!found) throw new Error(`index.html has no #${id}`);
  return found;
}

const main = part('main');
const nav = part('nav');
const logout = part('logout');
const controllerId = part('controller-id');

let viewScope;
let signedIn = false;

function parseRoute() {
  const hash = location.hash.startsWith('#/') ? location.hash.slice(2) : 'agents';
  const [path, search = ''] = hash.split('?');
  const parts = path.split('/').filter(Boolean).map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  });
  return { parts, query: new URLSearchParams(search) };
}

function setTitle(text) {
  document.title = `${text} · hostlink`;
}

function markNav(section) {
  for (const link of nav.querySelectorAll('a')) {
    if (link.getAttribute('href') === `#/${section}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function render(focus = true) {
  viewScope?.dispose();
  viewScope = new Scope();
  if (!signedIn) return;
  const { parts, query } = parseRoute();
  const [section = 'agents', id] = parts;
  markNav(section);
  if (section === 'agents' && !id) {
    setTitle('Agents');
    renderAgents(main, viewScope, query);
  } else if (section === 'jobs' && !id) {
    setTitle('Jobs');
    renderJobs(main, viewScope);
  } else if (section === 'jobs') {
    setTitle(`Job ${id}`);
    mountJob(main, id, viewScope);
  } else if (section === 'run') {
    setTitle('Run');
    renderRun(main, viewScope, query);
  } else {
    setTitle('Not found');
    fill(main, el('h1', { tabindex: '-1' }, 'Page not found'), el('p', {}, 'There is no such page. ', el('a', { href: '#/agents' }, 'Go to the agents'), '.'));
  }
  if (focus) main.querySelector('h1')?.focus();
}

function showLogin(reason) {
  signedIn = false;
  viewScope?.dispose();
  nav.hidden = true;
  logout.hidden = true;
  setTitle('Sign in');
  renderLogin(main, {
    reason,
    onSignedIn: () => {
      clearNotice();
      enter();
    },
  });
}

function enter() {
  signedIn = true;
  nav.hidden = false;
  logout.hidden = getToken() === '';
  render();
}

onUnauthorized(() => {
  if (!signedIn && getToken() === '') return;
  clearToken();
  showLogin('The controller asks for a token (or no longer accepts yours). Sign in again.');
});

logout.addEventListener('click', () => {
  clearToken();
  showLogin('Signed out. The token is forgotten in this tab.');
});

window.addEventListener('hashchange', () => {
  if (location.hash.startsWith('#/') || location.hash === '') render();
});

async function start() {
  api('v1/health', { probe: true }).then(
    (health) => (controllerId.textContent = `controller ${health.controller}`),
    () => {},
  );
  try {
    // The page itself holds nothing: this read tells whether the API wants a token.
    await api('v1/jobs?limit=1', { probe: true });
    enter();
  } catch (error) {
    const hadToken = getToken() !== '';
    if (error instanceof ApiError && error.status === 401) {
      clearToken();
      showLogin(hadToken ? 'The controller no longer accepts your token.' : undefined);
    } else if (error instanceof ApiError && error.status === 403) {
      clearToken();
      showLogin(`This token may not read jobs: ${error.message}.`);
    } else {
      fill(main, el('h1', { tabindex: '-1' }, 'The controller does not answer'), el('p', {}, messageOf(error)), el('button', { type: 'button', onclick: () => location.reload() }, 'Try again'));
      showNotice('The controller does not answer.', 'error');
    }
  }
}

void start();
