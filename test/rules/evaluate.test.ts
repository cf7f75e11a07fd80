/**
 * What `evaluateRule` says of a history at `now`: each rule kind, windows at their edges, the
 * minimum sample rule, and explanations that show the values seen.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  evaluateRule,
  MIN_SAMPLES,
  parseRule,
  type Rule,
  type RuleObservation,
  type RuleVerdict,
} from '../../src/rules/index.ts';

// 2023-11-14T22:13:20Z
const T0 = 1_700_000_000_000;
const SECOND = 1000;
const MINUTE = 60_000;

function rule(text: string): Rule {
  const parsed = parseRule(text);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
  return parsed.rule;
}

function obs(at: number, ok: boolean, latency = 100, values?: Record<string, unknown>): RuleObservation {
  return values === undefined ? { at, ok, latency } : { at, ok, latency, values };
}

function judge(text: string, history: readonly RuleObservation[], now: number): RuleVerdict {
  return evaluateRule(rule(text), history, now);
}

describe('evaluateRule: fails N times', () => {
  const fail = (offset: number): RuleObservation => obs(T0 + offset, false);
  const pass = (offset: number): RuleObservation => obs(T0 + offset, true);

  it('holds when the last N observations failed, naming the last one', () => {
    const verdict = judge('fails 3 times', [pass(0), fail(30_000), fail(60_000), fail(90_000)], T0 + 95_000);
    assert.equal(verdict.holds, true);
    assert.equal(verdict.value, 3);
    assert.equal(verdict.explanation, '3 failures in a row (last: 22:14:50)');
    assert.equal(verdict.at, T0 + 90_000);
  });

  it('does not hold when a recent observation passed', () => {
    const verdict = judge('fails 3 times', [fail(0), fail(30_000), pass(60_000), fail(90_000)], T0 + 95_000);
    assert.equal(verdict.holds, false);
    assert.equal(verdict.explanation, '1 failure in a row, fewer than 3 (last: 22:14:50)');
    assert.equal(judge('fails 3 times', [fail(0), pass(30_000)], T0 + 30_000).holds, false);
  });

  it('is undefined with fewer than N observations, all failed: the runs before are unknown', () => {
    const verdict = judge('fails 3 times', [fail(0), fail(30_000)], T0 + 30_000);
    assert.equal(verdict.holds, undefined);
    assert.match(verdict.explanation, /2 failures in a row of the 3 needed/);
    assert.equal(judge('fails 3 times', [], T0).holds, undefined);
  });

  it('`fails` alone holds on one failure', () => {
    assert.equal(judge('fails', [pass(0), fail(30_000)], T0 + 30_000).holds, true);
    assert.equal(judge('fails', [fail(0), pass(30_000)], T0 + 30_000).holds, false);
  });

  it('ignores observations that start after now', () => {
    const history = [fail(0), fail(30_000), fail(60_000), pass(90_000)];
    assert.equal(judge('fails 3 times', history, T0 + 60_000).holds, true);
    assert.equal(judge('fails 3 times', history, T0 + 90_000).holds, false);
  });
});

describe('evaluateRule: error_rate over a window', () => {
  const now = T0 + 10 * MINUTE;

  it('is the share of failed observations in (now - window, now]', () => {
    const history = Array.from({ length: 8 }, (_, i) => obs(now - 7 * 30_000 + i * 30_000, i !== 3));
    const verdict = judge('error_rate > 5% over 5m', history, now);
    assert.equal(verdict.holds, true);
    assert.equal(verdict.value, 12.5);
    assert.equal(verdict.explanation, 'error_rate (12.5%, 1 of 8) > 5% over 5m');
    assert.equal(judge('error_rate > 20% over 5m', history, now).holds, false);
  });

  it('counts an observation just inside the window and not one on its far edge or after now', () => {
    const edge = [
      obs(now - 5 * MINUTE, false), // on the far edge: out
      obs(now - 5 * MINUTE + 1, true), // just inside
      obs(now, true), // at now: in
      obs(now + 1, false), // after now: out
    ];
    const verdict = judge('error_rate > 0% over 5m', edge, now);
    assert.equal(verdict.explanation, 'error_rate (0%, 0 of 2) > 0% over 5m');
    assert.equal(verdict.holds, false);
    assert.equal(judge('error_rate > 0% over 5m', edge, now + 1).holds, true);
  });

  it(`needs ${MIN_SAMPLES} observations in the window, else holds is undefined`, () => {
    const one = judge('error_rate > 5% over 5m', [obs(now - 10 * MINUTE, false), obs(now, false)], now);
    assert.equal(one.holds, undefined);
    assert.equal(one.explanation, 'error_rate: 1 observation in the last 5m, needs 2');
    assert.equal(judge('error_rate > 5% over 5m', [], now).holds, undefined);
    const two = judge('error_rate > 5% over 5m', [obs(now - MINUTE, true), obs(now, false)], now);
    assert.equal(two.holds, true);
    assert.equal(two.value, 50);
  });

  it('compares with every window operator, equality included where asked', () => {
    const half = [obs(now - MINUTE, true), obs(now, false)];
    assert.equal(judge('error_rate >= 50% over 5m', half, now).holds, true);
    assert.equal(judge('error_rate > 50% over 5m', half, now).holds, false);
    assert.equal(judge('error_rate <= 50% over 5m', half, now).holds, true);
    assert.equal(judge('error_rate < 50% over 5m', half, now).holds, false);
  });
});

describe('evaluateRule: percentiles and aggregates over a window', () => {
  const now = T0 + 10 * MINUTE;
  const latencies = (values: number[]): RuleObservation[] =>
    values.map((latency, i) => obs(now - (values.length - 1 - i) * SECOND, true, latency));

  it('takes the nearest-rank percentile of latency', () => {
    const hundred = latencies(Array.from({ length: 100 }, (_, i) => (100 - i) * 10));
    assert.equal(judge('p99(latency) > 3s over 5m', hundred, now).value, 990);
    assert.equal(judge('p50(latency) > 3s over 5m', hundred, now).value, 500);
    assert.equal(judge('p100(latency) > 3s over 5m', hundred, now).value, 1000);
    assert.equal(judge('p1(latency) > 3s over 5m', hundred, now).value, 10);
    const thousand = latencies(Array.from({ length: 1000 }, (_, i) => i + 1).reverse());
    assert.equal(judge('p99.9(latency) > 3s over 20m', thousand, now).value, 999);
    // Nearest rank of p95 over 20 values is the 19th.
    const twenty = latencies(Array.from({ length: 20 }, (_, i) => i + 1));
    assert.equal(judge('p95(latency) > 3s over 5m', twenty, now).value, 19);
  });

  it('explains in the unit of the threshold', () => {
    const slow = latencies([3400, 120, 200, 3400]);
    const verdict = judge('p99(latency) > 3s over 5m', slow, now);
    assert.equal(verdict.holds, true);
    assert.equal(verdict.explanation, 'p99(latency) (3.4s) > 3s over 5m');
    assert.equal(
      judge('p50(latency) > 500 over 5m', slow, now).explanation,
      'p50(latency) (200ms) > 500 over 5m',
    );
  });

  it('reads a value path with or without values., numeric strings included, skipping the rest', () => {
    const depth = [
      obs(now - 3 * SECOND, true, 5, { depth: 900 }),
      obs(now - 2 * SECOND, true, 5, { depth: '1500\n' }),
      obs(now - SECOND, false, 5, {}),
      obs(now, true, 5, { depth: 'n/a' }),
    ];
    assert.equal(judge('max(depth) > 1000 over 5m', depth, now).value, 1500);
    assert.equal(judge('min(values.depth) > 1000 over 5m', depth, now).value, 900);
    const avg = judge('avg(depth) > 1000 over 5m', depth, now);
    assert.equal(avg.value, 1200);
    assert.equal(avg.explanation, 'avg(depth) (1200) > 1000 over 5m');
    assert.equal(judge('p95(values.depth) > 1000 over 5m', depth, now).holds, true);
    const usage = [obs(now - SECOND, true, 5, { value: 80 }), obs(now, true, 5, { value: 91 })];
    assert.equal(
      judge('avg(value) > 85% over 5m', usage, now).explanation,
      'avg(value) (85.5%) > 85% over 5m',
    );
  });

  it(`needs ${MIN_SAMPLES} numeric samples in the window`, () => {
    const sparse = [
      obs(now - 6 * MINUTE, true, 5, { depth: 5000 }),
      obs(now - SECOND, true, 5, { depth: 5000 }),
      obs(now, false, 5, {}),
    ];
    const verdict = judge('max(depth) > 1000 over 5m', sparse, now);
    assert.equal(verdict.holds, undefined);
    assert.equal(verdict.explanation, 'max(depth): 1 sample in the last 5m, needs 2');
  });
});

describe('evaluateRule: a condition on the latest observation', () => {
  const now = T0 + MINUTE;

  it('holds when the condition holds on the latest observation only', () => {
    const history = [obs(T0, true, 5, { value: 5000 }), obs(T0 + 30_000, true, 5, { value: 1204 })];
    const verdict = judge('value > 1000', history, now);
    assert.equal(verdict.holds, true);
    assert.equal(verdict.value, 1204);
    assert.equal(verdict.explanation, 'value (1204) > 1000');
    assert.equal(verdict.at, T0 + 30_000);
    assert.equal(judge('value > 2000', history, now).holds, false);
    assert.equal(
      judge('value > 85%', [obs(T0, true, 5, { value: 91.5 })], now).explanation,
      'value (91.5%) > 85%',
    );
  });

  it('reads command output with contains', () => {
    const output = [obs(T0, true, 5, { output: 'ERROR: duplicate events found in batch 12' })];
    const verdict = judge('output contains "duplicate events"', output, now);
    assert.equal(verdict.holds, true);
    assert.match(verdict.explanation, /^output \(".*duplicate events.*"\) contains "duplicate events"$/);
    assert.equal(
      judge('output contains "duplicate events"', [obs(T0, true, 5, { output: 'ok' })], now).holds,
      false,
    );
  });

  it('is undefined when none of the values it reads is in the latest observation', () => {
    const verdict = judge('value > 1000', [obs(T0, true, 5, { value: 5000 }), obs(T0 + 1, false, 5)], now);
    assert.equal(verdict.holds, undefined);
    assert.equal(verdict.explanation, 'value missing from the latest observation (22:13:20)');
    assert.equal(judge('value > 1000', [], now).holds, undefined);
    // Latency is always there.
    assert.equal(judge('latency > 2s', [obs(T0, false, 2500)], now).holds, true);
  });
});

describe('evaluateRule: a condition held for a duration', () => {
  const at = (seconds: number, value: number | undefined): RuleObservation =>
    obs(T0 + seconds * SECOND, true, 5, value === undefined ? {} : { value });

  it('holds once the condition held on every observation across the duration', () => {
    const history = [at(0, 900), at(30, 1200), at(60, 1300), at(90, 1250), at(150, 1204)];
    const verdict = judge('value > 1000 for 2m', history, T0 + 150 * SECOND);
    assert.equal(verdict.holds, true);
    assert.equal(verdict.explanation, 'value (1204) > 1000 for 2m (since 22:13:50)');
  });

  it('is pending, with the start of the run, while the condition has held for less', () => {
    const history = [at(0, 900), at(30, 1200), at(60, 1300)];
    const verdict = judge('value > 1000 for 2m', history, T0 + 60 * SECOND);
    assert.equal(verdict.holds, false);
    assert.equal(verdict.pendingSince, T0 + 30 * SECOND);
    assert.equal(verdict.explanation, 'value (1300) > 1000 for 30s, not yet 2m (since 22:13:50)');
  });

  it('starts over after a clear observation or a missing value', () => {
    const broken = [at(0, 1200), at(60, 1200), at(90, 800), at(120, 1200), at(180, 1200)];
    const verdict = judge('value > 1000 for 2m', broken, T0 + 180 * SECOND);
    assert.equal(verdict.holds, false);
    assert.equal(verdict.pendingSince, T0 + 120 * SECOND);
    const gap = [at(0, 1200), at(60, undefined), at(120, 1200), at(150, 1200)];
    assert.equal(judge('value > 1000 for 2m', gap, T0 + 150 * SECOND).pendingSince, T0 + 120 * SECOND);
    const clear = judge('value > 1000 for 2m', [at(0, 1200), at(30, 700)], T0 + 30 * SECOND);
    assert.equal(clear.holds, false);
    assert.equal(clear.pendingSince, undefined);
  });
});

describe('evaluateRule: no data', () => {
  const noData = rule('no data for 5m');

  it('holds when no observation started in (now - 5m, now]', () => {
    const history = [obs(T0, true)];
    const inside = evaluateRule(noData, history, T0 + 5 * MINUTE - 1);
    assert.equal(inside.holds, false);
    assert.equal(inside.at, T0 + 5 * MINUTE - 1);
    const edge = evaluateRule(noData, history, T0 + 5 * MINUTE);
    assert.equal(edge.holds, true);
    assert.equal(edge.value, 5 * MINUTE);
    assert.equal(edge.explanation, 'no data for 5m (last: 22:13:20, 5m ago)');
  });

  it('with no observation ever, waits until watching has lasted the window', () => {
    assert.equal(evaluateRule(noData, [], T0 + MINUTE, { started: T0 }).holds, undefined);
    assert.equal(evaluateRule(noData, [], T0 + 5 * MINUTE, { started: T0 }).holds, true);
    assert.equal(evaluateRule(noData, [], T0).holds, true);
  });
});
