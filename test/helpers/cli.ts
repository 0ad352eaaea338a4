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
  readonly stderr: string;
}

/**
 * Runs `hostlink ARGS` from the repository root to completion, with `env` over this
 * process's environment; rejects (after killing it) if it has not ended by `timeoutMs`.
 */
export function runHostlink(args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const child = spawn(process.execPath, [...hostlinkNodeArgs(), ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hostlink ${args.join(' ')} did not end within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    // 'close', not 'exit': only then have the pipes delivered everything the process wrote.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ status: code ?? signal ?? 'unknown', stdout, stderr });
    });
  });
}
