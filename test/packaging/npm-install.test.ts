/**
 * The package as users get it: `npm pack` of the current build, installed with
 * `npm install -g --prefix TMP` (dependencies only, from npm's cache when it has them),
 * then run from the installed copy. Needs a fresh `npm run build`, so it runs with
 * HOSTLINK_TEST_BUILT=1 (as .ci/run sets) and skips otherwise.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { REPO_ROOT } from '../helpers/cli.js';
import { requireProgram } from '../helpers/peers.js';
import { QgaRawClient } from '../helpers/qga-raw-client.js';
import { makeTempDir } from '../helpers/temp.js';
import { runCommand } from './run-command.js';

const PACKAGE = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const NPM_CLI = join(dirname(process.execPath), '../lib/node_modules/npm/bin/npm-cli.js');

/** Files the installed package cannot work without (or promises: types, docs, units). */
const MUST_SHIP = [
  'package.json',
  'README.md',
  'bin/hostlink.js',
  'dist/index.js',
  'dist/index.d.ts',
  'dist/cli/main.js',
  'dist/cli/install-service-command.js',
  'src/services/python/hostlink_service_runner.py',
  'examples/services/examples/hello.js',
  'examples/services/examples/virt/vm.js',
  'contrib/systemd/hostlink-qga.service',
  'contrib/systemd/hostlink-agent.service',
  'contrib/systemd/hostlink-controller.service',
  'contrib/udev/60-hostlink-qga.rules',
  'docs/configuration.md',
  'docs/replace-qemu-ga.md',
  'docs/replace-vt-agent.md',
  'docs/replace-nova-agent.md',
  'docs/run-a-fleet.md',
];

/** Never shipped: tests, sources (but the Python runner), source maps, the build's inputs. */
const MUST_NOT_SHIP = /^(test|bench|scripts|node_modules|\.ci)\/|^src\/(?!services\/python\/[^/]+\.py$)|\.map$|\.test\.|tsconfig/;

function npm(args: readonly string[], cwd: string): ReturnType<typeof runCommand> {
  // The npm that came with this Node, so the Node-22 CI run packs and installs with its own.
  const [program, base] = existsSync(NPM_CLI) ? [process.execPath, [NPM_CLI]] : ['npm', []];
  return runCommand(program, [...base, ...args], { cwd, env: { ...process.env, npm_config_update_notifier: 'false' }, timeoutMs: 180_000 });
}

function builtOrSkip(t: TestContext): boolean {
  if (process.env.HOSTLINK_TEST_BUILT === '1') return true;
  const message = 'packaging tests pack the build: run npm run build, then HOSTLINK_TEST_BUILT=1 node scripts/run-tests.mjs packaging';
  if (process.env.CI === 'true') throw new Error(message);
  t.skip(message);
  return false;
}

/** An installed `hostlink` process, run by this Node whatever PATH says. */
function installedEnv(prefix: string): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${dirname(process.execPath)}:${join(prefix, 'bin')}:${process.env.PATH ?? ''}` };
}

/** Spawns a long-running command and resolves once `ready` matches its stderr. */
async function startUntil(program: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp) {
  const child = spawn(program, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready within 60 s; stderr: ${stderr}`)), 60_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (ready.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((status) => {
      clearTimeout(timer);
      reject(new Error(`exited (${status}) before it was ready; stderr: ${stderr}`));
    });
  });
  return {
    stderr: () => stderr,
    stop: async (): Promise<number | string> => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const status = await exited;
      clearTimeout(timer);
      return status;
    },
  };
}

async function xmlRpcCall(url: string, method: string, params: string[] = []): Promise<string> {
  const body = `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${params.map((p) => `<param><value>${p}</value></param>`).join('')}</params></methodCall>`;
  const response = await fetch(new URL('/RPC2', url), { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
  return response.text();
}

test('npm pack + npm install -g: the installed hostlink works', async (t) => {
  if (!builtOrSkip(t)) return;
  const temp = makeTempDir('hostlink-pack-');
  t.after(temp.remove);
  const prefix = join(temp.path, 'prefix');
  const installed = join(prefix, 'lib/node_modules', PACKAGE.name);
  const bin = join(prefix, 'bin/hostlink');
  const env = installedEnv(prefix);

  const packed = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', temp.path], REPO_ROOT);
  assert.equal(packed.status, 0, packed.stderr);
  const [manifest] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
  const shipped = manifest.files.map((file) => file.path);
  for (const path of MUST_SHIP) assert.ok(shipped.includes(path), `${path} is not in the package`);
  assert.deepEqual(shipped.filter((path) => MUST_NOT_SHIP.test(path)), []);

  const install = await npm(['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(temp.path, manifest.filename)], temp.path);
  assert.equal(install.status, 0, install.stderr);
  assert.ok(!existsSync(join(installed, 'node_modules/typescript')) && !existsSync(join(installed, 'node_modules/tsx')), 'a dev dependency was installed');

  await t.test('hostlink --version', async () => {
    const result = await runCommand(bin, ['--version'], { env });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, `${PACKAGE.version}\n`);
  });

  await t.test('hostlink agent --help', async () => {
    const result = await runCommand(bin, ['agent', '--help'], { env });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^Usage: hostlink agent \[options\]/);
    assert.match(result.stdout, /--listen <spec>/);
  });

  await t.test('a QEMU guest agent ping through the installed agent', async (t) => {
    const socket = join(temp.path, 'qga.sock');
    const agent = await startUntil(bin, ['agent', '--listen', `qga:unix:${socket}`, '--state-dir', join(temp.path, 'state')], env, /"msg":"agent started"/);
    t.after(() => agent.stop());
    const client = await QgaRawClient.connect(socket);
    try {
      assert.deepEqual(await client.request('guest-ping'), { return: {} });
      const info = (await client.request('guest-info')) as { return: { supported_commands: { name: string }[] } };
      assert.ok(info.return.supported_commands.some((command) => command.name === 'guest-exec'));
    } finally {
      client.close();
    }
    assert.equal(await agent.stop(), 0);
    assert.ok(!existsSync(socket), 'the socket is removed on exit');
  });

  await t.test('the library: exports and types, enough to build an agent and a client', async (t) => {
    const consumer = join(prefix, 'lib');
    const source = [
      "import { CommandPolicy, CommandRegistry, Dispatcher, Listener, QgaClient, UnixTransport, qgaCommands, qgaProtocol, silentLogger } from 'hostlink';",
      "import type { ServiceApi } from 'hostlink';",
      'const [socket, stateDir] = process.argv.slice(2) as [string, string];',
      'const log = silentLogger();',
      'const registry = new CommandRegistry().registerAll(qgaCommands({ stateDir, log }));',
      'const listener = new Listener(new UnixTransport({ path: socket }), qgaProtocol, new Dispatcher(registry, CommandPolicy.allowAll()), log);',
      'await listener.start();',
      'const client = new QgaClient(socket);',
      'await client.ping();',
      'const info = await client.info();',
      'const service: Pick<ServiceApi, "dataDir"> | undefined = undefined;',
      'console.log(JSON.stringify({ version: info.version, commands: info.supported_commands.length, service }));',
      'await client.close();',
      'await listener.close();',
    ].join('\n');
    writeFileSync(join(consumer, 'consumer.mts'), source);
    // --skipLibCheck: checking all of @types/node takes most of a minute on a busy machine;
    // the consumer's own uses of hostlink's types are still checked.
    // The same code as JavaScript: the type-only lines go, the annotations go.
    writeFileSync(join(consumer, 'consumer.mjs'), source.replace(/^import type .*$/m, '').replace(' as [string, string]', '').replace(/: Pick<.*?> \| undefined/, ''));
    const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    const types = join(REPO_ROOT, 'node_modules/@types');
    const checked = await runCommand(
      process.execPath,
      [tsc, '--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--typeRoots', types, '--types', 'node', join(consumer, 'consumer.mts')],
      { cwd: consumer },
    );
    assert.equal(checked.status, 0, `tsc: ${checked.stdout}${checked.stderr}`);
    mkdirSync(join(temp.path, 'lib-state'));
    const ran = await runCommand(process.execPath, [join(consumer, 'consumer.mjs'), join(temp.path, 'lib.sock'), join(temp.path, 'lib-state')], { cwd: consumer });
    assert.equal(ran.status, 0, ran.stderr);
    const output = JSON.parse(ran.stdout) as { commands: number };
    assert.ok(output.commands > 30, ran.stdout);
    t.diagnostic(ran.stdout.trim());
  });

  await t.test('vt-agent: the shipped example services and Python runner; .ts services say they need tsx', async (t) => {
    if (!requireProgram(t, 'python3', 'python3')) return;
    const services = join(temp.path, 'services');
    cpSync(join(installed, 'examples/services'), services, { recursive: true });
    writeFileSync(join(services, 'pysvc.py'), 'def add(a, b):\n    return a + b\n');
    writeFileSync(join(services, 'tssvc.ts'), 'export function hello(): string {\n  return "hi";\n}\n');
    const agent = await startUntil(
      bin,
      ['vt-agent', '--port', '0', '--pid-file', join(temp.path, 'vt.pid'), '--services', services, '--data-dir', join(temp.path, 'vt-data')],
      env,
      /listening on (http:\/\/\S+)/,
    );
    t.after(() => agent.stop());
    const url = /listening on (http:\/\/\S+)/.exec(agent.stderr())![1]!;
    assert.match(await xmlRpcCall(url, 'examples.hello.ping'), /<string>pong<\/string>|<value>pong<\/value>/);
    assert.match(await xmlRpcCall(url, 'pysvc.add', ['<int>2</int>', '<int>3</int>']), /<(int|i4)>5<\/(int|i4)>/);
    assert.match(agent.stderr(), /service module tssvc not loaded: TypeScript services need the "tsx" package where hostlink is installed/);
    assert.equal(await agent.stop(), 0);
  });

  await t.test('install-service from the installed package: units run the installed binary and verify', async (t) => {
    const analyze = requireProgram(t, 'systemd-analyze', 'systemd');
    if (!analyze) return;
    const root = join(temp.path, 'root');
    for (const name of ['qga', 'agent', 'controller']) {
      const result = await runCommand(bin, ['install-service', name, '--prefix', root], { env });
      assert.equal(result.status, 0, result.stderr);
      const unit = join(root, 'etc/systemd/system', `hostlink-${name}.service`);
      const text = readFileSync(unit, 'utf8');
      assert.match(text, new RegExp(`^ExecStart=(${process.execPath} )?${bin} `, 'm'));
      assert.match(text, new RegExp(`^Documentation=(https://|file://${installed}/docs/)`, 'm'));
      const verify = await runCommand(analyze, ['verify', unit]);
      assert.equal(verify.status, 0, verify.stderr);
      assert.equal(verify.stderr.trim(), '', `${name}: systemd-analyze verify warned`);
    }
  });
});
