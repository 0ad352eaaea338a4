/**
 * The dashboard in a real browser: Debian's chromium, headless, driven by playwright-core,
 * against a real controller (with a token) and real agent processes. Logs in through
 * the form, sees both agents connected and filters them, sees a third agent come and go
 * live, runs a command and watches its output arrive, opens the job page, sees a job sent
 * through the API (not the page) appear in the open Jobs table and finish, from the live
 * feed alone, kills a long-running job with the button, logs out; a fresh tab without the
 * token gets the login prompt and a 401 from the API. Writes docs/screenshots/agents.png
 * and job.png on the way.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { requireProgram } from '../helpers/peers.js';
import { Fleet, REPO_ROOT, waitFor, type ControllerProc } from '../controller/fleet-helpers.js';

const TOKEN = 'dashboard-e2e-token';
const SCREENSHOTS = join(REPO_ROOT, 'docs/screenshots');
/** Prints a line now and then and uses a little CPU, so the job page has output and a chart. */
const LONG_JOB = 'echo started; echo "7::cache is cold"; echo "warming up" >&2; n=0; while :; do n=$((n+1)); i=0; while [ $i -lt 4000 ]; do i=$((i+1)); done; echo "tick $n"; sleep 1; done';

/** Problems the page reported itself: script errors, CSP refusals (network 4xx are expected: the 401s). */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  return problems;
}

async function runForm(page: Page, fields: { nid: string; program: string; args: string; statsInterval?: string }): Promise<string> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Run' }).click();
  await page.getByLabel('Grid (gid)').fill('1');
  await page.getByLabel('Node (nid)').fill(fields.nid);
  await page.getByLabel('Command', { exact: true }).fill('execute');
  await page.getByLabel('Program').fill(fields.program);
  await page.getByLabel('Arguments, one per line').fill(fields.args);
  if (fields.statsInterval) await page.getByLabel('Stats interval (s)').fill(fields.statsInterval);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const sent = await page.locator('#run-panel .sent').textContent();
  const id = /^Job (\S+) sent/.exec(sent ?? '')?.[1];
  assert.ok(id, `no job id in "${sent}"`);
  return id;
}

test('the dashboard in chromium: login, agents, run, job page, kill, logout, no token no data', async (t) => {
  const executablePath = requireProgram(t, 'chromium', 'chromium');
  if (!executablePath) return;
  // Stopped whatever happens: the processes (SIGKILL, temp folder removed) and the browser.
  const fleet = new Fleet();
  t.after(() => fleet.stopAll());
  const browser: Browser = await chromium.launch({ executablePath, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  t.after(() => browser.close());

  const controller: ControllerProc = await fleet.controller(['--token', TOKEN]);
  await Promise.all([
    fleet.onlineAgent(controller, 1, 1, ['--controller-token', TOKEN, '--roles', 'web']),
    fleet.onlineAgent(controller, 1, 2, ['--controller-token', TOKEN, '--roles', 'db,backup']),
  ]);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems = watchProblems(page);
  mkdirSync(SCREENSHOTS, { recursive: true });

  await t.test('the page asks for the token; a wrong one is refused, the right one signs in', async () => {
    await page.goto(`${controller.url}/`);
    const token = page.getByLabel('API token');
    await token.waitFor();
    assert.equal(await page.locator('#nav').isVisible(), false, 'no navigation before signing in');
    await token.fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'The controller refused this token.' }).waitFor();
    await token.fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Agents', level: 1 }).waitFor();
    assert.equal(await page.evaluate("sessionStorage.getItem('hostlink.token')"), TOKEN);
  });

  await t.test('agents: both connected, with roles and system; filtered by role', async () => {
    await page.locator('#agents-table tbody tr[data-online="true"]').nth(1).waitFor();
    const rows = page.locator('#agents-table tbody tr');
    assert.equal(await rows.count(), 2);
    const first = await page.locator('#agents-table tr[data-key="1:1"]').innerText();
    assert.match(first, /1:1/);
    assert.match(first, /\bweb\b/);
    assert.match(first, /connected/);
    assert.match(await page.locator('#agents-table tr[data-key="1:2"]').innerText(), /db, backup[\s\S]*connected/);
    assert.match(await page.locator('#agents-summary').innerText(), /2 agents: 2 connected, 0 away/);
    await page.screenshot({ path: join(SCREENSHOTS, 'agents.png') });

    await page.getByLabel('Role').selectOption('db');
    await waitFor('the role filter', async () => ((await rows.count()) === 1 ? true : undefined), 5000);
    assert.equal(await rows.first().getAttribute('data-key'), '1:2');
    assert.match(page.url(), /#\/agents\?role=db$/);
    await page.getByLabel('Role').selectOption('');
    await waitFor('the filter cleared', async () => ((await rows.count()) === 2 ? true : undefined), 5000);
  });

  await t.test('agents: one connecting and going away shows without a reload (live feed)', async () => {
    await page.locator('#agents-summary[data-live="true"]').waitFor();
    const agent = fleet.agent(controller.url, 1, 3, ['--controller-token', TOKEN, '--roles', 'cache']);
    const row = page.locator('#agents-table tr[data-key="1:3"]');
    await row.filter({ hasText: 'connected' }).waitFor();
    assert.match(await row.innerText(), /\bcache\b/);
    await agent.stop();
    await row.filter({ hasText: 'away' }).waitFor();
    assert.match(await page.locator('#agents-summary').innerText(), /3 agents: 2 connected, 1 away; updated live/);
  });

  let jobId = '';
  await t.test('run: execute on 1:1, the output arrives under the form', async () => {
    jobId = await runForm(page, { nid: '1', program: 'sh', args: '-c\necho hello; sleep 0.2; echo world' });
    const stdout = page.locator('#run-panel pre[data-stream="stdout"][data-agent="1:1"]');
    await stdout.filter({ hasText: 'hello' }).waitFor();
    await stdout.filter({ hasText: 'world' }).waitFor();
    await page.locator('#run-panel tr[data-key="1:1"] [data-state="SUCCESS"]').waitFor();
    assert.equal(await stdout.textContent(), 'hello\nworld\n');
  });

  await t.test('the job page: command, result, output, messages by level', async () => {
    await page.getByRole('link', { name: 'Open the job page' }).click();
    await page.getByRole('heading', { level: 1, name: `Job ${jobId}` }).waitFor();
    await page.locator('#job-state [data-state="SUCCESS"]').waitFor();
    assert.match(await page.locator('.facts').innerText(), /execute: sh -c 'echo hello; sleep 0\.2; echo world'/);
    const stdout = page.locator('pre[data-stream="stdout"][data-agent="1:1"]');
    await stdout.filter({ hasText: 'world' }).waitFor();
    assert.equal(await stdout.textContent(), 'hello\nworld\n');
    await page.locator('table.messages tbody tr').nth(1).waitFor();
    assert.deepEqual(await page.locator('table.messages tbody tr td:nth-child(4)').allTextContents(), ['hello', 'world']);
    assert.match(await page.getByLabel('Level').innerText(), /1 stdout \(2\)/);
  });

  await t.test('jobs: the job is listed with its state, target and command', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Jobs' }).click();
    const row = page.locator(`#jobs-table tr[data-key="${jobId}"]`);
    await row.locator('[data-state="SUCCESS"]').waitFor();
    await row.filter({ hasText: 'execute: sh -c' }).waitFor();
    assert.match(await row.innerText(), /1:1/);
  });

  await t.test('jobs: a job sent through the API appears in the open table and finishes, from the feed alone', async () => {
    await page.locator('#jobs-summary[data-live="true"]').waitFor();
    // Polling would read the list, and every new job's details: neither may happen.
    const reads: string[] = [];
    const onRequest = (request: { url(): string }): void => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/v1/jobs')) reads.push(`${url.pathname}${url.search}`);
    };
    page.on('request', onRequest);
    try {
      const handle = await controller.client.execute(1, 1, 'sh', ['-c', 'sleep 1; echo later']);
      const row = page.locator(`#jobs-table tr[data-key="${handle.id}"]`);
      await row.locator('[data-state="RUNNING"]').waitFor();
      await row.locator('[data-state="SUCCESS"]').waitFor();
      assert.equal(await page.locator('#jobs-table tbody tr').first().getAttribute('data-key'), handle.id, 'the newest job is on top');
      const text = await row.innerText();
      assert.match(text, /execute: sh -c 'sleep 1; echo later'/);
      assert.match(text, /1:1/);
      assert.doesNotMatch(text, /running/);
    } finally {
      page.off('request', onRequest);
    }
    assert.deepEqual(reads, [], 'no read of the jobs list or of the job');
  });

  await t.test('jobs: while the feed is unreachable the table polls; it goes live again once the feed is back', async () => {
    await page.route('**/v1/events', (route) => route.abort());
    const reads: string[] = [];
    const onRequest = (request: { url(): string }): void => void reads.push(new URL(request.url()).pathname);
    page.on('request', onRequest);
    try {
      await page.reload();
      await page.locator('#jobs-summary[data-live="false"]').filter({ hasText: 'refreshed every 2 s' }).waitFor();
      const handle = await controller.client.execute(1, 1, 'echo', ['polled']);
      await page.locator(`#jobs-table tr[data-key="${handle.id}"] [data-state="SUCCESS"]`).waitFor();
      assert.ok(reads.includes(`/v1/jobs/${handle.id}`), 'the polling read the new job');
      await page.unroute('**/v1/events');
      await page.locator('#jobs-summary[data-live="true"]').waitFor();
    } finally {
      page.off('request', onRequest);
      await page.unroute('**/v1/events');
    }
  });

  await t.test('a long-running job: live output, a CPU and memory chart, killed with the button', async () => {
    const longId = await runForm(page, { nid: '2', program: 'sh', args: `-c\n${LONG_JOB}`, statsInterval: '1' });
    await page.locator('#run-panel pre[data-stream="stdout"][data-agent="1:2"]').filter({ hasText: 'tick 1' }).waitFor();
    await page.getByRole('link', { name: 'Open the job page' }).click();
    await page.locator('#job-state [data-state="RUNNING"]').waitFor();
    await page.locator('pre[data-stream="stderr"][data-agent="1:2"]').filter({ hasText: 'warming up' }).waitFor();
    // Three samples or more: the CPU line has a shape (the first sample's CPU is always 0).
    const cpuChart = page.locator('#job-charts svg.chart').first();
    await waitFor('three CPU samples in the chart', async () => ((await cpuChart.count()) > 0 && Number(await cpuChart.getAttribute('data-points')) >= 3) || undefined, 15_000);
    assert.equal(await page.locator('#job-charts svg.chart').count(), 2, 'CPU and memory');
    assert.match((await page.locator('#job-charts svg.chart').first().getAttribute('aria-label')) ?? '', /^CPU use in percent over time\. 1:2: last [\d.]+%, peak [\d.]+%$/);
    await page.locator('table.messages td', { hasText: 'cache is cold' }).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'job.png'), fullPage: true });

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Kill job' }).click();
    await page.locator('#job-state [data-state="KILLED"]').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Kill job' }).isDisabled(), true);
    const results = await controller.client.getJob(longId);
    assert.equal(results.results[0]?.state, 'KILLED');
  });

  await t.test('log out: the token is forgotten and the login prompt is back', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('API token').waitFor();
    assert.equal(await page.evaluate("sessionStorage.getItem('hostlink.token')"), null);
    assert.equal(await page.locator('#nav').isVisible(), false);
  });

  await t.test('without the token: the API refuses (401) and the page shows only the login prompt', async () => {
    const fresh = await browser.newPage();
    try {
      await fresh.goto(`${controller.url}/#/jobs/${jobId}`);
      await fresh.getByLabel('API token').waitFor();
      assert.equal(await fresh.evaluate(() => fetch('v1/agents').then((response) => response.status)), 401);
      assert.equal(await fresh.evaluate(() => fetch(`v1/jobs?limit=1`).then((response) => response.status)), 401);
      assert.doesNotMatch(await fresh.locator('main').innerText(), /hello|world|execute/);
    } finally {
      await fresh.close();
    }
    assert.equal((await fetch(`${controller.url}/v1/agents`)).status, 401);
  });

  assert.deepEqual(problems, [], 'the page reported no script errors or CSP refusals');
});
