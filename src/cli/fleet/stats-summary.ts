/**
 * Turns the controller's statistics (per job and agent, batches of samples) into one
 * summary per series: the same job, agent, key and kind (g gauge, c counter, ms timer,
 * s set). A job's CPU and memory samples (stats_interval) are series like any other,
 * named cpu (%), cpu_seconds, rss, vms and swap (bytes).
 */
import type { StatsEntry } from '../../client/controller/index.js';

/** The keys the agent samples for a job with stats_interval, in the order shown. */
export const PROCESS_KEYS = ['cpu', 'cpu_seconds', 'rss', 'vms', 'swap'] as const;

export interface StatsSeries {
  readonly job: string;
  readonly gid: number;
  readonly nid: number;
  readonly key: string;
  readonly type: string;
  readonly samples: number;
  /** The value of the newest sample (the later one of two at the same time). */
  readonly last: number;
  readonly min: number;
  readonly max: number;
  readonly avg: number;
  readonly sum: number;
  /** Epoch milliseconds of the oldest and newest sample. */
  readonly first_epoch: number;
  readonly last_epoch: number;
  /** Every sample, oldest first (only when asked for). */
  readonly points?: ReadonlyArray<{ readonly epoch: number; readonly value: number }>;
}

interface Accumulator {
  job: string;
  gid: number;
  nid: number;
  key: string;
  type: string;
  points: Array<{ epoch: number; value: number }>;
}

function keyRank(key: string): number {
  const index = (PROCESS_KEYS as readonly string[]).indexOf(key);
  return index < 0 ? PROCESS_KEYS.length : index;
}

function summarise(series: Accumulator, withPoints: boolean): StatsSeries {
  // A stable sort keeps arrival order between samples of the same millisecond.
  const points = [...series.points].sort((a, b) => a.epoch - b.epoch);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const { value } of points) {
    if (value < min) min = value;
    if (value > max) max = value;
    sum += value;
  }
  return {
    job: series.job,
    gid: series.gid,
    nid: series.nid,
    key: series.key,
    type: series.type,
    samples: points.length,
    last: points[points.length - 1]!.value,
    min,
    max,
    avg: sum / points.length,
    sum,
    first_epoch: points[0]!.epoch,
    last_epoch: points[points.length - 1]!.epoch,
    ...(withPoints ? { points } : {}),
  };
}

/**
 * One summary per series, ordered by agent, then job (oldest first), then key: the
 * CPU and memory keys first, the statsd keys by name.
 */
export function summariseStats(entries: readonly StatsEntry[], options: { points?: boolean } = {}): StatsSeries[] {
  const bySeries = new Map<string, Accumulator>();
  for (const entry of entries) {
    for (const sample of entry.samples) {
      if (typeof sample.value !== 'number' || !Number.isFinite(sample.value)) continue;
      const id = JSON.stringify([entry.id, entry.gid, entry.nid, sample.key, sample.type]);
      let series = bySeries.get(id);
      if (!series) bySeries.set(id, (series = { job: entry.id, gid: entry.gid, nid: entry.nid, key: sample.key, type: sample.type, points: [] }));
      series.points.push({ epoch: sample.epoch, value: sample.value });
    }
  }
  const summaries = [...bySeries.values()].map((series) => summarise(series, options.points === true));
  const jobStart = new Map<string, number>();
  for (const series of summaries) jobStart.set(series.job, Math.min(jobStart.get(series.job) ?? Infinity, series.first_epoch));
  return summaries.sort(
    (a, b) =>
      a.gid - b.gid ||
      a.nid - b.nid ||
      jobStart.get(a.job)! - jobStart.get(b.job)! ||
      a.job.localeCompare(b.job) ||
      keyRank(a.key) - keyRank(b.key) ||
      a.key.localeCompare(b.key) ||
      a.type.localeCompare(b.type),
  );
}

/** 3, 2.5, 0.333: at most three decimals, no trailing zeros. */
export function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(3)));
}
