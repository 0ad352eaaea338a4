/**
 * Helpers for the vt agent tests: an in-process vt agent on a free port with a temp
 * data folder, and Python scripts run against it (Python's own xmlrpc.client is the
 * reference client). Scripts run asynchronously: the agent lives in this process.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { startVtAgent, type RunningVtAgent, type VtAgentOptions } from '../../src/cli/vt-agent-command.js';
import { silentLogger } from '../../src/core/logger.js';
import { requireProgram } from '../helpers/peers.js';
import { makeTempDir } from '../helpers/temp.js';

export const EXAMPLE_SERVICES = new URL('../../examples/services', import.meta.url).pathname;

export interface TestVtAgent extends RunningVtAgent {
  readonly dir: string;
  readonly dataDir: string;
  /** Stops the agent and removes its temp folder. */
  close(): Promise<void>;
}

export async function startTestVtAgent(options: Partial<VtAgentOptions> = {}): Promise<TestVtAgent> {
  const temp = makeTempDir('hostlink-vt-');
  const dataDir = join(temp.path, 'data');
  try {
    const agent = await startVtAgent({ port: 0, dataDir, log: silentLogger(), ...options });
    return {
      ...agent,
      dir: temp.path,
      dataDir,
      async close() {
        await agent.stop();
        temp.remove();
      },
    };
  } catch (error) {
    temp.remove();
    throw error;
  }
}

/** A folder of service files, from { "relative/path.js": "source" }. */
export function writeServices(root: string, files: Readonly<Record<string, string>>): string {
  for (const [path, source] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, source);
  }
  return root;
}

export interface PythonResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** python3, or skips the test (fails under CI=true). */
export function requirePython(t: TestContext): string | undefined {
  return requireProgram(t, 'python3', 'python3');
}

/** Runs a Python script (source text) with arguments; never rejects on a non-zero exit. */
export function runPython(python: string, source: string, args: readonly string[] = [], timeoutMs = 30_000): Promise<PythonResult> {
  const temp = makeTempDir('hostlink-vt-py-');
  const script = join(temp.path, 'script.py');
  writeFileSync(script, source);
  return new Promise((resolve) => {
    execFile(python, [script, ...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      temp.remove();
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ stdout, stderr, code });
    });
  });
}

/** Runs a script that prints one JSON document, and returns it parsed. */
export async function runPythonJson<T = unknown>(python: string, source: string, args: readonly string[] = []): Promise<T> {
  const result = await runPython(python, source, args);
  if (result.code !== 0) throw new Error(`python failed (${result.code}):\n${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}
