/**
 * What `parseCondition` builds: literals decoded into base units, paths into segments, operators
 * and their precedence; and `formatCondition`, whose canonical text parses back to the same tree.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Condition,
  formatCondition,
  type Literal,
  type Path,
  parseCondition,
} from '../../src/conditions/index.ts';

function parse(text: string): Condition {
  const parsed = parseCondition(text);
  assert.ok(parsed.ok, parsed.ok ? '' : `${text}: column ${parsed.error.column}: ${parsed.error.message}`);
  return parsed.condition;
}

/** The right-hand literal of `x == <text>`. */
function literal(text: string): Literal {
  const condition = parse(`x == ${text}`);
  assert.equal(condition.kind, 'compare');
  assert.equal(condition.right.kind, 'literal');
  return condition.right as Literal;
}

/** The left-hand path of `<text> == 1`. */
function path(text: string): Path {
  const condition = parse(`${text} == 1`);
  assert.equal(condition.kind, 'compare');
  assert.equal(condition.left.kind, 'path');
  return condition.left as Path;
}

describe('parseCondition: literals', () => {
  it('reads plain numbers, negative and decimal', () => {
    assert.deepEqual(literal('200'), { kind: 'literal', value: 200, text: '200' });
    assert.deepEqual(literal('-5'), { kind: 'literal', value: -5, text: '-5' });
    assert.deepEqual(literal('0.25'), { kind: 'literal', value: 0.25, text: '0.25' });
  });

  it('reads durations in milliseconds, with the unit kept for explanations', () => {
    const durations: [string, number, string][] = [
      ['250ms', 250, '250ms'],
      ['2s', 2000, '2s'],
      ['1.5s', 1500, '1.5s'],
      ['5m', 300_000, '5m'],
      ['1h', 3_600_000, '1h'],
      ['1d', 86_400_000, '1d'],
      ['1w', 604_800_000, '1w'],
      ['1h30m', 5_400_000, '1h30m'],
      ['2 s', 2000, '2s'],
      ['3 days', 259_200_000, '3days'],
      ['-2s', -2000, '-2s'],
    ];
    for (const [text, value, canonical] of durations) {
      assert.deepEqual(
        literal(text),
        { kind: 'literal', value, dimension: 'duration', text: canonical },
        text,
      );
    }
  });

  it('reads sizes in bytes, decimal and binary', () => {
    const sizes: [string, number, string][] = [
      ['512B', 512, '512B'],
      ['512KB', 512_000, '512KB'],
      ['400MB', 400_000_000, '400MB'],
      ['1.5GB', 1_500_000_000, '1.5GB'],
      ['1GiB', 1_073_741_824, '1GiB'],
      ['2 TB', 2e12, '2TB'],
    ];
    for (const [text, value, canonical] of sizes) {
      assert.deepEqual(literal(text), { kind: 'literal', value, dimension: 'size', text: canonical }, text);
    }
  });

  it('reads a percentage as the plain number, since probes report 0 to 100', () => {
    assert.deepEqual(literal('80%'), { kind: 'literal', value: 80, dimension: 'percent', text: '80%' });
    assert.deepEqual(literal('99.5 %'), {
      kind: 'literal',
      value: 99.5,
      dimension: 'percent',
      text: '99.5%',
    });
  });

  it('reads strings in either quote, with escapes, canonically double-quoted', () => {
    assert.deepEqual(literal('"PONG"'), { kind: 'literal', value: 'PONG', text: '"PONG"' });
    assert.deepEqual(literal("'it\\'s'"), { kind: 'literal', value: "it's", text: '"it\'s"' });
    assert.deepEqual(literal('"say \\"hi\\""'), {
      kind: 'literal',
      value: 'say "hi"',
      text: '"say \\"hi\\""',
    });
    assert.equal(literal('"a\\nb\\tc\\\\d\\/e"').value, 'a\nb\tc\\d/e');
    assert.equal(literal('"caf\\u00e9"').value, 'café');
    assert.equal(literal('"état"').value, 'état');
    assert.equal(literal('""').value, '');
  });

  it('reads true, false and null', () => {
    assert.deepEqual(literal('true'), { kind: 'literal', value: true, text: 'true' });
    assert.deepEqual(literal('false'), { kind: 'literal', value: false, text: 'false' });
    assert.deepEqual(literal('null'), { kind: 'literal', value: null, text: 'null' });
  });
});

describe('parseCondition: paths', () => {
  it('reads latency from the observation itself', () => {
    assert.deepEqual(path('latency'), { kind: 'path', root: 'latency', segments: [], text: 'latency' });
  });

  it('reads every other name from the values, through fields and indexes', () => {
    assert.deepEqual(path('status'), { kind: 'path', root: 'values', segments: ['status'], text: 'status' });
    assert.deepEqual(path('body.items[0].id'), {
      kind: 'path',
      root: 'values',
      segments: ['body', 'items', 0, 'id'],
      text: 'body.items[0].id',
    });
  });

  it('drops a leading values., which only helps the reader', () => {
    assert.deepEqual(path('values.blocked'), {
      kind: 'path',
      root: 'values',
      segments: ['blocked'],
      text: 'values.blocked',
    });
    assert.deepEqual(path('values.blocked').segments, path('blocked').segments);
    assert.deepEqual(path('values["wait"]').segments, ['wait']);
  });

  it('reads quoted keys in brackets, and shows them quoted only when they need it', () => {
    assert.deepEqual(path('headers["content-type"]').segments, ['headers', 'content-type']);
    assert.equal(path("headers['content-type']").text, 'headers["content-type"]');
    assert.equal(path('body["database"]').text, 'body.database');
    assert.equal(path('body["a b"]').text, 'body["a b"]');
    assert.equal(path('body.état').text, 'body.état');
    assert.equal(path('body.snake_case').text, 'body.snake_case');
  });

  it('keeps a lower-cased header name to fall back on, since HTTP header names are caseless', () => {
    assert.equal(path('headers["Content-Type"]').folded, 'content-type');
    assert.equal(path('headers["content-type"]').folded, undefined);
    assert.equal(path('body["Content-Type"]').folded, undefined);
  });

  it('accepts keywords as field names after a dot', () => {
    assert.deepEqual(path('body.not.and').segments, ['body', 'not', 'and']);
  });
});

describe('parseCondition: operators', () => {
  it('reads the six comparisons', () => {
    for (const operator of ['==', '!=', '<', '<=', '>', '>='] as const) {
      const condition = parse(`status ${operator} 200`);
      assert.equal(condition.kind === 'compare' && condition.operator, operator);
    }
  });

  it('needs no spaces around operators', () => {
    assert.equal(formatCondition(parse('status==200')), 'status == 200');
    assert.equal(formatCondition(parse('latency<=2s')), 'latency <= 2s');
    assert.equal(formatCondition(parse('body.x!=null')), 'body.x != null');
  });

  it('reads contains and matches, and their negations', () => {
    const contains = parse('output contains "PONG"');
    assert.equal(contains.kind === 'contains' && contains.negated, false);
    const notContains = parse('output !contains "ERR"');
    assert.equal(notContains.kind === 'contains' && notContains.negated, true);
    const matches = parse('body.status matches /^(ok|ready)$/i');
    assert.ok(matches.kind === 'matches' && !matches.negated);
    assert.equal(matches.text, '/^(ok|ready)$/i');
    assert.deepEqual(matches.pattern, /^(ok|ready)$/i);
    const notMatches = parse('output !matches /error/i');
    assert.equal(notMatches.kind === 'matches' && notMatches.negated, true);
  });

  it('compiles a pattern once, at parse time, and keeps no state in it', () => {
    const condition = parse('body.status matches /ok|ready/');
    assert.ok(condition.kind === 'matches');
    assert.equal(condition.pattern.global, false);
    assert.equal(condition.pattern.sticky, false);
  });

  it('reads a slash or bracket inside a pattern as part of it', () => {
    const condition = parse('output matches /a\\/b[/]c/');
    assert.ok(condition.kind === 'matches');
    assert.ok(condition.pattern.test('a/b/c'));
  });

  it('accepts a literal on the left and a path on the right', () => {
    assert.equal(formatCondition(parse('200 == status')), '200 == status');
    assert.equal(formatCondition(parse('body.used <= body.limit')), 'body.used <= body.limit');
  });
});

describe('parseCondition: and, or, not, parentheses', () => {
  it('binds and tighter than or', () => {
    const condition = parse('a == 1 or b == 2 and c == 3');
    assert.equal(condition.kind, 'or');
    assert.ok(condition.kind === 'or');
    assert.equal(condition.parts[0]!.kind, 'compare');
    assert.equal(condition.parts[1]!.kind, 'and');
  });

  it('lets parentheses override precedence', () => {
    const condition = parse('(a == 1 or b == 2) and c == 3');
    assert.ok(condition.kind === 'and');
    assert.equal(condition.parts[0]!.kind, 'or');
    assert.equal(formatCondition(condition), '(a == 1 or b == 2) and c == 3');
  });

  it('flattens chains, so `a and (b and c)` is `a and b and c`', () => {
    const condition = parse('a == 1 and (b == 2 and c == 3)');
    assert.ok(condition.kind === 'and');
    assert.equal(condition.parts.length, 3);
    assert.equal(formatCondition(condition), 'a == 1 and b == 2 and c == 3');
  });

  it('applies not to what follows it, a comparison or a group', () => {
    const single = parse('not status == 200 and latency < 2s');
    assert.ok(single.kind === 'and');
    assert.equal(single.parts[0]!.kind, 'not');
    assert.equal(formatCondition(single), 'not (status == 200) and latency < 2s');
    const group = parse('not (status == 200 or status == 204)');
    assert.ok(group.kind === 'not' && group.operand.kind === 'or');
    assert.equal(formatCondition(parse('not not a == 1')), 'not (not (a == 1))');
  });

  it('ignores redundant parentheses', () => {
    assert.deepEqual(parse('((status == 200))'), parse('status == 200'));
  });
});

describe('formatCondition', () => {
  it('writes canonical text that parses back to the same tree', () => {
    const texts = [
      'status==200',
      "headers['Content-Type'] contains 'json'",
      'values.wait < 1000 and (value < 85 % or latency < 2 s)',
      'not (body.status matches /^(ok|ready)$/i) or body.items[0].id != null',
      'body["a b"][2]["c\\"d"] !contains "x\\ny"',
      '((a == 1 or b == 2) and not c == 3) or d >= 1.5GB',
    ];
    for (const text of texts) {
      const condition = parse(text);
      const canonical = formatCondition(condition);
      assert.deepEqual(parse(canonical), condition, `${text} → ${canonical}`);
      assert.equal(formatCondition(parse(canonical)), canonical);
    }
  });

  it('normalises spacing, quotes and spaced units', () => {
    assert.equal(
      formatCondition(parse("  values.wait<1000  and(value<85 %  or  output contains 'x')")),
      'values.wait < 1000 and (value < 85% or output contains "x")',
    );
  });
});
