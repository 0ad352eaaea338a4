import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cronMatches, nextRun, parseCron } from '../../src/controller/cron.js';

const at = (text: string): Date => new Date(text);

test('five fields fire at second 0; six fields have seconds first', () => {
  const hourly = parseCron('30 * * * *');
  assert.equal(cronMatches(hourly, at('2026-03-04T10:30:00')), true);
  assert.equal(cronMatches(hourly, at('2026-03-04T10:30:01')), false);
  assert.equal(cronMatches(hourly, at('2026-03-04T10:31:00')), false);
  const everyFive = parseCron('*/5 * * * * *');
  assert.equal(cronMatches(everyFive, at('2026-03-04T10:31:10')), true);
  assert.equal(cronMatches(everyFive, at('2026-03-04T10:31:11')), false);
});

test('ranges, steps, lists; weekday 7 is Sunday; day fields are OR-ed when both are set', () => {
  const workHours = parseCron('0 9-17/4 * * 1-5');
  assert.equal(cronMatches(workHours, at('2026-03-04T13:00:00')), true); // Wednesday 13:00
  assert.equal(cronMatches(workHours, at('2026-03-04T11:00:00')), false);
  assert.equal(cronMatches(workHours, at('2026-03-08T13:00:00')), false); // Sunday
  assert.equal(cronMatches(parseCron('0 0 * * 7'), at('2026-03-08T00:00:00')), true);
  const firstOrMonday = parseCron('0 0 1 * 1');
  assert.equal(cronMatches(firstOrMonday, at('2026-03-01T00:00:00')), true); // the 1st, a Sunday
  assert.equal(cronMatches(firstOrMonday, at('2026-03-02T00:00:00')), true); // a Monday
  assert.equal(cronMatches(firstOrMonday, at('2026-03-03T00:00:00')), false);
  assert.equal(cronMatches(parseCron('0 0 1,15 * *'), at('2026-03-15T00:00:00')), true);
});

test('the next run', () => {
  assert.deepEqual(nextRun(parseCron('0 3 * * *'), at('2026-03-04T10:00:00')), at('2026-03-05T03:00:00'));
  assert.deepEqual(nextRun(parseCron('* * * * * *'), at('2026-03-04T10:00:00.500')), at('2026-03-04T10:00:01'));
  assert.deepEqual(nextRun(parseCron('0 0 29 2 *'), at('2026-03-01T00:00:00')), undefined, 'no 29 February within a year');
});

test('bad expressions are refused with the reason', () => {
  assert.throws(() => parseCron('* * * *'), /expected 5 fields/);
  assert.throws(() => parseCron('60 * * * *'), /minute 60 is outside 0-59/);
  assert.throws(() => parseCron('* * 0 * *'), /day of month 0 is outside 1-31/);
  assert.throws(() => parseCron('*/0 * * * *'), /step 0/);
  assert.throws(() => parseCron('a * * * *'), /"a" is not a valid minute/);
  assert.throws(() => parseCron('5-1 * * * *'), /outside/);
});
