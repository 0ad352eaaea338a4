/**
 * How long the built `hostlink` takes to start, against Node starting with nothing to
 * do: `hostlink --version` (loads no sub-command), `hostlink qga --help` and
 * `hostlink agent --help` (each loads its own sub-command only).
 *
 *   npm run build && npx tsx bench/startup.ts [--runs N] [--json]
 *
 * Wall time (median) and CPU time (user + system, median) per start; CPU time moves
 * less than wall time on a busy machine.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/hostlink.js', import.meta.url));
const DIST_MAIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** One start of `node ARGS`, timed from outside; CPU time from the child's rusage. */
function startOnce(args: readonly string[]): Sample {
  const started = process.hrtime.bigint();
  // This process's CPU usage does not include its children's, so each child reports its
  // own at exit through a one-line preloaded module (the same small cost in every row).
  const result = spawnSync(process.execPath, ['--import', 'data:text/javascript,process.on("exit",()=>{const u=process.cpuUsage();process.stderr.write("\\ncpu:"+(u.user+u.system)+"\\n")})', ...args], {
    encoding: 'utf8',
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${result.stderr}`);
  const cpu = /cpu:(\d+)/.exec(result.stderr)?.[1];
  return { wallMs, cpuMs: Number(cpu ?? NaN) / 1000 };
}

function measure(label: string, args: readonly string[], runs: number): { label: string; wallMs: number; cpuMs: number } {
  for (let i = 0; i < 3; i++) startOnce(args); // warm the file cache
  const samples = Array.from({ length: runs }, () => startOnce(args));
  return { label, wallMs: median(samples.map((s) => s.wallMs)), cpuMs: median(samples.map((s) => s.cpuMs)) };
}

function main(): void {
  if (!existsSync(DIST_MAIN)) {
    process.stderr.write('bench/startup.ts: dist/ is missing: run npm run build first\n');
    process.exitCode = 2;
    return;
  }
  const runsIndex = process.argv.indexOf('--runs');
  const runs = runsIndex > 0 ? Number(process.argv[runsIndex + 1]) : 20;
  const rows = [
    measure('node -e 0', ['-e', '0'], runs),
    measure('hostlink --version', [BIN, '--version'], runs),
    measure('hostlink qga --help', [BIN, 'qga', '--help'], runs),
    measure('hostlink agent --help', [BIN, 'agent', '--help'], runs),
  ];
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ node: process.version, runs, rows })}\n`);
    return;
  }
  process.stdout.write(`Node ${process.version}, median of ${runs} starts\n`);
  process.stdout.write(`${'command'.padEnd(24)}${'wall ms'.padStart(10)}${'cpu ms'.padStart(10)}\n`);
  for (const row of rows) process.stdout.write(`${row.label.padEnd(24)}${row.wallMs.toFixed(0).padStart(10)}${row.cpuMs.toFixed(0).padStart(10)}\n`);
}

main();
