/**
 * How tests start the `hostlink` command as a real process. By default through tsx on
 * the sources; with HOSTLINK_TEST_BUILT=1 (set by .ci/run right after `npm run build`)
 * the built `bin/hostlink.js`, which is what users run and starts several times faster.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const BUILT_BIN = fileURLToPath(new URL('../../bin/hostlink.js', import.meta.url));
const SOURCE_MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** Node arguments that run `hostlink` (append the CLI's own arguments). */
export function hostlinkNodeArgs(): string[] {
  if (process.env.HOSTLINK_TEST_BUILT === '1') {
    if (!existsSync(fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)))) {
      throw new Error('HOSTLINK_TEST_BUILT=1 but dist/ is missing: run npm run build first');
    }
    return [BUILT_BIN];
  }
  return ['--import', 'tsx', SOURCE_MAIN];
}

export interface CliResult {
  readonly status: number | string;
  readonly stdout: string;
  /** stdout as bytes (for output that is not text). */
  readonly stdoutBytes: Buffer;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  /** Written to the process's stdin, which is then closed (default: empty). */
  readonly input?: string | Buffer;
}

/**
 * Runs `hostlink ARGS` from the repository root to completion, with `env` over this
 * process's environment; rejects (after killing it) if it has not ended by `timeoutMs`.
 */
export function runHostlink(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const child = spawn(process.execPath, [...hostlinkNodeArgs(), ...args], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // No input: stdin is at its end at once, as /dev/null would be.
  child.stdin.on('error', () => undefined); // EPIPE when the program exits without reading it
  child.stdin.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hostlink ${args.join(' ')} did not end within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    // 'close', not 'exit': only then have the pipes delivered everything the process wrote.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolve({ status: code ?? signal ?? 'unknown', stdout: stdoutBytes.toString(), stdoutBytes, stderr });
    });
  });
}
