import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, RETRY_LIMIT } from '../../src/notify/retry.ts';

describe('backoffDelay', () => {
  const top = () => 0.999999;
  const bottom = () => 0;

  it('doubles its ceiling from `base` on each attempt, up to `max`', () => {
    const ceilings = [1, 2, 3, 4, 5, 9, 10, 11, 30].map((attempt) => backoffDelay(attempt, { random: top }));
    assert.deepEqual(ceilings, [999, 1999, 3999, 7999, 15999, 255999, 299999, 299999, 299999]);
    assert.equal(backoffDelay(3, { base: 100, max: 250, random: top }), 249);
  });

  it('draws uniformly below the ceiling (full jitter), down to no wait at all', () => {
    assert.equal(backoffDelay(4, { random: bottom }), 0);
    assert.equal(backoffDelay(4, { random: () => 0.5 }), 4000);
    assert.equal(backoffDelay(4, { random: () => 0.25, base: 10 }), 20);
  });

  it('stays within [0, max] whatever the attempt number or the random source says', () => {
    for (const attempt of [Number.NaN, -5, 0, 1, 2.7, 1e6, Number.POSITIVE_INFINITY]) {
      for (const random of [() => -1, bottom, () => 0.5, top, () => 7]) {
        const delay = backoffDelay(attempt, { random });
        assert.ok(Number.isInteger(delay) && delay >= 0 && delay <= 300_000, `${attempt}: ${delay}`);
      }
    }
    assert.equal(backoffDelay(0, { random: () => 0.5 }), 500, 'attempts below 1 count as the first');
  });

  it('gives a notification a dozen attempts by default', () => {
    assert.equal(RETRY_LIMIT, 12);
  });
});
