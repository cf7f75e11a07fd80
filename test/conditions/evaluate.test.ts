/**
 * What `evaluate` decides and how it explains itself: every operator against every kind of value,
 * missing paths, units, arrays and bracket keys, and/or/not, and long values cut short. Each
 * explanation is checked word for word, because it is what a responder reads at 3 a.m.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate, parseCondition, type Verdict } from '../../src/conditions/index.ts';

/** check evaluates `text` against an observation made of `values` and `latency`. */
function check(text: string, values: Record<string, unknown>, latency = 100): Verdict {
  const parsed = parseCondition(text);
  assert.ok(parsed.ok, parsed.ok ? '' : `${text}: ${parsed.error.message}`);
  return evaluate(parsed.condition, { ok: true, latency, values });
}

const passes = (explanation: string): Verdict => ({ pass: true, explanation });
const fails = (explanation: string): Verdict => ({ pass: false, explanation });

describe('evaluate: comparisons', () => {
  it('decides each comparison operator on numbers', () => {
    const at = { status: 200 };
    const table: [string, boolean][] = [
      ['status == 200', true],
      ['status == 201', false],
      ['status != 200', false],
      ['status != 500', true],
      ['status < 200', false],
      ['status < 201', true],
      ['status <= 200', true],
      ['status <= 199', false],
      ['status > 199', true],
      ['status > 200', false],
      ['status >= 200', true],
      ['status >= 201', false],
    ];
    for (const [text, pass] of table) assert.equal(check(text, at).pass, pass, text);
  });

  it('compares strings with strings and booleans with booleans, exactly', () => {
    assert.deepEqual(
      check('body.status == "ok"', { body: { status: 'ok' } }),
      passes('body.status ("ok") == "ok"'),
    );
    assert.deepEqual(
      check('body.status == "ok"', { body: { status: 'OK' } }),
      fails('body.status ("OK") == "ok"'),
    );
    assert.deepEqual(
      check('body.version >= "2.0"', { body: { version: '2.1' } }),
      passes('body.version ("2.1") >= "2.0"'),
    );
    assert.deepEqual(
      check('body.database == false', { body: { database: false } }),
      passes('body.database (false) == false'),
    );
    // A string is not a boolean: the quotes in the explanation say why this fails.
    assert.deepEqual(
      check('body.database == true', { body: { database: 'true' } }),
      fails('body.database ("true") == true'),
    );
  });

  it('compares a string holding a number with a number as numbers, in either order', () => {
    assert.deepEqual(check('status == 200', { status: '200' }), passes('status ("200") == 200'));
    assert.deepEqual(check('status == "200"', { status: 200 }), passes('status (200) == "200"'));
    // Command output ends with a newline; a number still reads as a number.
    assert.deepEqual(check('output < 5', { output: '3\n' }), passes('output ("3\\n") < 5'));
    assert.deepEqual(
      check('body.ratio <= 0.5', { body: { ratio: '0.25' } }),
      passes('body.ratio ("0.25") <= 0.5'),
    );
    // Unlike JavaScript's ==, an empty or wordy string is not a number.
    assert.equal(check('output == 0', { output: '' }).pass, false);
    assert.equal(check('output == 0', { output: 'zero' }).pass, false);
    // Two strings stay strings: "10" sorts before "9".
    assert.equal(check('body.a < "9"', { body: { a: '10' } }).pass, true);
  });

  it('fails an ordering between values that have no order', () => {
    assert.deepEqual(check('body.flag < 1', { body: { flag: true } }), fails('body.flag (true) < 1'));
    assert.deepEqual(check('body.items > 0', { body: { items: [1, 2] } }), fails('body.items ([1,2]) > 0'));
    assert.deepEqual(check('body.x >= 0', { body: { x: null } }), fails('body.x (null) >= 0'));
  });

  it('compares a literal on the left, and two paths', () => {
    assert.deepEqual(check('200 == status', { status: 503 }), fails('200 == status (503)'));
    assert.deepEqual(
      check('body.used < body.limit', { body: { used: 90, limit: 100 } }),
      passes('body.used (90) < body.limit (100)'),
    );
  });
});

describe('evaluate: missing paths and null', () => {
  it('treats a missing path as null for == and !=', () => {
    assert.deepEqual(
      check('body.items[0].id != null', { body: { items: [] } }),
      fails('body.items[0].id (missing) != null'),
    );
    assert.deepEqual(check('body.items[0].id == null', {}), passes('body.items[0].id (missing) == null'));
    assert.deepEqual(
      check('body.error == null', { body: { error: null } }),
      passes('body.error (null) == null'),
    );
    assert.deepEqual(
      check('body.error != null', { body: { error: 'boom' } }),
      passes('body.error ("boom") != null'),
    );
  });

  it('fails == against a value, and passes != (always the negation of ==)', () => {
    assert.deepEqual(check('status == 200', {}), fails('status (missing) == 200'));
    assert.deepEqual(check('status != 500', {}), passes('status (missing) != 500'));
  });

  it('fails an ordering on a missing path, saying it is missing', () => {
    assert.deepEqual(check('days_to_expiry > 14', {}), fails('days_to_expiry (missing) > 14'));
    assert.deepEqual(check('body.count <= 5', { body: 'not an object' }), fails('body.count (missing) <= 5'));
  });

  it('never finds inherited properties', () => {
    assert.deepEqual(
      check('body.constructor == null', { body: {} }),
      passes('body.constructor (missing) == null'),
    );
    assert.equal(check('body.toString != null', { body: {} }).pass, false);
  });
});

describe('evaluate: units', () => {
  it('compares durations in milliseconds and shows latency in ms', () => {
    assert.deepEqual(check('latency < 2s', {}, 2350), fails('latency (2350ms) < 2s'));
    assert.deepEqual(check('latency < 2s', {}, 1999.5), passes('latency (1999.5ms) < 2s'));
    assert.deepEqual(check('latency <= 250ms', {}, 250), passes('latency (250ms) <= 250ms'));
    assert.deepEqual(check('latency < 2000', {}, 2350), fails('latency (2350ms) < 2000'));
  });

  it('reads latency from the observation, not from the values', () => {
    assert.deepEqual(check('latency < 1s', { latency: 5000 }, 10), passes('latency (10ms) < 1s'));
  });

  it('shows a value in the unit of the literal it is compared with', () => {
    assert.deepEqual(check('body.age < 5m', { body: { age: 400_000 } }), fails('body.age (400000ms) < 5m'));
    assert.deepEqual(check('value < 80%', { value: 85.3 }), fails('value (85.3%) < 80%'));
    assert.deepEqual(check('value < 80%', { value: 79.99 }), passes('value (79.99%) < 80%'));
    assert.deepEqual(
      check('values.used_memory < 1GB', { used_memory: 1_200_000_000 }),
      fails('values.used_memory (1200000000B) < 1GB'),
    );
    assert.deepEqual(
      check('body.size <= 1GiB', { body: { size: 1_073_741_824 } }),
      passes('body.size (1073741824B) <= 1GiB'),
    );
  });

  it('rounds long fractions in explanations, not in decisions', () => {
    assert.deepEqual(check('value < 85.3', { value: 85.33333333333333 }), fails('value (85.333) < 85.3'));
    assert.deepEqual(check('value > 0', { value: 0.000123456 }), passes('value (0.000123) > 0'));
  });
});

describe('evaluate: contains and matches', () => {
  it('finds a substring in a string', () => {
    assert.deepEqual(
      check('output contains "PONG"', { output: '+PONG\r\n' }),
      passes('output ("+PONG\\r\\n") contains "PONG"'),
    );
    assert.deepEqual(
      check('output contains "pong"', { output: '+PONG' }),
      fails('output ("+PONG") contains "pong"'),
    );
    assert.deepEqual(
      check('output contains 42', { output: 'answer: 42' }),
      passes('output ("answer: 42") contains 42'),
    );
  });

  it('finds an equal element in an array', () => {
    const values = { body: { tags: ['eu', 'prod'], codes: [200, 204] } };
    assert.deepEqual(
      check('body.tags contains "prod"', values),
      passes('body.tags (["eu","prod"]) contains "prod"'),
    );
    assert.deepEqual(
      check('body.tags contains "pro"', values),
      fails('body.tags (["eu","prod"]) contains "pro"'),
    );
    assert.deepEqual(
      check('body.codes contains "204"', values),
      passes('body.codes ([200,204]) contains "204"'),
    );
  });

  it('fails on anything else, missing included', () => {
    assert.deepEqual(check('output contains "PONG"', {}), fails('output (missing) contains "PONG"'));
    assert.deepEqual(check('body contains "a"', { body: { a: 1 } }), fails('body ({"a":1}) contains "a"'));
    assert.deepEqual(check('status contains 2', { status: 200 }), fails('status (200) contains 2'));
  });

  it('negates with !contains', () => {
    assert.deepEqual(
      check('output !contains "ERR"', { output: 'OK' }),
      passes('output ("OK") !contains "ERR"'),
    );
    assert.deepEqual(
      check('output !contains "ERR"', { output: '-ERR x' }),
      fails('output ("-ERR x") !contains "ERR"'),
    );
  });

  it('matches strings, and numbers or booleans as text', () => {
    assert.deepEqual(
      check('body.status matches /^(ok|ready)$/', { body: { status: 'ok' } }),
      passes('body.status ("ok") matches /^(ok|ready)$/'),
    );
    assert.deepEqual(
      check('body.status matches /^OK$/i', { body: { status: 'ok' } }),
      passes('body.status ("ok") matches /^OK$/i'),
    );
    assert.deepEqual(
      check('status matches /^2\\d\\d$/', { status: 204 }),
      passes('status (204) matches /^2\\d\\d$/'),
    );
    assert.deepEqual(check('status matches /^2/', { status: 503 }), fails('status (503) matches /^2/'));
    assert.deepEqual(check('body.status matches /ok/', {}), fails('body.status (missing) matches /ok/'));
    assert.deepEqual(check('body matches /ok/', { body: { ok: 1 } }), fails('body ({"ok":1}) matches /ok/'));
    assert.deepEqual(
      check('output !matches /error/i', { output: 'all good' }),
      passes('output ("all good") !matches /error/i'),
    );
  });

  it('gives the same answer every time with one compiled pattern', () => {
    const parsed = parseCondition('output matches /o/i');
    assert.ok(parsed.ok);
    const observation = { ok: true, latency: 1, values: { output: 'foo' } };
    for (let i = 0; i < 5; i++) assert.equal(evaluate(parsed.condition, observation).pass, true);
  });
});

describe('evaluate: arrays, bracket keys and header names', () => {
  const values = {
    body: { items: [{ id: 7 }, { id: 8 }], 'a b': 1, '0': 'zero' },
    headers: { 'content-type': 'application/json; charset=utf-8' },
  };

  it('indexes arrays, and reads their length as a field', () => {
    assert.deepEqual(check('body.items[1].id == 8', values), passes('body.items[1].id (8) == 8'));
    assert.deepEqual(check('body.items[2].id == 8', values), fails('body.items[2].id (missing) == 8'));
    assert.deepEqual(check('body.items.length > 0', values), passes('body.items.length (2) > 0'));
  });

  it('reads keys that are not names through brackets', () => {
    assert.deepEqual(check('body["a b"] == 1', values), passes('body["a b"] (1) == 1'));
    assert.deepEqual(check('body["0"] == "zero"', values), passes('body["0"] ("zero") == "zero"'));
  });

  it('finds a header whatever the case it is written in', () => {
    assert.deepEqual(
      check('headers["content-type"] contains "json"', values),
      passes('headers["content-type"] ("application/json; charset=utf-8") contains "json"'),
    );
    assert.deepEqual(
      check('headers["Content-Type"] contains "json"', values),
      passes('headers["Content-Type"] ("application/json; charset=utf-8") contains "json"'),
    );
    assert.equal(check('headers["ETag"] == null', values).pass, true);
  });

  it('reads values. paths and bare paths alike', () => {
    assert.deepEqual(check('values.blocked == 0', { blocked: 0 }), passes('values.blocked (0) == 0'));
    assert.deepEqual(check('blocked == 0', { blocked: 0 }), passes('blocked (0) == 0'));
  });
});

describe('evaluate: and, or, not', () => {
  const values = { status: 503, body: { database: false } };

  it('explains a failed and by its failing parts', () => {
    assert.deepEqual(
      check('status == 503 and body.database == true and latency < 2s', values, 2350),
      fails('body.database (false) == true and latency (2350ms) < 2s'),
    );
    assert.deepEqual(
      check('status == 503 and body.database == true', values),
      fails('body.database (false) == true'),
    );
  });

  it('explains a passed and by all its parts', () => {
    assert.deepEqual(
      check('status == 503 and body.database == false', values),
      passes('status (503) == 503 and body.database (false) == false'),
    );
  });

  it('explains a failed or by all its parts, and a passed or by the parts that held', () => {
    assert.deepEqual(
      check('status == 200 or status == 204', values),
      fails('status (503) == 200 or status (503) == 204'),
    );
    assert.deepEqual(
      check('status == 200 or status == 503 or latency < 1s', values, 10),
      passes('status (503) == 503 or latency (10ms) < 1s'),
    );
  });

  it('keeps parentheses where precedence needs them', () => {
    assert.deepEqual(
      check('(status == 200 or status == 204) and body.database == true', values),
      fails('(status (503) == 200 or status (503) == 204) and body.database (false) == true'),
    );
    // Only one part of the or held, so it needs no parentheses.
    assert.deepEqual(
      check('(status == 200 or status == 503) and body.database == false', values),
      passes('status (503) == 503 and body.database (false) == false'),
    );
  });

  it('explains not with what its operand saw', () => {
    assert.deepEqual(check('not (status == 503)', values), fails('not (status (503) == 503)'));
    assert.deepEqual(check('not status == 200', values), passes('not (status (503) == 200)'));
    assert.deepEqual(
      check('not (status == 503 or body.database == true)', values),
      fails('not (status (503) == 503)'),
    );
  });
});

describe('evaluate: long values', () => {
  it('cuts a long string near 60 characters', () => {
    const output = 'x'.repeat(200);
    assert.deepEqual(check('output == "y"', { output }), fails(`output ("${'x'.repeat(60)}…") == "y"`));
  });

  it('shows a long string around what contains found', () => {
    const output = `${'a'.repeat(100)}PONG${'b'.repeat(100)}`;
    assert.deepEqual(
      check('output contains "PONG"', { output }),
      passes(`output ("…${'a'.repeat(28)}PONG${'b'.repeat(28)}…") contains "PONG"`),
    );
  });

  it('shows a long string around what matches found', () => {
    const output = `${'a'.repeat(100)}status=ready${'b'.repeat(100)}`;
    const { explanation } = check('output matches /status=(ok|ready)/', { output });
    assert.equal(
      explanation,
      `output ("…${'a'.repeat(30)}status=ready${'b'.repeat(18)}…") matches /status=(ok|ready)/`,
    );
  });

  it('cuts objects and arrays without serialising all of them', () => {
    const items = Array.from({ length: 100_000 }, (_, id) => ({ id, name: `item ${id}` }));
    const started = performance.now();
    const { explanation } = check('body.items contains 1', { body: { items } });
    assert.ok(performance.now() - started < 50, 'a big array is not serialised');
    assert.equal(
      explanation,
      'body.items ([{"id":0,"name":"item 0"},{"id":1,"name":"item 1"},{"id":2,"…) contains 1',
    );
  });

  it('keeps escapes readable and never splits a character in two', () => {
    const output = `${'é'.repeat(59)}😀${'z'.repeat(10)}`;
    const { explanation } = check('output == ""', { output });
    assert.equal(explanation, `output ("${'é'.repeat(59)}…") == ""`);
  });
});
