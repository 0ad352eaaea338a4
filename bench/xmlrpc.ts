/**
 * XML-RPC benchmark: vt_agent's server (Python's SimpleXMLRPCServer with ThreadingMixIn)
 * against hostlink's vt agent, both serving vt_agent.api.is_alive, both driven by the
 * same Python xmlrpc.client driver, in one run; prints calls per second and the ratio
 * hostlink / Python (above 1: hostlink is faster).
 *
 *   npx tsx bench/xmlrpc.ts                  hostlink as `node bin/hostlink.js vt-agent` when dist/ is built,
 *                                            else from src/ through tsx
 *   npx tsx bench/xmlrpc.ts --from-source    always from src/ through tsx
 *   BENCH_SECONDS=5 npx tsx bench/xmlrpc.ts  longer timed runs (default 3 s per row and server)
 *   npx tsx bench/xmlrpc.ts --json           also print the figures as JSON
 *
 * Rows: one client thread (sequential calls), and 8 client threads in one Python
 * process (vt_agent's clients are threaded Python). An extra row runs 4 client
 * processes, because one Python process can only issue so many calls per second
 * (its GIL), which caps what the 8-thread row can show of the faster server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const asJson = args.includes('--json');
const fromSource = args.includes('--from-source') || !existsSync(join(ROOT, 'dist/cli/main.js'));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const PYTHON = process.env.PYTHON ?? 'python3';
const METHOD = 'vt_agent.api.is_alive';

interface Server {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
}

/** Starts a server process and waits for `pattern` on the given output stream. */
function startServer(name: string, command: string, commandArgs: string[], stream: 'stdout' | 'stderr', pattern: RegExp, toUrl: (match: RegExpExecArray) => string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { stdio: ['ignore', stream === 'stdout' ? 'pipe' : 'ignore', stream === 'stderr' ? 'pipe' : 'ignore'] });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${output}`)), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}): ${output}`));
    });
    child[stream]!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child[stream]!.resume();
        resolve({ name, url: toUrl(match), child });
      }
    });
  });
}

interface DriverResult {
  readonly calls: number;
  readonly seconds: number;
  readonly rate: number;
  readonly errors: string[];
}

function drive(url: string, threads: number): Promise<DriverResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [join(ROOT, 'bench/xmlrpc_driver.py'), url, METHOD, '--threads', String(threads), '--seconds', String(SECONDS)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`driver exited with ${code}`));
      const result = JSON.parse(output) as DriverResult;
      if (result.errors.length > 0) return reject(new Error(`driver errors: ${result.errors.join('; ')}`));
      resolve(result);
    });
  });
}

/** `processes` drivers at once; their rates add up. */
async function driveProcesses(url: string, processes: number, threads: number): Promise<number> {
  const results = await Promise.all(Array.from({ length: processes }, () => drive(url, threads)));
  return results.reduce((sum, result) => sum + result.rate, 0);
}

interface Row {
  readonly workload: string;
  readonly run: (url: string) => Promise<number>;
}

const ROWS: Row[] = [
  { workload: 'sequential (1 thread)', run: async (url) => (await drive(url, 1)).rate },
  { workload: '8 client threads', run: async (url) => (await drive(url, 8)).rate },
  { workload: '4 client processes x 2 threads', run: (url) => driveProcesses(url, 4, 2) },
];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hostlink-bench-xmlrpc-'));
  const servers: Server[] = [];
  try {
    servers.push(
      await startServer('python', PYTHON, [join(ROOT, 'bench/xmlrpc_reference_server.py')], 'stdout', /^(\d+)\n/, (m) => `http://127.0.0.1:${m[1]}/`),
    );
    const hostlink = fromSource
      ? [process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')]]
      : [process.execPath, [join(ROOT, 'bin/hostlink.js')]];
    servers.push(
      await startServer(
        'hostlink',
        hostlink[0] as string,
        [...(hostlink[1] as string[]), 'vt-agent', '--port', '0', '--pid-file', join(dir, 'vt.pid'), '--data-dir', join(dir, 'data')],
        'stderr',
        /listening on (\S+)/,
        (m) => m[1]!,
      ),
    );
    const [python, ours] = servers as [Server, Server];
    const results: { workload: string; python: number; hostlink: number; ratio: number }[] = [];
    for (const row of ROWS) {
      const pythonRate = await row.run(python.url);
      const hostlinkRate = await row.run(ours.url);
      results.push({ workload: row.workload, python: pythonRate, hostlink: hostlinkRate, ratio: hostlinkRate / pythonRate });
    }
    const header = ['workload (vt_agent.api.is_alive)', 'Python calls/s', 'hostlink calls/s', 'hostlink/Python'];
    const lines = results.map((row) => [row.workload, row.python.toFixed(0), row.hostlink.toFixed(0), row.ratio.toFixed(2)]);
    const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
    const format = (cells: string[]): string => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
    console.log(format(header));
    for (const line of lines) console.log(format(line));
    console.log(
      `Python: SimpleXMLRPCServer + ThreadingMixIn (${PYTHON}); hostlink: ${fromSource ? 'src/ through tsx' : 'node bin/hostlink.js (dist/)'}; node ${process.version}; client: xmlrpc.client; ${SECONDS} s per row and server`,
    );
    if (asJson) console.log(JSON.stringify({ seconds: SECONDS, results }));
  } finally {
    for (const server of servers) server.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
