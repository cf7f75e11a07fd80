/**
 * Errors of the condition language: each names the column (1-based) where the problem is and says
 * how to fix it. `parseConditions` reports every error of a list at once, for the runbook loader.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatConditionError, parseCondition, parseConditions } from '../../src/conditions/index.ts';

const UNITS = 'ms, s, m, h, d, w, %, B, KB, MB, GB, TB, KiB, MiB, GiB, TiB';

/** error parses `text`, expecting it to fail, and gives the column and message. */
function error(text: string): { column: number; message: string } {
  const parsed = parseCondition(text);
  assert.equal(parsed.ok, false, `${text} should not parse`);
  if (parsed.ok) throw new Error('unreachable');
  assert.equal(parsed.error.text, text);
  return { column: parsed.error.column, message: parsed.error.message };
}

describe('parseCondition: errors', () => {
  it('suggests the operator meant', () => {
    assert.deepEqual(error('status === 200'), {
      column: 8,
      message: "unknown operator '==='; did you mean '=='?",
    });
    assert.deepEqual(error('status = 200'), {
      column: 8,
      message: "unknown operator '='; did you mean '=='?",
    });
    assert.deepEqual(error('status !== 200'), {
      column: 8,
      message: "unknown operator '!=='; did you mean '!='?",
    });
    assert.deepEqual(error('status <> 200'), {
      column: 8,
      message: "unknown operator '<>'; did you mean '!='?",
    });
    assert.deepEqual(error('latency =< 2s'), {
      column: 9,
      message: "unknown operator '=<'; did you mean '<='?",
    });
    assert.deepEqual(error('a == 1 && b == 2'), {
      column: 8,
      message: "unknown operator '&&'; did you mean 'and'?",
    });
    assert.deepEqual(error('a == 1 || b == 2'), {
      column: 8,
      message: "unknown operator '||'; did you mean 'or'?",
    });
    assert.deepEqual(error('output =~ /ok/'), {
      column: 8,
      message: "unknown operator '=~'; did you mean 'matches'?",
    });
    assert.deepEqual(error('status is 200'), {
      column: 8,
      message: "unknown operator 'is'; did you mean '=='?",
    });
    assert.deepEqual(error('a == 1 AND b == 2'), {
      column: 8,
      message: "unknown word 'AND'; did you mean 'and'?",
    });
    assert.deepEqual(error('(a == 1 OR b == 2)'), {
      column: 9,
      message: "unknown word 'OR'; did you mean 'or'?",
    });
    assert.deepEqual(error('NOT status == 200'), {
      column: 1,
      message: "unknown word 'NOT'; did you mean 'not'?",
    });
    assert.deepEqual(error('status ≥ 200'), {
      column: 8,
      message: "unexpected character '≥'; did you mean '>='?",
    });
  });

  it('points at an unknown unit and lists the units', () => {
    assert.deepEqual(error('latency < 2 secs'), {
      column: 13,
      message: `unknown unit 'secs'; units are ${UNITS}`,
    });
    assert.deepEqual(error('latency < 2secs'), {
      column: 12,
      message: `unknown unit 'secs'; units are ${UNITS}`,
    });
    assert.deepEqual(error('value < 1e5'), { column: 10, message: `unknown unit 'e5'; units are ${UNITS}` });
  });

  it('points at the opening of an unclosed string, parenthesis, bracket or pattern', () => {
    assert.deepEqual(error('status == "200'), { column: 11, message: 'unclosed string: add the closing "' });
    assert.deepEqual(error("output contains 'PONG"), {
      column: 17,
      message: "unclosed string: add the closing '",
    });
    assert.deepEqual(error('(status == 200 or status == 204'), {
      column: 1,
      message: "unclosed '(': add the ')' that closes it",
    });
    assert.deepEqual(error('a == 1 and ((b == 2) or (c == 3)'), {
      column: 12,
      message: "unclosed '(': add the ')' that closes it",
    });
    assert.deepEqual(error('body.items[0'), {
      column: 11,
      message: "unclosed '[': add the ']' that closes it",
    });
    assert.deepEqual(error('body.status matches /^(ok|ready)$'), {
      column: 21,
      message: 'unclosed regular expression: add the closing /',
    });
  });

  it('points at what follows a complete condition', () => {
    assert.deepEqual(error('status == 200 )'), { column: 15, message: "unexpected ')': no '(' is open" });
    assert.deepEqual(error('body.ok == true yes'), {
      column: 17,
      message: "unexpected 'yes' after a complete condition; join conditions with 'and' or 'or'",
    });
    assert.deepEqual(error('status == 200 latency < 2s'), {
      column: 15,
      message: "unexpected 'latency' after a complete condition; join conditions with 'and' or 'or'",
    });
    assert.deepEqual(error('status == 200 body.ok == true'), {
      column: 15,
      message: "unexpected 'body' after a complete condition; join conditions with 'and' or 'or'",
    });
    assert.deepEqual(error('status == 200 # healthy'), { column: 15, message: "unexpected character '#'" });
    assert.deepEqual(error('status == 200, latency < 2s'), {
      column: 14,
      message: "unexpected character ','; join conditions with 'and' or 'or'",
    });
    assert.deepEqual(error('(a == 1 b == 2)'), {
      column: 9,
      message: "expected 'and', 'or' or the ')' closing the '(' at column 1, found 'b'",
    });
  });

  it('rejects an empty condition', () => {
    const empty = { column: 1, message: 'empty condition: write one such as status == 200' };
    assert.deepEqual(error(''), empty);
    assert.deepEqual(error('   '), empty);
  });

  it('says what an incomplete condition lacks, just after its end', () => {
    assert.deepEqual(error('status'), {
      column: 7,
      message:
        "incomplete condition: 'status' needs an operator (==, !=, <, <=, >, >=, contains, matches) and a value",
    });
    assert.deepEqual(error('status =='), {
      column: 10,
      message: "incomplete condition: expected a path or a value after '=='",
    });
    assert.deepEqual(error('status == 200 and '), {
      column: 18,
      message: "incomplete condition: expected a path or a value after 'and'",
    });
    assert.deepEqual(error('status 200'), {
      column: 8,
      message:
        "expected an operator after 'status', found '200'; operators are ==, !=, <, <=, >, >=, contains, matches",
    });
    assert.deepEqual(error('== 200'), { column: 1, message: "expected a condition, found '=='" });
    assert.deepEqual(error('body.ready and latency < 2s'), {
      column: 12,
      message:
        "expected an operator after 'body.ready', found 'and'; operators are ==, !=, <, <=, >, >=, contains, matches",
    });
    assert.deepEqual(error('a == 1 and and b == 2'), {
      column: 12,
      message: "expected a path or a value after 'and', found 'and'",
    });
  });

  it('accepts any path name, since paths are only known when a probe answers', () => {
    assert.equal(parseCondition('body.databse == true').ok, true);
  });

  it('explains malformed paths', () => {
    assert.deepEqual(error('body.items.0.id != null'), {
      column: 12,
      message: "expected a field name after '.'; write [0] for an index",
    });
    assert.deepEqual(error('body. == 1'), {
      column: 7,
      message: "expected a field name after '.', found '=='",
    });
    assert.deepEqual(error('body.items[-1] == 1'), {
      column: 12,
      message: "an index is a whole number from 0, such as [0]; found '-1'",
    });
    assert.deepEqual(error('body.items[0 == 1'), {
      column: 14,
      message: "expected the ']' closing the '[' at column 11, found '=='",
    });
    assert.deepEqual(error('body[name] == 1'), {
      column: 6,
      message: `expected an index or a quoted key after '[', such as [0] or ["name"]; found 'name'`,
    });
    assert.deepEqual(error('latency.p99 < 2s'), {
      column: 8,
      message: "'latency' is a number of milliseconds; it has no fields",
    });
  });

  it('suggests the literal meant when one is spelt as in another language', () => {
    assert.deepEqual(error('body.database == True'), {
      column: 18,
      message: "unknown word 'True'; did you mean 'true'?",
    });
    assert.deepEqual(error('body.error == None'), {
      column: 15,
      message: "unknown word 'None'; did you mean 'null'?",
    });
    assert.deepEqual(error('status == 200 True'), {
      column: 15,
      message: "unexpected 'True' after a complete condition; join conditions with 'and' or 'or'",
    });
  });

  it('explains string escapes and pasted quotes', () => {
    // `\t` is a tab, so a Windows path needs its backslashes doubled; `\W` says so.
    assert.deepEqual(error('output contains "C:\\Windows"'), {
      column: 20,
      message: `unknown escape '\\W' in a string; write '\\\\' for a backslash, '\\"' for a quote`,
    });
    assert.equal(parseCondition('output contains "C:\\\\Windows"').ok, true);
    assert.deepEqual(error('body.status == “ok”'), {
      column: 16,
      message: `unexpected character '“'; use straight quotes (") around strings`,
    });
  });

  it('explains patterns that cannot work', () => {
    assert.deepEqual(error('body.status matches "ok"'), {
      column: 21,
      message: "'matches' takes a regular expression: write /ok/ rather than a string",
    });
    assert.deepEqual(error('body.status matches /(ok/'), {
      column: 21,
      message: 'invalid regular expression /(ok/: Unterminated group',
    });
    assert.deepEqual(error('body.status matches /ok/g'), {
      column: 25,
      message: "flag 'g' is not allowed: a condition tests each value once",
    });
    assert.deepEqual(error('body.status matches //'), {
      column: 21,
      message: 'empty regular expression: write a pattern between the slashes',
    });
    assert.deepEqual(error('body.status == /ok/'), {
      column: 16,
      message: "a /regular expression/ may only follow 'matches'",
    });
  });

  it('refuses nesting deep enough to exhaust the stack', () => {
    assert.equal(parseCondition(`${'('.repeat(64)}a == 1${')'.repeat(64)}`).ok, true);
    assert.deepEqual(error(`${'('.repeat(65)}a == 1${')'.repeat(65)}`), {
      column: 65,
      message: 'conditions nest deeper than 64 levels',
    });
    assert.equal(error(`${'not '.repeat(10_000)}a == 1`).message, 'conditions nest deeper than 64 levels');
  });
});

describe('parseConditions', () => {
  it('parses a whole expect list', () => {
    const parsed = parseConditions(['status == 200', 'body.database == true', 'latency < 2s']);
    assert.ok(parsed.ok);
    assert.equal(parsed.conditions.length, 3);
  });

  it('reports every error of the list, each with its index', () => {
    const parsed = parseConditions(['status == 200', 'status === 200', 'latency < 2s', 'latency < 2 secs']);
    assert.ok(!parsed.ok);
    assert.deepEqual(
      parsed.errors.map(({ index, column }) => ({ index, column })),
      [
        { index: 1, column: 8 },
        { index: 3, column: 13 },
      ],
    );
    assert.equal(parsed.errors[0]!.text, 'status === 200');
  });
});

describe('formatConditionError', () => {
  it('shows a caret under the column', () => {
    const parsed = parseCondition('status === 200');
    assert.ok(!parsed.ok);
    assert.equal(
      formatConditionError(parsed.error),
      ["column 8: unknown operator '==='; did you mean '=='?", '  status === 200', '         ^'].join('\n'),
    );
  });
});
