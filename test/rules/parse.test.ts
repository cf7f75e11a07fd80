/**
 * What `parseRule` and `parseRecovery` build from every form of `when:` and `resolve:`, the canonical
 * text `describeRule` writes back, and errors that point at the problem with a column and a fix.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeRecovery,
  describeRule,
  parseRecovery,
  parseRule,
  type Recovery,
  type Rule,
  type RuleError,
  ruleDepth,
  ruleWindow,
} from '../../src/rules/index.ts';

function rule(text: string): Rule {
  const parsed = parseRule(text);
  assert.ok(parsed.ok, parsed.ok ? '' : `${text}: column ${parsed.error.column}: ${parsed.error.message}`);
  return parsed.rule;
}

function error(text: string): RuleError {
  const parsed = parseRule(text);
  assert.ok(!parsed.ok, `${text} should not parse`);
  return parsed.error;
}

function recovery(text: string): Recovery {
  const parsed = parseRecovery(text);
  assert.ok(parsed.ok, parsed.ok ? '' : `${text}: column ${parsed.error.column}: ${parsed.error.message}`);
  return parsed.recovery;
}

describe('parseRule: fails', () => {
  it('reads the runbook form and its variants as the last N observations failing', () => {
    assert.deepEqual(rule('fails 3 times'), { kind: 'fails', count: 3 });
    assert.deepEqual(rule('fails 3 times in a row'), { kind: 'fails', count: 3 });
    assert.deepEqual(rule('Fails 3x'), { kind: 'fails', count: 3 });
    assert.deepEqual(rule('fails 5 time consecutively'), { kind: 'fails', count: 5 });
    assert.deepEqual(rule('fails'), { kind: 'fails', count: 1 });
    assert.deepEqual(rule('fails once'), { kind: 'fails', count: 1 });
    assert.deepEqual(rule('fails twice'), { kind: 'fails', count: 2 });
  });

  it('leaves `fails > 3` to the condition language: a value named fails', () => {
    assert.equal(rule('fails > 3').kind, 'condition');
  });
});

describe('parseRule: windows', () => {
  it('reads error_rate with a percentage and a window', () => {
    assert.deepEqual(rule('error_rate > 5% over 5m'), {
      kind: 'error_rate',
      operator: '>',
      threshold: { value: 5, dimension: 'percent', text: '5%' },
      window: 300_000,
    });
    const spaced = rule('error_rate >= 2.5 % over 10 minutes');
    assert.equal(spaced.kind, 'error_rate');
    assert.equal(spaced.kind === 'error_rate' && spaced.threshold.value, 2.5);
    assert.equal(spaced.kind === 'error_rate' && spaced.window, 600_000);
  });

  it('reads percentiles, avg, max and min of latency or of a value path', () => {
    const p99 = rule('p99(latency) > 3s over 5m');
    assert.deepEqual(p99, {
      kind: 'aggregate',
      aggregate: { fn: 'percentile', p: 99 },
      path: { kind: 'path', root: 'latency', segments: [], text: 'latency' },
      operator: '>',
      threshold: { value: 3000, dimension: 'duration', text: '3s' },
      window: 300_000,
    });
    const depth = rule('p95(values.depth) >= 1000 over 1h30m');
    assert.equal(depth.kind, 'aggregate');
    if (depth.kind !== 'aggregate') return;
    assert.deepEqual(depth.path.segments, ['depth']);
    assert.equal(depth.path.text, 'values.depth');
    assert.deepEqual(depth.threshold, { value: 1000, text: '1000' });
    assert.equal(depth.window, 5_400_000);
    const nested = rule('max(body.items[0]["size"]) > 400MB over 1h');
    assert.ok(nested.kind === 'aggregate');
    assert.deepEqual(nested.path.segments, ['body', 'items', 0, 'size']);
    assert.equal(nested.threshold.value, 400_000_000);
    const decimal = rule('p99.9(latency) < 3 s over 5m');
    assert.deepEqual(decimal, rule('p99.9(latency) < 3s over 5m'));
    assert.deepEqual((decimal as { aggregate: unknown }).aggregate, { fn: 'percentile', p: 99.9 });
    assert.deepEqual((rule('avg(depth) <= 10 over 5m') as { aggregate: unknown }).aggregate, { fn: 'avg' });
    assert.deepEqual((rule('min(depth) < 10 over 5m') as { aggregate: unknown }).aggregate, { fn: 'min' });
    assert.deepEqual((rule('median(latency) > 200ms over 5m') as { aggregate: unknown }).aggregate, {
      fn: 'percentile',
      p: 50,
    });
  });

  it('reads no data for a window', () => {
    assert.deepEqual(rule('no data for 5m'), { kind: 'no_data', window: 300_000 });
  });
});

describe('parseRule: conditions', () => {
  it('reads an instant condition in the expect: language, as trouble on the latest observation', () => {
    for (const text of ['value > 1000', 'value > 85%', 'output contains "duplicate events"']) {
      const parsed = rule(text);
      assert.equal(parsed.kind, 'condition');
      assert.equal(describeRule(parsed), text);
    }
  });

  it('reads `for D` as a condition held for D, without cutting a quoted `for`', () => {
    const held = rule('value > 1000 for 2m');
    assert.equal(held.kind, 'held');
    assert.equal(held.kind === 'held' && held.for, 120_000);
    const quoted = rule('output contains "waiting for 5m"');
    assert.equal(quoted.kind, 'condition');
    assert.equal(describeRule(quoted), 'output contains "waiting for 5m"');
    assert.equal(describeRule(rule('output contains "for 5m" for 5m')), 'output contains "for 5m" for 5m');
  });
});

describe('describeRule', () => {
  it('writes canonical text that parses back to the same rule', () => {
    const texts = [
      'fails 3 times in a row',
      'fails',
      'error_rate >= 5% over 300s',
      'p99(latency) > 3s over 5m',
      'p99.9(latency) > 3 s over 5 min',
      'p95(depth) > 1000 over 1h30m',
      'avg(values.load) > 85% over 10m',
      'value > 1000',
      'value > 1000 for 2m',
      'not (status == 200) for 90s',
      'no data for 5m',
    ];
    for (const text of texts) {
      const parsed = rule(text);
      assert.deepEqual(rule(describeRule(parsed)), parsed, text);
    }
    assert.equal(describeRule(rule('fails 3 times in a row')), 'fails 3 times');
    assert.equal(describeRule(rule('error_rate >= 5% over 300s')), 'error_rate >= 5% over 5m');
    assert.equal(describeRule(rule('p99.9(latency) > 3 s over 5 min')), 'p99.9(latency) > 3s over 5m');
  });
});

describe('ruleWindow and ruleDepth', () => {
  it('say how much history each rule needs', () => {
    assert.equal(ruleWindow(rule('fails 3 times')), 0);
    assert.equal(ruleDepth(rule('fails 3 times')), 3);
    assert.equal(ruleWindow(rule('error_rate > 5% over 5m')), 300_000);
    assert.equal(ruleWindow(rule('p99(latency) > 3s over 10m')), 600_000);
    assert.equal(ruleWindow(rule('value > 1000')), 0);
    assert.equal(ruleDepth(rule('value > 1000')), 1);
    assert.equal(ruleWindow(rule('value > 1000 for 2m')), 120_000);
    assert.equal(ruleWindow(rule('no data for 5m')), 300_000);
  });
});

describe('parseRule: errors', () => {
  it('names an unknown function at its column and suggests the likely one', () => {
    const p999 = error('p999(latency) > 3s over 5m');
    assert.equal(p999.column, 1);
    assert.match(p999.message, /unknown function 'p999'; use p50, p90, p95, p99/);
    assert.match(p999.fix, /p99\.9/);
    const foo = error('  foo(latency) > 1 over 5m');
    assert.equal(foo.column, 3);
    assert.match(foo.message, /unknown function 'foo'/);
  });

  it('asks for a window where one is needed, pointing at the end', () => {
    const p99 = error('p99(latency) > 3s');
    assert.equal(p99.column, 18);
    assert.match(p99.message, /needs a window: add 'over 5m'/);
    const rate = error('error_rate > 5%');
    assert.equal(rate.column, 16);
    assert.match(rate.fix, /values\.error_rate/);
    const noData = error('no data');
    assert.equal(noData.column, 8);
    assert.match(noData.fix, /no data for 5m/);
  });

  it('points at a malformed threshold, operator or duration', () => {
    const percent = error('error_rate > 0.05 over 5m');
    assert.equal(percent.column, 14);
    assert.match(percent.message, /percentage/);
    assert.match(percent.fix, /5%/);
    const operator = error('error_rate == 5% over 5m');
    assert.equal(operator.column, 12);
    assert.match(operator.message, />, >=, < or <=/);
    assert.match(error('p99(latency) => 3s over 5m').message, /did you mean '>='/);
    const unit = error('p99(latency) > 3x over 5m');
    assert.equal(unit.column, 17);
    assert.match(unit.message, /unknown unit 'x'/);
    const duration = error('no data for 5');
    assert.equal(duration.column, 13);
    assert.match(duration.message, /needs a unit/);
    assert.equal(error('no data for 0s').column, 13);
    assert.equal(error('value > 1000 for 2x').column, 18);
  });

  it('points at a bad count, a missing parenthesis, a bad path and trailing words', () => {
    assert.equal(error('fails three times').column, 7);
    assert.equal(error('fails 0 times').column, 7);
    const trailing = error('fails 3 times please');
    assert.equal(trailing.column, 15);
    assert.match(trailing.message, /unexpected 'please'/);
    const paren = error('p99(latency > 3s over 5m');
    assert.equal(paren.column, 13);
    assert.match(paren.message, /expected the '\)'/);
    assert.equal(error('p99(latency.ms) > 3s over 5m').column, 12);
  });

  it('tells a condition with a window to use `for` or a function', () => {
    const over = error('value > 1000 over 5m');
    assert.equal(over.column, 14);
    assert.match(over.fix, /value > 1000 for 5m/);
    assert.match(over.fix, /avg\(value\) > 1000 over 5m/);
  });

  it('passes the condition language errors through with their column and lists the rule forms', () => {
    const prose = error('the queue is corrupt');
    assert.equal(prose.column, 5);
    assert.match(prose.message, /expected an operator after 'the'/);
    assert.match(prose.fix, /fails 3 times/);
    assert.equal(error('value >> 3').column, 7);
    const empty = error('   ');
    assert.equal(empty.column, 1);
    assert.match(empty.message, /empty rule/);
  });
});

describe('parseRecovery', () => {
  it('reads counted successes and clear durations', () => {
    assert.deepEqual(recovery('recovers after 2 successes'), { kind: 'successes', count: 2 });
    assert.deepEqual(recovery('recovers after 1 success'), { kind: 'successes', count: 1 });
    assert.deepEqual(recovery('3 successes in a row'), { kind: 'successes', count: 3 });
    assert.deepEqual(recovery('clear for 5m'), { kind: 'clear_for', duration: 300_000 });
    assert.deepEqual(recovery('recovers after 10 minutes'), { kind: 'clear_for', duration: 600_000 });
  });

  it('writes canonical text that parses back', () => {
    for (const text of ['recovers after 2 successes', 'recovers after 1 success', 'clear for 1m30s']) {
      assert.equal(describeRecovery(recovery(text)), text);
    }
  });

  it('points at what is missing', () => {
    const bare = parseRecovery('recovers after 2');
    assert.ok(!bare.ok);
    assert.equal(bare.error.column, 17);
    assert.match(bare.error.fix, /2 successes/);
    const word = parseRecovery('recovers after two');
    assert.ok(!word.ok);
    assert.equal(word.error.column, 16);
    const clear = parseRecovery('clear 5m');
    assert.ok(!clear.ok);
    assert.equal(clear.error.column, 7);
    const zero = parseRecovery('recovers after 0 successes');
    assert.ok(!zero.ok);
    assert.equal(zero.error.column, 16);
  });
});

describe('parseRule: any text', () => {
  it('never throws, and what parses describes back to itself', () => {
    const pieces = [
      'fails',
      '3',
      'times',
      'in a row',
      'x',
      'error_rate',
      '>',
      '>=',
      '<',
      '=',
      '5%',
      'over',
      '5m',
      'for',
      'no',
      'data',
      'p99(',
      'p99.9(',
      'avg(',
      'latency',
      ')',
      'value',
      'values.depth',
      '1000',
      '3s',
      '"a b"',
      'contains',
      'and',
      'not',
      '(',
      '[0]',
      '.',
      ' ',
      '',
      '1h30m',
      'min',
      '-',
      '%',
      "'",
    ];
    // A fixed linear congruential sequence: the same texts on every run.
    let seed = 42;
    const next = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 3000; i++) {
      const text = Array.from({ length: 1 + next(7) }, () => pieces[next(pieces.length)]).join(
        next(2) ? ' ' : '',
      );
      const parsed = parseRule(text);
      if (!parsed.ok) {
        assert.ok(parsed.error.column >= 1 && parsed.error.column <= text.length + 1, text);
        continue;
      }
      assert.deepEqual(rule(describeRule(parsed.rule)), parsed.rule, text);
    }
  });
});
