/**
 * hostlink's QGA client against a plain client written the seed's way (a fixed 0.1 s
 * poll interval for exec; replies read by appending each received chunk and trying
 * JSON.parse on everything so far), both talking to the real qemu-ga over a Unix socket.
 *
 *   npx tsx bench/qga-client.ts            (BENCH_EXEC_RUNS=20, BENCH_FILE_MIB=64 by default)
 *
 * Prints exec latency of /bin/true (median of N runs) and read throughput of one file
 * at 1, 4 and 16 MiB per guest-file-read, with ratios (seed / hostlink time; above 1
 * means hostlink is faster).
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QgaClient } from '../src/client/index.js';

const EXEC_RUNS = Number(process.env.BENCH_EXEC_RUNS ?? 20);
const FILE_MIB = Number(process.env.BENCH_FILE_MIB ?? 64);
const CHUNKS_MIB = [1, 4, 16];

// ------------------------------------------------------------ the seed's way

/** One request, then read chunks until everything received so far parses as JSON. */
class SeedStyleClient {
  private constructor(private readonly socket: Socket) {}

  static connect(path: string): Promise<SeedStyleClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(path, () => resolve(new SeedStyleClient(socket)));
      socket.once('error', reject);
    });
  }

  command(execute: string, args?: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      let received = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        try {
          const reply = JSON.parse(received.toString('utf8')) as { return?: unknown; error?: { desc: string } };
          this.socket.off('data', onData);
          if (reply.error) reject(new Error(reply.error.desc));
          else resolve(reply.return as Record<string, unknown>);
        } catch {
          // not complete yet: keep reading
        }
      };
      this.socket.on('data', onData);
      this.socket.write(JSON.stringify(args ? { execute, arguments: args } : { execute }));
    });
  }

  async runCommand(argv: string[]): Promise<number> {
    const { pid } = (await this.command('guest-exec', { path: argv[0], arg: argv.slice(1), 'capture-output': true })) as { pid: number };
    for (let retries = 0; retries < 300; retries++) {
      const status = (await this.command('guest-exec-status', { pid })) as { exited: boolean; exitcode?: number };
      if (status.exited) return status.exitcode ?? -1;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('timeout');
  }

  async readFile(path: string, chunk: number): Promise<Buffer> {
    const handle = (await this.command('guest-file-open', { path, mode: 'r' })) as unknown as number;
    const parts: Buffer[] = [];
    for (;;) {
      const read = (await this.command('guest-file-read', { handle, count: chunk })) as { 'buf-b64': string; eof: boolean; count: number };
      parts.push(Buffer.from(read['buf-b64'], 'base64'));
      if (read.eof || read.count === 0) break;
    }
    await this.command('guest-file-close', { handle });
    return Buffer.concat(parts);
  }

  close(): void {
    this.socket.destroy();
  }
}

// ------------------------------------------------------------ harness

async function startQemuGa(dir: string): Promise<{ socket: string; stop: () => Promise<void> }> {
  const socket = join(dir, 'qga.sock');
  mkdirSync(join(dir, 'state'));
  const child = spawn('/usr/sbin/qemu-ga', ['-m', 'unix-listen', '-p', socket, '-t', join(dir, 'state')], { stdio: 'ignore' });
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; i < 300 && !existsSync(socket); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return {
    socket,
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await gone;
      clearTimeout(timer);
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hostlink-bench-client-'));
  const agent = await startQemuGa(dir);
  try {
    const file = join(dir, 'data');
    const data = randomBytes(FILE_MIB * 1024 * 1024);
    writeFileSync(file, data);
    const expected = sha(data);
    const rows: Array<[string, string, string, string]> = [];

    // exec latency of /bin/true (one connection each; qemu-ga serves one client at a time)
    const seed = await SeedStyleClient.connect(agent.socket);
    await seed.command('guest-sync', { id: 1 });
    const seedExec: number[] = [];
    for (let i = 0; i < EXEC_RUNS; i++) seedExec.push(await time(() => seed.runCommand(['/bin/true'])));
    seed.close();
    const client = new QgaClient(agent.socket);
    await client.info();
    const ourExec: number[] = [];
    for (let i = 0; i < EXEC_RUNS; i++) ourExec.push(await time(() => client.exec(['/bin/true'])));
    await client.close();
    rows.push([`exec /bin/true, median of ${EXEC_RUNS}`, `${median(seedExec).toFixed(1)} ms`, `${median(ourExec).toFixed(1)} ms`, `${(median(seedExec) / median(ourExec)).toFixed(1)}x`]);

    for (const mib of CHUNKS_MIB) {
      const seedClient = await SeedStyleClient.connect(agent.socket);
      let seedData: Buffer = Buffer.alloc(0);
      const seedMs = await time(async () => (seedData = await seedClient.readFile(file, mib << 20)));
      seedClient.close();
      const ours = new QgaClient(agent.socket);
      await ours.info();
      let ourData: Buffer = Buffer.alloc(0);
      const ourMs = await time(async () => (ourData = await ours.readFile(file, { chunkSize: mib << 20 })));
      await ours.close();
      if (sha(seedData) !== expected || sha(ourData) !== expected) throw new Error('a read came back different');
      const rate = (ms: number) => `${((FILE_MIB / ms) * 1000).toFixed(1)} MiB/s`;
      rows.push([`read ${FILE_MIB} MiB, ${mib} MiB chunks`, rate(seedMs), rate(ourMs), `${(seedMs / ourMs).toFixed(1)}x`]);
    }

    const header: [string, string, string, string] = ['workload (real qemu-ga 7.2)', 'seed-style client', 'hostlink QgaClient', 'hostlink faster by'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
  } finally {
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
