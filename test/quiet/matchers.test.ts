import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  formatMatcher,
  formatMatcherError,
  type Matcher,
  matches,
  parseMatcher,
  parseMatchers,
} from '../../src/quiet/matchers.ts';

const parse = (text: string): Matcher => {
  const parsed = parseMatcher(text);
  assert.ok(parsed.ok, parsed.ok ? '' : formatMatcherError(parsed.error));
  return parsed.matcher;
};

const error = (text: string) => {
  const parsed = parseMatcher(text);
  assert.equal(parsed.ok, false, `expected '${text}' to be refused`);
  return parsed.ok ? assert.fail() : parsed.error;
};

describe('parseMatcher', () => {
  test('reads the four operators, quoted or not', () => {
    assert.deepEqual(parse('service=api'), { name: 'service', op: '=', value: 'api' });
    assert.deepEqual(parse('service!=api'), { name: 'service', op: '!=', value: 'api' });
    assert.deepEqual(parse('service=~"api|web"'), { name: 'service', op: '=~', value: 'api|web' });
    assert.deepEqual(parse('severity!~"SEV[34]"'), { name: 'severity', op: '!~', value: 'SEV[34]' });
    assert.deepEqual(parse('  service = "api"  '), { name: 'service', op: '=', value: 'api' });
    assert.deepEqual(parse('service=~api|web'), { name: 'service', op: '=~', value: 'api|web' });
  });

  test('quoted values take spaces, escaped quotes and backslashes; other escapes reach the regex', () => {
    assert.equal(parse('title="disk full"').value, 'disk full');
    assert.equal(parse('title="say \\"hi\\""').value, 'say "hi"');
    assert.equal(parse('path="C:\\\\temp"').value, 'C:\\temp');
    assert.equal(parse('code=~"\\d+"').value, '\\d+');
    assert.equal(parse('service=""').value, '');
  });

  test('formatMatcher writes text that reads back as the same matcher', () => {
    for (const text of ['service=api', 'title="say \\"hi\\""', 'code=~"\\d+"', 'path="a\\\\b"', 'x!~""']) {
      const matcher = parse(text);
      assert.deepEqual(parse(formatMatcher(matcher)), matcher);
    }
  });

  test('an invalid regex is refused with the column of the value', () => {
    const e = error('service=~"api|(web"');
    assert.equal(e.column, 10);
    assert.match(e.message, /^invalid regular expression: /);
    assert.match(e.fix, /brackets/);
    assert.match(formatMatcherError(e), /\n {11}\^/);
  });

  test('common mistakes say how to write the matcher', () => {
    const doubled = error('service==api');
    assert.equal(doubled.column, 8);
    assert.match(doubled.fix, /service=api/);

    const noOperator = error('service api');
    assert.equal(noOperator.column, 9);
    assert.match(noOperator.message, /expected =, !=, =~ or !~ after 'service'/);

    const spaces = error('title=disk full');
    assert.equal(spaces.column, 11);
    assert.match(spaces.fix, /title="disk full"/);

    const list = error('service=api,severity=SEV1');
    assert.equal(list.column, 12);
    assert.match(list.message, /one matcher per entry/);

    const unclosed = error('service="api');
    assert.equal(unclosed.column, 9);
    assert.match(unclosed.fix, /end the value with "/);

    assert.equal(error('"service"=api').column, 1);
    assert.equal(error('').message, 'empty matcher');
    assert.match(error('service="api" extra').message, /unexpected 'extra'/);
  });

  test('never throws on hostile input', () => {
    for (const text of ['=', '!', '~', 'a=~"(', 'a=~"[', 'a=~"\\', '"', '{}', 'a="\\"', '\u0000=\u0000']) {
      assert.doesNotThrow(() => parseMatcher(text));
    }
  });
});

describe('parseMatchers', () => {
  test('reports every bad entry with its index', () => {
    const parsed = parseMatchers(['service=api', 'bad', 'x=~"("']);
    assert.equal(parsed.ok, false);
    assert.deepEqual(parsed.ok ? [] : parsed.errors.map((e) => e.index), [1, 2]);
    const good = parseMatchers(['service=api', 'severity=~"SEV1|SEV2"']);
    assert.ok(good.ok);
    assert.equal(good.matchers.length, 2);
  });
});

describe('matches', () => {
  const labels = { alert: 'api-down', check: 'api-ready', service: 'api', severity: 'SEV1' };
  const all = (...texts: string[]) => matches(texts.map(parse), labels);

  test('all matchers must hold', () => {
    assert.equal(all('service=api', 'severity=SEV1'), true);
    assert.equal(all('service=api', 'severity=SEV2'), false);
    assert.equal(all(), true);
  });

  test('= and != compare the whole value', () => {
    assert.equal(all('service=ap'), false);
    assert.equal(all('service!=web'), true);
    assert.equal(all('service!=api'), false);
  });

  test('regexes are anchored at both ends, as in Alertmanager', () => {
    assert.equal(all('service=~"api|web"'), true);
    assert.equal(all('service=~"ap"'), false);
    assert.equal(all('service=~"pi"'), false);
    assert.equal(all('alert=~"api"'), false);
    assert.equal(all('alert=~"api-.*"'), true);
    assert.equal(all('severity!~"SEV[34]"'), true);
    assert.equal(all('severity!~"SEV[12]"'), false);
  });

  test('a missing label reads as the empty string', () => {
    assert.equal(all('region=""'), true);
    assert.equal(all('region!="eu"'), true);
    assert.equal(all('region=~".*"'), true);
    assert.equal(all('region=~".+"'), false);
    assert.equal(all('region=eu'), false);
  });
});
