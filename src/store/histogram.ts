/**
 * Latency histograms with fixed, log-spaced buckets. Fixed edges let roll-ups add histograms column
 * by column in SQL (a 30-day p99 is a SUM over hour rows), at the price of a bounded error on
 * percentiles. Pure and store-agnostic: every store implementation shares it.
 *
 * Error bound of `percentile`: the estimate and the exact nearest-rank value lie in the same bucket
 * (lower, upper], with `upper` capped by the largest latency seen, so they differ by less than that
 * bucket's width: under 1 ms below 1 ms, and under (upper / lower − 1) of the true value above —
 * at most 67 % for the buckets between 2 ms and 15 s, 100 % for 1–2 ms and 15–60 s. Linear
 * interpolation inside the bucket usually lands much closer (the tests check the bound on
 * log-normal latencies from 0.5 ms to 12 s).
 */

/**
 * LATENCY_BOUNDS lists the inclusive upper bounds (ms) of the latency buckets: bucket i holds
 * (LATENCY_BOUNDS[i-1], LATENCY_BOUNDS[i]], bucket 0 holds [0, 1].
 */
// The edges include the usual SLO thresholds (100, 200, 300, 500 ms, 1 s) so "share under X" is exact
// there. Changing them needs a migration: the stored histogram columns are tied to these edges.
export const LATENCY_BOUNDS: readonly number[] = [
  1,
  2,
  3,
  5,
  7,
  10,
  15,
  20,
  30,
  50,
  75,
  100,
  150,
  200,
  300,
  500,
  750,
  1000,
  1500,
  2000,
  3000,
  5000,
  7500,
  10000,
  15000,
  30000,
  60000,
  Number.POSITIVE_INFINITY,
];

/** bucketIndex gives the histogram bucket a latency (ms) falls in. */
export function bucketIndex(latency: number): number {
  let low = 0;
  let high = LATENCY_BOUNDS.length - 1;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (latency <= LATENCY_BOUNDS[mid]!) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** bucketRange gives the (lower, upper] edges of bucket `index`, with `max` standing in for +inf. */
export function bucketRange(index: number, max: number): { lower: number; upper: number } {
  const lower = index === 0 ? 0 : LATENCY_BOUNDS[index - 1]!;
  // The largest latency seen caps every bucket: it makes the +inf bucket finite and tightens the top one.
  const upper = Math.max(lower, Math.min(LATENCY_BOUNDS[index]!, max));
  return { lower, upper };
}

/**
 * percentile estimates the nearest-rank p-th percentile (0 < p ≤ 100) of the latencies counted in
 * `histogram`, whose largest was `max`, within the width of one bucket (see the file header); undefined
 * when empty.
 */
export function percentile(histogram: readonly number[], p: number, max: number): number | undefined {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile: p must be in (0, 100], got ${p}`);
  let total = 0;
  for (const count of histogram) total += count;
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let below = 0;
  for (let index = 0; index < histogram.length; index++) {
    const count = histogram[index]!;
    if (count > 0 && below + count >= rank) {
      const { lower, upper } = bucketRange(index, max);
      return lower + ((upper - lower) * (rank - below)) / count;
    }
    below += count;
  }
  return max;
}
