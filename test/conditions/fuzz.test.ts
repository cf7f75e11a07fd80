/**
 * Garbage in, an error object out: whatever text a runbook holds, `parseCondition` answers and
 * never throws, its column stays inside the text, and whatever parses evaluates without throwing
 * and prints back to itself. The generator is seeded, so a failure names the text that caused it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate, formatCondition, parseCondition } from '../../src/conditions/index.ts';
import type { Observation } from '../../src/probes/probe.ts';

/** random is mulberry32: small, seeded, good enough to spread inputs. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHARACTERS = [...'abcsz019 ._-[]()"\'\\/=!<>&|~%,#*+\t\nµé“😀'];
const WORDS = [
  'status',
  'body',
  '.',
  'items',
  '[',
  ']',
  '[0]',
  '["a b"]',
  '(',
  ')',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '===',
  '=',
  'and',
  'or',
  'not',
  'AND',
  'contains',
  '!contains',
  'matches',
  '!matches',
  '/^ok$/i',
  '/(/',
  '/x/g',
  '"PONG"',
  "'it\\'s'",
  '"unclosed',
  '2s',
  '250ms',
  '80%',
  '1.5GB',
  '2 secs',
  '-1',
  '200',
  'true',
  'false',
  'null',
  'None',
  'latency',
  'values.',
  'headers["Content-Type"]',
  ' ',
  ' ',
  ' ',
];
const VALID = [
  'status == 200',
  'body.items[0].id != null and latency < 2s',
  'not (output contains "PONG") or body.status matches /^(ok|ready)$/',
  'headers["content-type"] !contains "html"',
  '(value < 80% or values.blocked == 0) and days_to_expiry > 14',
];

const pick = <T>(next: () => number, list: readonly T[]): T => list[Math.floor(next() * list.length)]!;

function observations(next: () => number): Observation[] {
  const leaf = (): unknown => pick(next, [0, 200, -1.5, '200', 'PONG', '', true, false, null, undefined]);
  const value = (depth: number): unknown =>
    depth > 2 || next() < 0.4
      ? leaf()
      : next() < 0.5
        ? Array.from({ length: Math.floor(next() * 3) }, () => value(depth + 1))
        : { a: value(depth + 1), status: value(depth + 1), items: [value(depth + 1)], 'a b': leaf() };
  return [
    { ok: false, latency: 0, values: {} },
    {
      ok: true,
      latency: next() * 5000,
      values: { status: value(0), body: value(0), output: value(0), headers: value(0) },
    },
  ];
}

/** probe asserts that `text` parses or fails cleanly, and that what parses behaves. */
function probe(text: string, next: () => number): void {
  const parsed = parseCondition(text);
  if (!parsed.ok) {
    assert.equal(typeof parsed.error.message, 'string', text);
    assert.ok(parsed.error.message.length > 0, text);
    assert.ok(
      parsed.error.column >= 1 && parsed.error.column <= text.length + 1,
      `${text}: column ${parsed.error.column}`,
    );
    return;
  }
  const canonical = formatCondition(parsed.condition);
  const again = parseCondition(canonical);
  assert.ok(again.ok, `${JSON.stringify(text)} → ${JSON.stringify(canonical)} does not parse`);
  assert.deepEqual(
    again.condition,
    parsed.condition,
    `${JSON.stringify(text)} → ${JSON.stringify(canonical)}`,
  );
  for (const observation of observations(next)) {
    const verdict = evaluate(parsed.condition, observation);
    assert.equal(typeof verdict.pass, 'boolean');
    assert.equal(typeof verdict.explanation, 'string');
  }
}

describe('parseCondition on garbage', () => {
  it('answers random characters with an error object, never an exception', () => {
    const next = random(1);
    for (let i = 0; i < 5000; i++) {
      const length = Math.floor(next() * 30);
      probe(Array.from({ length }, () => pick(next, CHARACTERS)).join(''), next);
    }
  });

  it('answers random sequences of the language’s own tokens', () => {
    const next = random(2);
    for (let i = 0; i < 5000; i++) {
      const length = 1 + Math.floor(next() * 8);
      probe(Array.from({ length }, () => pick(next, WORDS)).join(next() < 0.5 ? ' ' : ''), next);
    }
  });

  it('parses, prints back and evaluates every condition the grammar generates', () => {
    const next = random(5);
    const operand = (): string =>
      pick(next, [
        'status',
        'latency',
        'body.items[0].id',
        'headers["Content-Type"]',
        'values.output',
        "body['a b'][1]",
        '200',
        '-1.5',
        '2s',
        '250 ms',
        '80%',
        '1.5GB',
        '"PONG"',
        "'it\\'s'",
        'true',
        'false',
        'null',
      ]);
    const condition = (depth: number): string => {
      const choice = depth > 3 ? 0 : Math.floor(next() * 5);
      if (choice === 1) return `${condition(depth + 1)} ${pick(next, ['and', 'or'])} ${condition(depth + 1)}`;
      if (choice === 2) return `(${condition(depth + 1)})`;
      if (choice === 3) return `not ${condition(depth + 1)}`;
      if (next() < 0.2)
        return `${operand()} ${pick(next, ['matches', '!matches'])} ${pick(next, ['/^ok$/i', '/a\\/b[/]/'])}`;
      const operator = pick(next, ['==', '!=', '<', '<=', '>', '>=', 'contains', '!contains']);
      return `${operand()} ${operator} ${operand()}`;
    };
    for (let i = 0; i < 3000; i++) {
      const text = condition(0);
      const parsed = parseCondition(text);
      assert.ok(
        parsed.ok,
        parsed.ok ? '' : `${text}: column ${parsed.error.column}: ${parsed.error.message}`,
      );
      probe(text, next);
    }
  });

  it('answers valid conditions with one character inserted, deleted or replaced', () => {
    const next = random(3);
    for (let i = 0; i < 5000; i++) {
      const text = pick(next, VALID);
      const at = Math.floor(next() * (text.length + 1));
      const edit = next();
      const mutated =
        edit < 0.33
          ? text.slice(0, at) + pick(next, CHARACTERS) + text.slice(at)
          : edit < 0.66
            ? text.slice(0, at) + text.slice(at + 1)
            : text.slice(0, at) + pick(next, CHARACTERS) + text.slice(at + 1);
      probe(mutated, next);
    }
  });

  it('answers very long input', () => {
    const next = random(4);
    probe(`${'status == 200 and '.repeat(2000)}latency < 2s`, next);
    probe('('.repeat(100_000), next);
    probe('"'.repeat(100_001), next);
    probe(`output contains "${'x'.repeat(1_000_000)}`, next);
  });
});
