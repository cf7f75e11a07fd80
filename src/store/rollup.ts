/**
 * Roll-up arithmetic shared by every store: bucketing a batch in memory before it reaches the
 * database (one upsert per check and bucket, not per observation), and covering a time window with
 * as few roll-up rows as possible. Pure functions of their arguments.
 */
import { bucketIndex, LATENCY_BOUNDS } from './histogram.ts';
import type { Resolution } from './store.ts';

/** MINUTE_MS is the width of a minute bucket. */
export const MINUTE_MS = 60_000;
/** HOUR_MS is the width of an hour bucket. */
export const HOUR_MS = 3_600_000;

/** bucketStart gives the start of the bucket of width `width` holding `at` (UTC-aligned). */
export function bucketStart(at: number, width: number): number {
  return Math.floor(at / width) * width;
}

/** Rollup is one check's sums for one bucket, before or after it is added to a stored row. */
export interface Rollup {
  readonly checkId: string;
  readonly bucket: number;
  count: number;
  ok: number;
  latencySum: number;
  latencyMax: number;
  readonly histogram: number[];
}

/** rollUp groups observations by check and bucket of width `width`, summing counts and histograms. */
export function rollUp(
  observations: Iterable<{
    readonly checkId: string;
    readonly at: number;
    readonly ok: boolean;
    readonly latency: number;
  }>,
  width: number,
): Rollup[] {
  const byCheck = new Map<string, Map<number, Rollup>>();
  const out: Rollup[] = [];
  for (const { checkId, at, ok, latency } of observations) {
    const bucket = bucketStart(at, width);
    let buckets = byCheck.get(checkId);
    if (!buckets) {
      buckets = new Map();
      byCheck.set(checkId, buckets);
    }
    let row = buckets.get(bucket);
    if (!row) {
      row = {
        checkId,
        bucket,
        count: 0,
        ok: 0,
        latencySum: 0,
        latencyMax: 0,
        histogram: new Array<number>(LATENCY_BOUNDS.length).fill(0),
      };
      buckets.set(bucket, row);
      out.push(row);
    }
    row.count++;
    if (ok) row.ok++;
    row.latencySum += latency;
    if (latency > row.latencyMax) row.latencyMax = latency;
    row.histogram[bucketIndex(latency)]!++;
  }
  return out;
}

/** Span is a half-open range of bucket starts, [from, to), read at one resolution. */
export interface Span {
  readonly resolution: Resolution;
  readonly from: number;
  readonly to: number;
}

/**
 * coverWindow splits [from, to) into whole hours from hour roll-ups and the ragged edges from minute
 * roll-ups, an edge older than `minuteHorizon` widening to its whole hour.
 */
// A 30-day window so reads about 720 + 118 rows yet is exact to the minute; before the horizon the
// minute roll-ups are pruned, and the whole hour is the closest answer left.
export function coverWindow(from: number, to: number, minuteHorizon: number): Span[] {
  if (!(to > from)) return [];
  let hourFrom = from <= minuteHorizon ? bucketStart(from, HOUR_MS) : Math.ceil(from / HOUR_MS) * HOUR_MS;
  const hourTo = to <= minuteHorizon ? Math.ceil(to / HOUR_MS) * HOUR_MS : bucketStart(to, HOUR_MS);
  if (hourFrom >= hourTo) {
    if (from > minuteHorizon) return [{ resolution: 'minute', from, to }];
    // The whole window is inside one hour that has lost its minutes: that hour is the best answer.
    hourFrom = bucketStart(from, HOUR_MS);
    return [{ resolution: 'hour', from: hourFrom, to: hourFrom + HOUR_MS }];
  }
  const spans: Span[] = [];
  if (from < hourFrom) spans.push({ resolution: 'minute', from, to: hourFrom });
  spans.push({ resolution: 'hour', from: hourFrom, to: hourTo });
  if (hourTo < to) spans.push({ resolution: 'minute', from: hourTo, to });
  return spans;
}
