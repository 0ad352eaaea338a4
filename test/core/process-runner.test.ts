import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runProcess, SpawnError, startProcess } from '../../src/core/process-runner.js';

test('captures stdout and stderr apart, with exit code and input', async () => {
  const result = await runProcess('/bin/sh', {
    args: ['-c', 'cat; echo err >&2; exit 4'],
    input: 'in-data',
    stdout: 'capture',
    stderr: 'capture',
  });
  assert.equal(result.stdout.toString(), 'in-data');
  assert.equal(result.stderr.toString(), 'err\n');
  assert.equal(result.exitCode, 4);
  assert.equal(result.signal, null);
  assert.ok(result.pid > 0);
});

test('merged output keeps the order of writes and the program argv', async () => {
  const result = await runProcess('/bin/sh', { args: ['-c', 'echo a; echo b >&2; echo c'], stdout: 'capture', stderr: 'merge' });
  assert.equal(result.stdout.toString(), 'a\nb\nc\n');
  assert.equal(result.stderr.length, 0);
});

test('a cap keeps the first bytes and flags the cut only when bytes were dropped', async () => {
  const over = await runProcess('/bin/sh', { args: ['-c', 'printf 123456'], stdout: 'capture', maxOutputBytes: 5 });
  assert.equal(over.stdout.toString(), '12345');
  assert.equal(over.stdoutTruncated, true);
  const exact = await runProcess('/bin/sh', { args: ['-c', 'printf 12345'], stdout: 'capture', maxOutputBytes: 5 });
  assert.equal(exact.stdoutTruncated, false);
});

test('kill ends the process with a signal number', async () => {
  const running = await startProcess('/bin/sleep', { args: ['30'] });
  assert.equal(running.exited, false);
  assert.equal(running.snapshot(), undefined);
  assert.equal(running.kill('SIGKILL'), true);
  const result = await running.wait();
  assert.equal(result.signal, 'SIGKILL');
  assert.equal(result.signalNumber, 9);
  assert.equal(result.exitCode, null);
  assert.equal(running.finished, true);
});

test('a program that cannot start rejects with its errno name, merged or not', async () => {
  await assert.rejects(startProcess('/nonexistent/program'), (error: unknown) => error instanceof SpawnError && error.code === 'ENOENT');
  await assert.rejects(startProcess('/tmp', { stdout: 'capture', stderr: 'merge' }), (error: unknown) => error instanceof SpawnError && error.code === 'EACCES');
});

test('stdin is /dev/null without input; uncaptured output goes nowhere', async () => {
  const result = await runProcess('/bin/sh', { args: ['-c', 'readlink /proc/self/fd/0 >&2; echo gone'], stderr: 'capture' });
  assert.equal(result.stderr.toString(), '/dev/null\n');
  assert.equal(result.stdout.length, 0);
});
