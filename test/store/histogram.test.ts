import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketIndex, bucketRange, LATENCY_BOUNDS, percentile } from '../../src/store/histogram.ts';
import { exactPercentile, latencyFrom, seeded } from './support.ts';

function histogramOf(latencies: readonly number[]): number[] {
  const histogram = new Array<number>(LATENCY_BOUNDS.length).fill(0);
  for (const latency of latencies) histogram[bucketIndex(latency)]!++;
  return histogram;
}

describe('latency histogram', () => {
  it('has 28 increasing bounds ending at +inf', () => {
    assert.equal(LATENCY_BOUNDS.length, 28);
    for (let i = 1; i < LATENCY_BOUNDS.length; i++) assert.ok(LATENCY_BOUNDS[i]! > LATENCY_BOUNDS[i - 1]!);
    assert.equal(LATENCY_BOUNDS.at(-1), Number.POSITIVE_INFINITY);
  });

  it('puts a latency in the bucket whose upper bound includes it', () => {
    assert.equal(bucketIndex(0), 0);
    assert.equal(bucketIndex(1), 0);
    assert.equal(bucketIndex(1.1), 1);
    assert.equal(bucketIndex(100), LATENCY_BOUNDS.indexOf(100));
    assert.equal(bucketIndex(100.1), LATENCY_BOUNDS.indexOf(150));
    assert.equal(bucketIndex(60_000), LATENCY_BOUNDS.indexOf(60_000));
    assert.equal(bucketIndex(3_600_000), LATENCY_BOUNDS.length - 1);
  });

  it('caps the +inf bucket with the largest latency seen', () => {
    assert.deepEqual(bucketRange(LATENCY_BOUNDS.length - 1, 90_000), { lower: 60_000, upper: 90_000 });
    assert.deepEqual(bucketRange(0, 0.4), { lower: 0, upper: 0.4 });
  });

  it('estimates percentiles within the width of the bucket holding the exact value', () => {
    const random = seeded(7);
    for (const median of [0.5, 4, 40, 180, 900, 12_000]) {
      const latencies = Array.from({ length: 5000 }, () => latencyFrom(random, median));
      const max = Math.max(...latencies);
      for (const p of [50, 90, 95, 99, 99.9, 100]) {
        const exact = exactPercentile(latencies, p);
        const estimate = percentile(histogramOf(latencies), p, max)!;
        const { lower, upper } = bucketRange(bucketIndex(exact), max);
        assert.ok(
          estimate > lower && estimate <= upper,
          `median ${median} p${p}: estimate ${estimate} outside (${lower}, ${upper}] holding exact ${exact}`,
        );
        assert.ok(Math.abs(estimate - exact) < upper - lower || upper === lower);
      }
    }
  });

  it('gives the maximum for p100 and undefined for an empty histogram', () => {
    assert.equal(percentile(histogramOf([3, 8, 420]), 100, 420), 420);
    assert.equal(percentile(histogramOf([]), 99, 0), undefined);
    assert.throws(() => percentile(histogramOf([1]), 0, 1), RangeError);
    assert.throws(() => percentile(histogramOf([1]), 101, 1), RangeError);
  });
});
