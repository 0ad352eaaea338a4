/**
 * QGA benchmark: the same workloads against the real qemu-ga and against hostlink's
 * agent, in one run, over Unix sockets in a temp folder; prints figures and ratios
 * (hostlink / qemu-ga; above 1 means hostlink is faster).
 *
 *   npm run build && npm run bench          (hostlink runs as `node bin/hostlink.js agent`)
 *   npm run bench -- --from-source          (hostlink runs through tsx; slower start, same code)
 *   npm run bench -- --json                 (figures as JSON too)
 *
 * Both agents are separate processes started the same way (`-m unix-listen -p SOCK -t
 * DIR`) and driven by the same plain client below: write the request bytes, read reply
 * lines, JSON.parse them. No pipelining unless the workload says so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineBuffer } from '../test/helpers/line-buffer.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const fromSource = args.includes('--from-source');
const asJson = args.includes('--json');

/** Time budget of the timed workloads, per agent. */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const PIPELINED_PINGS = 10_000;
const FILE_SIZE = 64 * 1024 * 1024;
const READ_CHUNK = 4 * 1024 * 1024;

// ---------------------------------------------------------------- raw client

class RawClient {
  private readonly buffer = new LineBuffer();
  private waiting: (() => void) | undefined;
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer.push(chunk);
      this.waiting?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
    socket.on('error', () => undefined);
  }

  static connect(path: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      socket.once('connect', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** The next reply line (without "\n"). */
  async line(): Promise<Buffer> {
    for (;;) {
      const line = this.buffer.shift();
      if (line !== undefined) return line;
      if (this.closed) throw new Error('connection closed');
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = undefined;
    }
  }

  async call(execute: string, args?: object): Promise<unknown> {
    this.send(JSON.stringify(args === undefined ? { execute } : { execute, arguments: args }));
    const reply = JSON.parse((await this.line()).toString('utf8')) as { return?: unknown; error?: { desc: string } };
    if (reply.error) throw new Error(`${execute}: ${reply.error.desc}`);
    return reply.return;
  }

  /** Counts reply lines until `count` have come (for pipelined requests). */
  async countLines(count: number): Promise<void> {
    let seen = 0;
    for (;;) {
      while (seen < count && this.buffer.shift() !== undefined) seen++;
      if (seen === count) return;
      if (this.closed) throw new Error(`connection closed after ${seen} of ${count} replies`);
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = undefined;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

// ---------------------------------------------------------------- agents

interface Agent {
  readonly name: string;
  readonly socket: string;
  stop(): Promise<void>;
}

function findProgram(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin']) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

async function startAgent(name: string, command: string, commandArgs: string[], dir: string): Promise<Agent> {
  const socket = join(dir, `${name}.sock`);
  const stateDir = join(dir, `${name}-state`);
  mkdirSync(stateDir);
  const child: ChildProcess = spawn(command, [...commandArgs, '-m', 'unix-listen', '-p', socket, '-t', stateDir, '-l', join(dir, `${name}.log`)], {
    cwd: ROOT,
    stdio: 'ignore',
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited at start (see ${dir}/${name}.log)`);
    if (existsSync(socket)) {
      try {
        (await RawClient.connect(socket)).close();
        break;
      } catch {
        // not accepting yet
      }
    }
    if (Date.now() > deadline) throw new Error(`${name} did not listen within 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    name,
    socket,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

// ---------------------------------------------------------------- workloads

interface Workload {
  readonly name: string;
  readonly unit: string;
  /** The figure, or the figure and a note to print under the table. */
  run(socket: string, dir: string): Promise<number | { value: number; note: string }>;
}

/** Runs `step` repeatedly for SECONDS (at least `minimum` times); returns steps per second. */
async function perSecond(step: () => Promise<void>, minimum = 5): Promise<number> {
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(SECONDS * 1e9));
  let count = 0;
  while (count < minimum || process.hrtime.bigint() - start < budget) {
    await step();
    count++;
  }
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

const workloads: Workload[] = [
  {
    name: 'sequential guest-ping',
    unit: 'calls/s',
    async run(socket) {
      const client = await RawClient.connect(socket);
      for (let i = 0; i < 200; i++) await client.call('guest-ping'); // warm-up
      const rate = await perSecond(async () => {
        await client.call('guest-ping');
      });
      client.close();
      return rate;
    },
  },
  {
    name: `${PIPELINED_PINGS} pipelined guest-ping`,
    unit: 'calls/s',
    async run(socket) {
      const client = await RawClient.connect(socket);
      await client.call('guest-ping');
      const requests = '{"execute":"guest-ping"}'.repeat(PIPELINED_PINGS);
      const start = process.hrtime.bigint();
      client.send(requests);
      await client.countLines(PIPELINED_PINGS);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      client.close();
      return PIPELINED_PINGS / seconds;
    },
  },
  {
    name: 'guest-exec /bin/true + status polls',
    unit: 'execs/s',
    async run(socket) {
      const client = await RawClient.connect(socket);
      let execs = 0;
      let polls = 0;
      const once = async (): Promise<void> => {
        const { pid } = (await client.call('guest-exec', { path: '/bin/true' })) as { pid: number };
        execs++;
        for (;;) {
          const status = (await client.call('guest-exec-status', { pid })) as { exited: boolean; exitcode?: number };
          polls++;
          if (status.exited) {
            if (status.exitcode !== 0) throw new Error(`/bin/true exited with ${status.exitcode}`);
            return;
          }
        }
      };
      for (let i = 0; i < 5; i++) await once(); // warm-up
      execs = polls = 0;
      const rate = await perSecond(once);
      client.close();
      return { value: rate, note: `${(polls / execs).toFixed(1)} guest-exec-status polls per exec` };
    },
  },
  {
    name: '64 MiB guest-file-read, 4 MiB chunks',
    unit: 'MB/s',
    async run(socket, dir) {
      const path = join(dir, 'read-me.bin');
      if (!existsSync(path)) writeFileSync(path, randomBytes(FILE_SIZE));
      const client = await RawClient.connect(socket);
      const readAll = async (): Promise<void> => {
        const handle = (await client.call('guest-file-open', { path, mode: 'r' })) as number;
        let total = 0;
        for (;;) {
          const chunk = (await client.call('guest-file-read', { handle, count: READ_CHUNK })) as { count: number; 'buf-b64': string; eof: boolean };
          total += Buffer.from(chunk['buf-b64'], 'base64').length;
          if (chunk.eof || chunk.count === 0) break;
        }
        await client.call('guest-file-close', { handle });
        if (total !== FILE_SIZE) throw new Error(`read ${total} bytes, expected ${FILE_SIZE}`);
      };
      await readAll(); // warm-up (page cache, JIT)
      const start = process.hrtime.bigint();
      let rounds = 0;
      do {
        await readAll();
        rounds++;
      } while (Number(process.hrtime.bigint() - start) / 1e9 < SECONDS && rounds < 5);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      client.close();
      return (rounds * FILE_SIZE) / 1e6 / seconds;
    },
  },
];

// ---------------------------------------------------------------- main

function format(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return 'failed';
  return value >= 100 ? Math.round(value).toString() : value.toFixed(1);
}

async function main(): Promise<void> {
  const qemuGa = findProgram('qemu-ga');
  if (!qemuGa) throw new Error('qemu-ga not found: install the Debian package qemu-guest-agent');
  const built = existsSync(join(ROOT, 'dist/cli/main.js'));
  if (!fromSource && !built) throw new Error('dist/ is missing: run `npm run build` first (or pass --from-source)');
  const hostlinkCommand: [string, string[]] = fromSource
    ? [process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'agent']]
    : [process.execPath, [join(ROOT, 'bin/hostlink.js'), 'agent']];

  const dir = mkdtempSync(join(tmpdir(), 'hostlink-bench-'));
  const agents: Agent[] = [];
  const cleanup = async (): Promise<void> => {
    await Promise.all(agents.map((agent) => agent.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    agents.push(await startAgent('qemu-ga', qemuGa, [], dir));
    agents.push(await startAgent('hostlink', hostlinkCommand[0], hostlinkCommand[1], dir));
    const results: { workload: string; unit: string; qemuGa?: number; hostlink?: number; error?: string }[] = [];
    const notes: string[] = [];
    for (const workload of workloads) {
      const row: (typeof results)[number] = { workload: workload.name, unit: workload.unit };
      for (const agent of agents) {
        try {
          const outcome = await workload.run(agent.socket, dir);
          const value = typeof outcome === 'number' ? outcome : outcome.value;
          if (typeof outcome !== 'number') notes.push(`${agent.name}, ${workload.name}: ${outcome.note}`);
          if (agent.name === 'qemu-ga') row.qemuGa = value;
          else row.hostlink = value;
        } catch (error) {
          row.error = `${agent.name}: ${(error as Error).message}`;
        }
      }
      results.push(row);
      process.stderr.write(`  done: ${workload.name}\n`);
    }

    const header = ['workload', 'unit', 'qemu-ga', 'hostlink', 'hostlink/qemu-ga'];
    const rows = results.map((row) => [
      row.workload,
      row.unit,
      format(row.qemuGa),
      format(row.hostlink),
      row.qemuGa && row.hostlink ? (row.hostlink / row.qemuGa).toFixed(2) : '-',
    ]);
    const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
    const line = (cells: string[]): string => cells.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
    console.log(`qemu-ga: ${qemuGa}; hostlink: ${fromSource ? 'src/ through tsx' : 'node bin/hostlink.js (dist/)'}; node ${process.version}; ${SECONDS} s per timed workload`);
    console.log(line(header));
    console.log(widths.map((width) => '-'.repeat(width)).join('  '));
    for (const row of rows) console.log(line(row));
    for (const note of notes) console.log(`note: ${note}`);
    for (const row of results) if (row.error) console.log(`error: ${row.workload}: ${row.error}`);
    if (asJson) console.log(JSON.stringify(results));
  } finally {
    await cleanup();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
