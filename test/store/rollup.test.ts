import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketIndex } from '../../src/store/histogram.ts';
import { coverWindow, rollUp } from '../../src/store/rollup.ts';
import { DAY, HOUR, MINUTE, T0 } from './support.ts';

describe('rollUp', () => {
  it('groups a batch by check and bucket, summing counts, latencies and histograms', () => {
    const rows = rollUp(
      [
        { checkId: 'api', at: T0 + 5_000, ok: true, latency: 12 },
        { checkId: 'api', at: T0 + 50_000, ok: false, latency: 480 },
        { checkId: 'db', at: T0 + 10_000, ok: true, latency: 3 },
        { checkId: 'api', at: T0 + MINUTE, ok: true, latency: 7 },
      ],
      MINUTE,
    );
    assert.deepEqual(
      rows.map(({ checkId, bucket, count, ok, latencySum, latencyMax }) => ({
        checkId,
        bucket,
        count,
        ok,
        latencySum,
        latencyMax,
      })),
      [
        { checkId: 'api', bucket: T0, count: 2, ok: 1, latencySum: 492, latencyMax: 480 },
        { checkId: 'db', bucket: T0, count: 1, ok: 1, latencySum: 3, latencyMax: 3 },
        { checkId: 'api', bucket: T0 + MINUTE, count: 1, ok: 1, latencySum: 7, latencyMax: 7 },
      ],
    );
    assert.equal(rows[0]!.histogram[bucketIndex(12)], 1);
    assert.equal(rows[0]!.histogram[bucketIndex(480)], 1);
    assert.equal(
      rows[0]!.histogram.reduce((a, b) => a + b, 0),
      2,
    );
  });
});

describe('coverWindow', () => {
  const horizon = T0 - 14 * DAY;

  it('reads whole hours from hour roll-ups and the ragged edges from minute roll-ups', () => {
    assert.deepEqual(coverWindow(T0 + 10 * MINUTE, T0 + 3 * HOUR + 5 * MINUTE, horizon), [
      { resolution: 'minute', from: T0 + 10 * MINUTE, to: T0 + HOUR },
      { resolution: 'hour', from: T0 + HOUR, to: T0 + 3 * HOUR },
      { resolution: 'minute', from: T0 + 3 * HOUR, to: T0 + 3 * HOUR + 5 * MINUTE },
    ]);
  });

  it('uses only hours for an hour-aligned window and only minutes inside one hour', () => {
    assert.deepEqual(coverWindow(T0 - 30 * DAY, T0, horizon), [
      { resolution: 'hour', from: T0 - 30 * DAY, to: T0 },
    ]);
    assert.deepEqual(coverWindow(T0 + MINUTE, T0 + 20 * MINUTE, horizon), [
      { resolution: 'minute', from: T0 + MINUTE, to: T0 + 20 * MINUTE },
    ]);
  });

  it('widens an edge to its whole hour once its minutes are past retention', () => {
    assert.deepEqual(coverWindow(T0 - 20 * DAY + 10 * MINUTE, T0 + 5 * MINUTE, horizon), [
      { resolution: 'hour', from: T0 - 20 * DAY, to: T0 },
      { resolution: 'minute', from: T0, to: T0 + 5 * MINUTE },
    ]);
    assert.deepEqual(coverWindow(T0 - 20 * DAY + 10 * MINUTE, T0 - 20 * DAY + 20 * MINUTE, horizon), [
      { resolution: 'hour', from: T0 - 20 * DAY, to: T0 - 20 * DAY + HOUR },
    ]);
  });

  it('covers nothing for an empty window', () => {
    assert.deepEqual(coverWindow(T0, T0, horizon), []);
  });
});
