/**
 * What a `RuleHistory` keeps: observations sorted by `at` whatever the arrival order, duplicates
 * once, only the window, the boundary run and the depth the rule needs, only the values it reads,
 * and never more than its limit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  evaluateRule,
  HISTORY_LIMIT,
  parseRule,
  type Rule,
  RuleHistory,
  type RuleObservation,
} from '../../src/rules/index.ts';

const T0 = 1_700_000_000_000;
const SECOND = 1000;
const MINUTE = 60_000;

function rule(text: string): Rule {
  const parsed = parseRule(text);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
  return parsed.rule;
}

const obs = (at: number, ok = true, values?: Record<string, unknown>): RuleObservation =>
  values === undefined ? { at, ok, latency: 10 } : { at, ok, latency: 10, values };

const times = (history: RuleHistory): number[] => history.observations().map((o) => o.at - T0);

describe('RuleHistory: order', () => {
  it('keeps out-of-order arrivals sorted by at', () => {
    const history = new RuleHistory(rule('error_rate > 5% over 5m'));
    for (const offset of [30, 0, 90, 60, 10, 120]) history.add(obs(T0 + offset * SECOND), T0 + 120 * SECOND);
    assert.deepEqual(
      times(history),
      [0, 10, 30, 60, 90, 120].map((s) => s * SECOND),
    );
  });

  it('ignores a second observation with the same at, keeping the first', () => {
    const history = new RuleHistory(rule('fails 3 times'));
    assert.equal(history.add(obs(T0, false), T0), true);
    assert.equal(history.add(obs(T0 + 1, true), T0 + 1), true);
    assert.equal(history.add(obs(T0, true), T0 + 1), false);
    assert.equal(history.add(obs(T0 + 1, false), T0 + 1), false);
    assert.equal(history.size, 2);
    assert.deepEqual(
      history.observations().map((o) => o.ok),
      [false, true],
    );
  });
});

describe('RuleHistory: pruning', () => {
  it('keeps the window and the newest run before it', () => {
    const history = new RuleHistory(rule('error_rate > 5% over 5m'));
    for (let i = 0; i <= 60; i++) history.add(obs(T0 + i * 10 * SECOND), T0 + i * 10 * SECOND);
    const now = T0 + 600 * SECOND;
    // (now - 5m, now] holds 30 runs; the one at now - 5m stays as the boundary.
    assert.equal(history.size, 31);
    assert.equal(history.observations()[0]!.at, now - 5 * MINUTE);
    history.prune(now + 5 * MINUTE);
    assert.deepEqual(times(history), [600 * SECOND]);
  });

  it('keeps the last N however old for a count rule, and drops the rest', () => {
    const history = new RuleHistory(rule('fails 3 times'));
    for (let i = 0; i < 10; i++) history.add(obs(T0 + i * MINUTE, i % 2 === 0), T0 + i * MINUTE);
    assert.deepEqual(
      times(history),
      [7, 8, 9].map((m) => m * MINUTE),
    );
    history.prune(T0 + 1000 * MINUTE);
    assert.equal(history.size, 3);
  });

  it('drops a late arrival too old to matter, and keeps one inside the window', () => {
    const history = new RuleHistory(rule('error_rate > 5% over 5m'));
    const now = T0 + 10 * MINUTE;
    for (let i = 0; i <= 10; i++) history.add(obs(T0 + i * MINUTE), T0 + i * MINUTE);
    const before = times(history);
    history.add(obs(T0 + 90 * SECOND, false), now);
    assert.deepEqual(times(history), before);
    history.add(obs(now - 90 * SECOND, false), now);
    assert.ok(times(history).includes(10 * MINUTE - 90 * SECOND));
  });

  it('lets `for` see a run spanning the whole window, thanks to the boundary run', () => {
    const held = rule('value > 1000 for 2m');
    const history = new RuleHistory(held);
    let verdict = evaluateRule(held, [], T0);
    for (let s = 0; s <= 120; s += 30) {
      history.add(obs(T0 + s * SECOND, true, { value: 1500 }), T0 + s * SECOND);
      verdict = evaluateRule(held, history.observations(), T0 + s * SECOND);
    }
    assert.equal(verdict.holds, true);
  });
});

describe('RuleHistory: memory', () => {
  it('stays bounded over a long in-order stream', () => {
    const history = new RuleHistory(rule('p99(latency) > 3s over 1m'));
    let largest = 0;
    let backing = 0;
    for (let i = 0; i < 200_000; i++) {
      history.add(obs(T0 + i * SECOND), T0 + i * SECOND);
      largest = Math.max(largest, history.size);
      // The array behind it too: dropped runs are cut off in bulk, so it never grows with the stream.
      backing = Math.max(backing, (history as unknown as { items: unknown[] }).items.length);
    }
    assert.equal(largest, 61);
    assert.ok(backing <= 2 * 61 + 64, `backing array reached ${backing}`);
    assert.equal(history.observations().length, 61);
  });

  it(`never keeps more than its limit (${HISTORY_LIMIT} by default)`, () => {
    const history = new RuleHistory(rule('error_rate > 5% over 30d'), 100);
    for (let i = 0; i < 1000; i++) history.add(obs(T0 + i * SECOND), T0 + i * SECOND);
    assert.equal(history.size, 100);
    assert.equal(history.observations()[0]!.at, T0 + 900 * SECOND);
  });

  it('keeps only the values the rule reads, without touching the observation given', () => {
    const body = { queue: { size: 12, name: 'rag' }, blob: 'x'.repeat(10_000) };
    const given = obs(T0, true, { body, status: 200, output: 'long text' });
    const fails = new RuleHistory(rule('fails 3 times'));
    fails.add(given, T0);
    assert.deepEqual(fails.observations()[0], { at: T0, ok: true, latency: 10 });

    const depth = new RuleHistory(rule('avg(body.queue.size) > 10 over 5m'));
    depth.add(given, T0);
    assert.deepEqual(JSON.parse(JSON.stringify(depth.observations()[0])), {
      at: T0,
      ok: true,
      latency: 10,
      values: { body: { queue: { size: 12 } } },
    });

    const condition = new RuleHistory(
      rule('status != 200 or body.queue contains "x" or body.queue.size > 3'),
    );
    condition.add(given, T0);
    const kept = condition.observations()[0]!.values as Record<string, unknown>;
    assert.deepEqual(Object.keys(kept).sort(), ['body', 'status']);
    assert.deepEqual(JSON.parse(JSON.stringify(kept.body)), { queue: { size: 12, name: 'rag' } });
    assert.deepEqual(Object.keys(body.queue), ['size', 'name']);
    assert.equal(body.blob.length, 10_000);
  });

  it('stores a `__proto__` key as data', () => {
    const history = new RuleHistory(rule('values["__proto__"].polluted == true'));
    const values = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    history.add(obs(T0, true, values), T0);
    const verdict = evaluateRule(rule('values["__proto__"].polluted == true'), history.observations(), T0);
    assert.equal(verdict.holds, true);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
