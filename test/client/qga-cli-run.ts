/** Runs `hostlink qga ...` as a real process (test/helpers/cli.ts), for the CLI tests. */
import { runHostlink } from '../helpers/cli.js';

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

export async function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  // The socket comes from the test only, never from the environment the suite runs in.
  const env: NodeJS.ProcessEnv = { NODE_NO_WARNINGS: '1', HOSTLINK_QGA_SOCKET: undefined, ...options.env };
  const result = await runHostlink(args, { env, input: options.input ?? '' });
  return { code: typeof result.status === 'number' ? result.status : null, stdout: result.stdoutBytes, stderr: result.stderr, text: result.stdout };
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
