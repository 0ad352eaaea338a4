/**
 * Controller benchmark: one `hostlink controller` process (memory store, then Redis) and
 * N simulated agents (real WebSocket connections, several thousand per process, see
 * controller-sim-agents.ts) on this machine. Prints, per store:
 *
 *   - the controller's memory with N agents connected (resident set, peak);
 *   - fan-out: one `ping` to every agent (roles ["*"], fanout), time until the client
 *     has every result (long-polling /v1/jobs/ID/results, as ControllerClient does);
 *   - jobs per second: M single-agent `ping` jobs submitted over HTTP by C concurrent
 *     requests, until the controller has acknowledged every result; the same through
 *     ControllerClient.cmd() from C concurrent callers (it gathers them into shared
 *     requests); and BATCH jobs per request.
 *
 *   npx tsx bench/controller.ts                        10,000 agents, both stores
 *   npx tsx bench/controller.ts --agents 2000 --jobs 10000 --store memory
 *   npx tsx bench/controller.ts --json
 *
 * Targets (issue 5): 10,000 agents under 1 GiB; fan-out to 10,000 in under 2 s;
 * 5,000 jobs/s (memory) and 2,000 jobs/s (Redis).
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ControllerClient } from '../src/client/controller/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
function option(name: string, fallback: string): string {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 && argv[index + 1] !== undefined ? argv[index + 1]! : fallback;
}
const AGENTS = Number(option('agents', '10000'));
const PER_PROCESS = Number(option('per-process', '2500'));
const JOBS = Number(option('jobs', '20000'));
const CONCURRENCY = Number(option('concurrency', '64'));
const BATCH = Number(option('batch', '100'));
const BATCH_CONCURRENCY = Number(option('batch-concurrency', '4'));
const FANOUT_ROUNDS = Number(option('fanout-rounds', '3'));
const STORES = option('store', 'both') === 'both' ? ['memory', 'redis'] : [option('store', 'memory')];
const AS_JSON = argv.includes('--json');

interface Figures {
  store: string;
  agents: number;
  connectSeconds: number;
  rssMiB: number;
  peakMiB: number;
  fanoutSeconds: number[];
  jobs: number;
  jobsPerSecond: number;
  clientJobsPerSecond: number;
  batchedJobsPerSecond: number;
  /** Controller CPU milliseconds per job (batched phase) and per fan-out target: load-independent. */
  cpuMsPerJob: number;
  cpuMsPerFanoutTarget: number;
}

const temp = mkdtempSync(join(tmpdir(), 'hostlink-bench-controller-'));
const children: ChildProcess[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function waitForOutput(child: ChildProcess, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) {
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        resolve(match);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}): ${output}`)));
  });
}

async function startRedis(): Promise<string> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', temp, '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  await waitForOutput(child, /Ready to accept connections/, 'redis-server');
  return `redis://127.0.0.1:${port}`;
}

async function startController(redis: string | undefined): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const args = [...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []), '--import', 'tsx', 'src/cli/main.ts', 'controller', '--listen', `127.0.0.1:${port}`, '--heartbeat', '60', '--log-file', join(temp, `controller-${port}.log`)];
  if (redis) args.push('--redis', redis);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const match = await waitForOutput(child, /listening on (\S+)/, 'hostlink controller');
  return { url: match[1]!, child };
}

/** CPU seconds (user + system) the process has used. */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

interface Sim {
  readonly child: ChildProcess;
  ask(): Promise<{ connected: number; acked: number; failures: number }>;
}

async function startSims(url: string): Promise<Sim[]> {
  const sims: Sim[] = [];
  const ready: Promise<void>[] = [];
  for (let first = 1; first <= AGENTS; first += PER_PROCESS) {
    const count = Math.min(PER_PROCESS, AGENTS - first + 1);
    const child = fork(join(ROOT, 'bench/controller-sim-agents.ts'), [url, '1', String(first), String(count)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(child);
    ready.push(
      new Promise((resolve, reject) => {
        child.once('message', (message: { type: string; failures: number }) => (message.failures > 0 ? reject(new Error(`${message.failures} simulated agents could not connect`)) : resolve()));
        child.once('exit', (code) => reject(new Error(`simulated agents exited (${code})`)));
      }),
    );
    sims.push({
      child,
      ask: () =>
        new Promise((resolve) => {
          const onMessage = (message: { type: string; connected: number; acked: number; failures: number }): void => {
            if (message.type !== 'count') return;
            child.off('message', onMessage);
            resolve(message);
          };
          child.on('message', onMessage);
          child.send({ type: 'count' });
        }),
    });
  }
  await Promise.all(ready);
  return sims;
}

const httpAgent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function http(url: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(`${url}/${path}`, { method, agent: httpAgent, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function waitForAgents(url: string): Promise<void> {
  for (;;) {
    const { agents } = (await http(url, 'GET', 'v1/agents')) as { agents: Array<{ online: boolean }> };
    if (agents.filter((agent) => agent.online).length >= AGENTS) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function fanout(url: string): Promise<number> {
  const started = process.hrtime.bigint();
  const submitted = (await http(url, 'POST', 'v1/jobs', { roles: ['*'], fanout: true, cmd: 'ping' })) as { id: string; targets: unknown[] };
  if (submitted.targets.length !== AGENTS) throw new Error(`fan-out reached ${submitted.targets.length} agents, not ${AGENTS}`);
  const accepted = process.hrtime.bigint();
  let received = 0;
  let polls = 0;
  while (received < AGENTS) {
    const page = (await http(url, 'GET', `v1/jobs/${submitted.id}/results?after=${received}&wait=10000`)) as { results: Array<{ state: string }> };
    if (page.results.some((result) => result.state !== 'SUCCESS')) throw new Error('a fan-out result was not SUCCESS');
    received += page.results.length;
    polls++;
  }
  if (process.env.BENCH_DEBUG) process.stderr.write(`  fan-out: submitted in ${(Number(accepted - started) / 1e9).toFixed(2)} s, results in ${polls} polls\n`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function totalAcked(sims: Sim[]): Promise<number> {
  const counts = await Promise.all(sims.map((sim) => sim.ask()));
  return counts.reduce((sum, count) => sum + count.acked, 0);
}

/**
 * JOBS single-agent pings sent by `callers` concurrent loops; each turn of a loop calls
 * `send` with `take`, which hands out the next job index (undefined once all are taken).
 * Jobs per second until the controller has acknowledged every result.
 */
async function timedJobs(sims: Sim[], callers: number, send: (take: () => number | undefined) => Promise<unknown>): Promise<number> {
  const before = await totalAcked(sims);
  let next = 0;
  const take = (): number | undefined => (next < JOBS ? next++ : undefined);
  const started = process.hrtime.bigint();
  const caller = async (): Promise<void> => {
    while (next < JOBS) await send(take);
  };
  await Promise.all(Array.from({ length: callers }, caller));
  if (process.env.BENCH_DEBUG) process.stderr.write(`  submitted ${JOBS} in ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(2)} s\n`);
  while ((await totalAcked(sims)) - before < JOBS) await new Promise((resolve) => setTimeout(resolve, 20));
  return JOBS / (Number(process.hrtime.bigint() - started) / 1e9);
}

function ping(index: number): { gid: number; nid: number; cmd: string } {
  return { gid: 1, nid: (index % AGENTS) + 1, cmd: 'ping' };
}

/** One job per HTTP request, CONCURRENCY requests at a time. */
function jobsPerSecond(url: string, sims: Sim[]): Promise<number> {
  return timedJobs(sims, CONCURRENCY, (take) => http(url, 'POST', 'v1/jobs', ping(take()!)));
}

/**
 * The same jobs through ControllerClient.cmd() from CONCURRENCY concurrent callers, one
 * job per call, as an application would send them (the client gathers concurrent calls
 * into shared requests).
 */
function clientJobsPerSecond(url: string, sims: Sim[]): Promise<number> {
  const client = new ControllerClient({ url });
  return timedJobs(sims, CONCURRENCY, (take) => client.cmd(1, ping(take()!).nid, 'ping'));
}

/** The same jobs, BATCH per request (POST /v1/jobs with an array), BATCH_CONCURRENCY at a time. */
function batchedJobsPerSecond(url: string, sims: Sim[]): Promise<number> {
  return timedJobs(sims, BATCH_CONCURRENCY, (take) => {
    const batch = [];
    while (batch.length < BATCH) {
      const index = take();
      if (index === undefined) break;
      batch.push(ping(index));
    }
    return http(url, 'POST', 'v1/jobs', batch);
  });
}

async function runStore(store: string): Promise<Figures> {
  const redis = store === 'redis' ? await startRedis() : undefined;
  const controller = await startController(redis);
  const connectStart = Date.now();
  const sims = await startSims(controller.url);
  await waitForAgents(controller.url);
  const connectSeconds = (Date.now() - connectStart) / 1000;
  // Warm up both paths before timing them.
  await fanout(controller.url);
  const fanoutSeconds: number[] = [];
  const pid = controller.child.pid!;
  const fanoutCpu = cpuSecondsOf(pid);
  for (let round = 0; round < FANOUT_ROUNDS; round++) fanoutSeconds.push(await fanout(controller.url));
  const cpuMsPerFanoutTarget = ((cpuSecondsOf(pid) - fanoutCpu) * 1000) / (FANOUT_ROUNDS * AGENTS);
  const rate = argv.includes('--skip-single') ? 0 : await jobsPerSecond(controller.url, sims);
  const clientRate = await clientJobsPerSecond(controller.url, sims);
  const batchCpu = cpuSecondsOf(pid);
  const batchedRate = await batchedJobsPerSecond(controller.url, sims);
  const cpuMsPerJob = JOBS === 0 ? 0 : ((cpuSecondsOf(pid) - batchCpu) * 1000) / JOBS;
  const memory = memoryOf(controller.child.pid!);
  if (redis && process.env.BENCH_DEBUG) {
    // What the run cost Redis: calls per command and errors (BENCH_DEBUG=1).
    const port = new URL(redis).port;
    const info = spawnSync('redis-cli', ['-p', port, 'INFO', 'commandstats'], { encoding: 'utf8' }).stdout + spawnSync('redis-cli', ['-p', port, 'INFO', 'errorstats'], { encoding: 'utf8' }).stdout;
    process.stderr.write(info.split('\n').filter((line) => /^(cmdstat|errorstat)/.test(line)).map((line) => `  ${line.replace(/,usec_per_call.*?(,|$)/, ' ').trim()}\n`).join(''));
  }
  for (const sim of sims) sim.child.send({ type: 'stop' });
  controller.child.kill('SIGTERM');
  await new Promise((resolve) => controller.child.once('exit', resolve));
  return { store, agents: AGENTS, connectSeconds, ...memory, fanoutSeconds, jobs: JOBS, jobsPerSecond: rate, clientJobsPerSecond: clientRate, batchedJobsPerSecond: batchedRate, cpuMsPerJob, cpuMsPerFanoutTarget };
}

function loadAverage(): string {
  const [one, five] = readFileSync('/proc/loadavg', 'utf8').split(' ');
  return `load average ${one} (1 min), ${five} (5 min) on ${availableParallelism()} cores (figures above are wall-clock and shared with everything else running)`;
}

function mark(ok: boolean): string {
  return ok ? 'ok' : 'MISSED';
}

async function main(): Promise<void> {
  const results: Figures[] = [];
  try {
    for (const store of STORES) {
      process.stderr.write(`bench/controller: ${store} store, ${AGENTS} agents ...\n`);
      results.push(await runStore(store));
    }
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(temp, { recursive: true, force: true });
  }
  for (const figures of results) {
    const best = Math.min(...figures.fanoutSeconds);
    const median = [...figures.fanoutSeconds].sort((a, b) => a - b)[Math.floor(figures.fanoutSeconds.length / 2)]!;
    const target = figures.store === 'redis' ? 2000 : 5000;
    console.log(`\n${figures.store} store, ${figures.agents} simulated agents (${Math.ceil(figures.agents / PER_PROCESS)} processes), ${figures.connectSeconds.toFixed(1)} s to connect them all`);
    console.log(`  controller memory      ${figures.rssMiB.toFixed(0)} MiB resident, ${figures.peakMiB.toFixed(0)} MiB peak   (target < 1024 MiB: ${mark(figures.peakMiB < 1024)})`);
    console.log(`  fan-out ping to all    best ${best.toFixed(2)} s, median ${median.toFixed(2)} s of ${figures.fanoutSeconds.length}   (target < 2 s for 10,000: ${figures.agents < 10000 ? 'n/a with fewer agents' : mark(best < 2)})`);
    console.log(`  jobs per second        ${figures.jobsPerSecond.toFixed(0)} one job per request (${figures.jobs} single-agent pings, ${CONCURRENCY} concurrent requests)   (target ${target}: ${mark(figures.jobsPerSecond >= target)})`);
    console.log(`                         ${figures.clientJobsPerSecond.toFixed(0)} through ControllerClient.cmd(), one job per call, ${CONCURRENCY} concurrent callers   (target ${target}: ${mark(figures.clientJobsPerSecond >= target)})`);
    console.log(`                         ${figures.batchedJobsPerSecond.toFixed(0)} with ${BATCH} jobs per request (${BATCH_CONCURRENCY} concurrent requests)   (target ${target}: ${mark(figures.batchedJobsPerSecond >= target)})`);
    console.log(`  controller CPU         ${figures.cpuMsPerJob.toFixed(3)} ms per job (batched), ${figures.cpuMsPerFanoutTarget.toFixed(3)} ms per fan-out target: at most ${(1000 / figures.cpuMsPerJob).toFixed(0)} jobs/s per core if nothing else ran`);
    console.log(`  machine load           ${loadAverage()}`);
  }
  if (AS_JSON) console.log(JSON.stringify(results, null, 2));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/controller: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
