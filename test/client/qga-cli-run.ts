/** Runs `hostlink qga ...` as a real process (through tsx), for the CLI tests. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { hostlinkNodeArgs } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly text: string;
}

export interface CliOptions {
  readonly input?: string | Buffer;
  readonly env?: NodeJS.ProcessEnv;
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_NO_WARNINGS: '1', ...options.env };
    delete env.HOSTLINK_QGA_SOCKET;
    if (options.env?.HOSTLINK_QGA_SOCKET) env.HOSTLINK_QGA_SOCKET = options.env.HOSTLINK_QGA_SOCKET;
    const child = spawn(process.execPath, [...hostlinkNodeArgs(), ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out);
      resolve({ code, stdout, stderr: Buffer.concat(err).toString('utf8'), text: stdout.toString('utf8') });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Runs several CLI invocations, `parallel` at a time, results in order. */
export async function runAll(runs: ReadonlyArray<readonly [readonly string[], CliOptions?]>, parallel = 3): Promise<CliResult[]> {
  const results: CliResult[] = new Array(runs.length);
  let next = 0;
  const worker = async () => {
    while (next < runs.length) {
      const index = next++;
      const [args, options] = runs[index]!;
      results[index] = await runCli(args, options);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return results;
}
