#!/usr/bin/env node
// Runs every test/**/*.test.ts with node:test through tsx. Node 20 does not expand
// globs, so the files are listed here; no test files (or no tests run) is a failure.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filter = process.argv.slice(2);

function collect(dir) {
  const files = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files.push(...collect(path));
    else if (entry.endsWith('.test.ts')) files.push(relative(root, path));
  }
  return files.sort();
}

const files = collect(join(root, 'test')).filter((file) => filter.length === 0 || filter.some((f) => file.includes(f)));
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}

mkdirSync(join(root, 'test-output'), { recursive: true });
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', '--test-reporter-destination=test-output/tap.txt', ...files],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_NO_WARNINGS: '1' } },
);
if (result.status !== 0) process.exit(result.status ?? 1);

// Guard against a run that executed nothing: read the TAP summary.
const tap = readFileSync(join(root, 'test-output/tap.txt'), 'utf8');
const pass = Number(/^# pass (\d+)/m.exec(tap)?.[1] ?? 0);
const fail = Number(/^# fail (\d+)/m.exec(tap)?.[1] ?? 0);
const skipped = Number(/^# skipped (\d+)/m.exec(tap)?.[1] ?? 0);
console.log(`${pass} passed, ${fail} failed, ${skipped} skipped`);
if (pass === 0) {
  console.error('run-tests: no test passed');
  process.exit(1);
}
