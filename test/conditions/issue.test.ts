/**
 * The conditions issue 3 lists, as a runbook author writes them, each against an observation that
 * passes and one that fails: the first examples to read.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate, parseCondition } from '../../src/conditions/index.ts';
import type { Observation } from '../../src/probes/probe.ts';

const healthy: Observation = {
  ok: true,
  latency: 142,
  values: {
    status: 200,
    body: { database: true, status: 'ready', items: [{ id: 'a1' }] },
    value: 41.5,
    blocked: 0,
    days_to_expiry: 60,
    output: '+PONG\r\n',
  },
};

const sick: Observation = {
  ok: true,
  latency: 2350,
  values: {
    status: 503,
    body: { database: false, status: 'starting', items: [] },
    value: 85.3,
    blocked: 3,
    days_to_expiry: 3,
    output: '-ERR max number of clients reached\r\n',
  },
};

const cases: [condition: string, pass: string, fail: string][] = [
  ['status == 200', 'status (200) == 200', 'status (503) == 200'],
  ['body.database == true', 'body.database (true) == true', 'body.database (false) == true'],
  ['body.items[0].id != null', 'body.items[0].id ("a1") != null', 'body.items[0].id (missing) != null'],
  ['latency < 2s', 'latency (142ms) < 2s', 'latency (2350ms) < 2s'],
  ['value < 80', 'value (41.5) < 80', 'value (85.3) < 80'],
  ['values.blocked == 0', 'values.blocked (0) == 0', 'values.blocked (3) == 0'],
  ['days_to_expiry > 14', 'days_to_expiry (60) > 14', 'days_to_expiry (3) > 14'],
  [
    'output contains "PONG"',
    'output ("+PONG\\r\\n") contains "PONG"',
    'output ("-ERR max number of clients reached\\r\\n") contains "PONG"',
  ],
  [
    'body.status matches /^(ok|ready)$/',
    'body.status ("ready") matches /^(ok|ready)$/',
    'body.status ("starting") matches /^(ok|ready)$/',
  ],
];

describe('the conditions of issue 3', () => {
  for (const [text, passing, failing] of cases) {
    it(text, () => {
      const parsed = parseCondition(text);
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
      assert.deepEqual(evaluate(parsed.condition, healthy), { pass: true, explanation: passing });
      assert.deepEqual(evaluate(parsed.condition, sick), { pass: false, explanation: failing });
    });
  }

  it('joins them with and, or and parentheses', () => {
    const parsed = parseCondition('status == 200 and (body.database == true or latency < 2s)');
    assert.ok(parsed.ok);
    assert.equal(evaluate(parsed.condition, healthy).pass, true);
    assert.deepEqual(evaluate(parsed.condition, sick), {
      pass: false,
      explanation: 'status (503) == 200 and (body.database (false) == true or latency (2350ms) < 2s)',
    });
  });
});
