/**
 * The dashboard's asset server: the page at /, its files under /ui/ with their content
 * types, the security headers (CSP, nosniff), revalidation by ETag, 404 for unknown and
 * traversal paths, 405 for other methods; wired into the controller so the page needs no
 * token while the API still asks for one; the whole page stays under 200 KB; and the
 * build copies every file to dist/ (when HOSTLINK_TEST_BUILT=1).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { silentLogger } from '../../src/core/logger.js';
import { DASHBOARD_ASSET_DIR, loadAssetTable } from '../../src/controller/dashboard/asset-table.js';
import { DASHBOARD_CSP, dashboardHandler } from '../../src/controller/dashboard/serve-dashboard.js';
import { startControllerServer, type RunningController } from '../../src/controller/server.js';
import { MemoryStore } from '../../src/controller/stores/memory-store.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp.js';

let server: Server;
let base: string;

before(async () => {
  const handle = dashboardHandler();
  server = createServer((request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://test').pathname;
    if (!handle(request, response, pathname)) {
      response.writeHead(418);
      response.end('not the dashboard');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A raw GET (fetch would normalise the path, and a traversal must reach the server as typed). */
function get(path: string, headers: Record<string, string> = {}, method = 'GET', origin = base): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${origin}/`, { method, path, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

test('GET / is the page, with the CSP, nosniff and no-cache headers, and no inline script', async () => {
  const response = await get('/');
  assert.equal(response.status, 200);
  assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(response.headers['content-security-policy'], DASHBOARD_CSP);
  assert.match(DASHBOARD_CSP, /^default-src 'self';/);
  assert.equal(response.headers['x-content-type-options'], 'nosniff');
  assert.equal(response.headers['cache-control'], 'no-cache');
  assert.match(String(response.headers.etag), /^"[\w-]+"$/);
  assert.match(response.body, /<script type="module" src="ui\/js\/app.js"><\/script>/);
  // Every <script> has a src (CSP forbids inline code, and the page must not rely on it).
  const scripts = [...response.body.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.ok(scripts.length > 0);
  for (const [, attributes, content] of scripts) {
    assert.match(attributes!, /\ssrc=/);
    assert.equal(content!.trim(), '');
  }
  assert.doesNotMatch(response.body, /\son[a-z]+=|style=/i, 'no inline handlers or styles');
});

test('files under /ui/ have their content types', async () => {
  const expected: Record<string, string> = {
    '/ui/dashboard.css': 'text/css; charset=utf-8',
    '/ui/js/app.js': 'text/javascript; charset=utf-8',
    '/ui/js/views/job.js': 'text/javascript; charset=utf-8',
    '/ui/favicon.svg': 'image/svg+xml',
  };
  for (const [path, type] of Object.entries(expected)) {
    const response = await get(path);
    assert.equal(response.status, 200, path);
    assert.equal(response.headers['content-type'], type, path);
    assert.equal(response.headers['content-security-policy'], DASHBOARD_CSP, path);
    assert.equal(response.headers['x-content-type-options'], 'nosniff', path);
  }
});

test('a known ETag gets 304 without a body; HEAD gets the headers only', async () => {
  const first = await get('/ui/js/app.js');
  const again = await get('/ui/js/app.js', { 'if-none-match': String(first.headers.etag) });
  assert.equal(again.status, 304);
  assert.equal(again.body, '');
  const head = await get('/ui/js/app.js', {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], String(Buffer.byteLength(first.body)));
  assert.equal(head.body, '');
});

test('unknown paths and traversal attempts under /ui/ are 404; other methods 405; other paths are not the dashboard’s', async () => {
  for (const path of ['/ui/nope.js', '/ui/../package.json', '/ui/%2e%2e/package.json', '/ui/..%2fpackage.json', '/ui/js/../../../../etc/passwd', '/ui/index.html', '/ui/', '/ui/js']) {
    const response = await get(path);
    // A path the URL parser resolves out of /ui/ (/package.json) is not claimed at all.
    assert.ok(response.status === 404 || response.status === 418, `${path}: ${response.status}`);
    assert.doesNotMatch(response.body, /"name": "hostlink"|root:/, path);
    if (response.status === 404) assert.equal(response.headers['x-content-type-options'], 'nosniff');
  }
  assert.equal((await get('/ui/nope.js')).status, 404);
  assert.equal((await get('/package.json')).status, 418);
  assert.equal((await get('/v1/agents')).status, 418);
  const post = await get('/', {}, 'POST');
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET, HEAD');
});

test('only files of known kinds are served, keyed by their path under the folder', (t: TestContext) => {
  const temp = makeTempDir('hostlink-assets-');
  t.after(temp.remove);
  mkdirSync(join(temp.path, 'js'));
  writeFileSync(join(temp.path, 'index.html'), '<!doctype html>');
  writeFileSync(join(temp.path, 'js', 'a.js'), 'export {};');
  writeFileSync(join(temp.path, 'secret.env'), 'TOKEN=x');
  assert.deepEqual([...loadAssetTable(temp.path).keys()].sort(), ['/ui/index.html', '/ui/js/a.js']);
});

test('without its files the dashboard answers 503 saying so (the API is unaffected)', async (t) => {
  const temp = makeTempDir('hostlink-assets-');
  t.after(temp.remove);
  const handle = dashboardHandler(join(temp.path, 'missing'));
  const missing = createServer((request, response) => {
    if (!handle(request, response, new URL(request.url ?? '/', 'http://test').pathname)) response.end('api');
  });
  await new Promise<void>((resolve) => missing.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => missing.close(() => resolve())));
  const address = missing.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const page = await fetch(`${url}/`);
  assert.equal(page.status, 503);
  assert.match(await page.text(), /dashboard's files are missing.*npm run build/);
  assert.equal(await (await fetch(`${url}/v1/health`)).text(), 'api');
});

test('the whole page (HTML, CSS, scripts, icon) weighs under 200 KB', () => {
  const table = loadAssetTable();
  const total = [...table.values()].reduce((sum, asset) => sum + asset.body.length, 0);
  assert.ok(table.size >= 10, `only ${table.size} files`);
  assert.ok(total < 200 * 1024, `${total} bytes`);
});

test('in the controller: the page needs no token, the API still does', async (t) => {
  const running: RunningController = await startControllerServer({ host: '127.0.0.1', port: 0, store: new MemoryStore(), log: silentLogger(), token: 'dashboard-unit-token' });
  t.after(() => running.close());
  const page = await fetch(`${running.url}/`);
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('content-security-policy'), DASHBOARD_CSP);
  assert.match(await page.text(), /<title>hostlink<\/title>/);
  const refused = await fetch(`${running.url}/v1/agents`);
  assert.equal(refused.status, 401);
  const allowed = await fetch(`${running.url}/v1/agents`, { headers: { authorization: 'Bearer dashboard-unit-token' } });
  assert.equal(allowed.status, 200);
  assert.equal((await fetch(`${running.url}/nothing-here`)).status, 404, 'other paths are still the API’s 404');
  for (const path of ['/ui/../package.json', '/ui/%2e%2e/package.json', '/ui/..%2f..%2fpackage.json']) {
    const response = await get(path, {}, 'GET', running.url);
    assert.equal(response.status, 404, path);
    assert.doesNotMatch(response.body, /"name": "hostlink"/, path);
  }
});

test('npm run build copies every dashboard file to dist/', (t) => {
  if (process.env.HOSTLINK_TEST_BUILT !== '1') {
    t.skip('checks the build: run npm run build, then HOSTLINK_TEST_BUILT=1 node scripts/run-tests.mjs dashboard');
    return;
  }
  const built = join(REPO_ROOT, 'dist/controller/dashboard/assets');
  assert.ok(existsSync(built) && statSync(built).isDirectory(), `${built} is missing`);
  const source = loadAssetTable(DASHBOARD_ASSET_DIR);
  const copy = loadAssetTable(built);
  assert.deepEqual([...copy.keys()].sort(), [...source.keys()].sort());
  for (const [path, asset] of source) assert.equal(copy.get(path)!.etag, asset.etag, `${path} differs in dist/`);
  assert.ok(readFileSync(join(built, 'index.html'), 'utf8').includes('ui/js/app.js'));
});
