/** `hostlink qga exec [--input FILE|-] [--env K=V]... -- CMD ARGS...` */
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { qgaAction, parseSeconds, UsageError } from './context.js';
import { json } from './format.js';
import { readStdin, writeOut } from './io.js';

export function addExecCommand(qga: Command): void {
  qga
    .command('exec')
    .description("run a program in the guest: its output goes to this command's stdout and stderr, its exit code becomes ours")
    .argument('<command...>', 'program and its arguments (put -- before them)')
    .option('--input <file>', 'give FILE (or - for our stdin) to the program on its stdin')
    .option('--env <NAME=VALUE>', 'set an environment variable (repeatable)', (value: string, list: string[]) => [...list, value], [] as string[])
    .option('--max-time <seconds>', 'stop waiting after this long (the program keeps running in the guest)')
    .addHelpText('after', '\nExit code: the program\'s own; 128+N when signal N killed it. With --json: 0, and the agent\'s status (base64 output) is printed.')
    .action(
      qgaAction(async (run, argv: string[]) => {
        const env = run.options.env as string[];
        for (const entry of env) if (!/^[^=]+=/.test(entry)) throw new UsageError(`--env takes NAME=VALUE, not "${entry}"`);
        const inputOption = run.options.input as string | undefined;
        const input = inputOption === undefined ? undefined : inputOption === '-' ? await readStdin() : await readLocal(inputOption);
        const maxTime = run.options.maxTime === undefined ? undefined : parseSeconds(run.options.maxTime as string, '--max-time', 0);
        const result = await run.client.exec(argv, { input, env: env.length > 0 ? env : undefined, timeout: maxTime });
        if (run.json) {
          run.out(
            json({
              pid: result.pid,
              exited: true,
              exitcode: result.exitCode ?? undefined,
              signal: result.signal ?? undefined,
              'out-data': result.stdout.toString('base64'),
              'err-data': result.stderr.toString('base64'),
              'out-truncated': result.stdoutTruncated,
              'err-truncated': result.stderrTruncated,
            }),
          );
          return 0;
        }
        await writeOut(process.stdout, result.stdout);
        await writeOut(process.stderr, result.stderr);
        if (result.stdoutTruncated) process.stderr.write('hostlink qga: warning: the agent kept only the first part of stdout (qemu-ga keeps 16 MiB)\n');
        if (result.stderrTruncated) process.stderr.write('hostlink qga: warning: the agent kept only the first part of stderr (qemu-ga keeps 16 MiB)\n');
        return result.exitCode ?? 128 + (result.signal ?? 0);
      }),
    );
}

async function readLocal(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new UsageError(`cannot read --input ${path}: ${(error as Error).message}`);
  }
}
