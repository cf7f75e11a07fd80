import assert from 'node:assert/strict';
import { test } from 'node:test';
import { locateJsonError, parseJsonBody } from '../../src/ingest/json-body.ts';

const LIMIT = 64 * 1024;

test('a JSON body parses, from a string or from bytes with a BOM', () => {
  assert.deepEqual(parseJsonBody('{"name":"x"}', LIMIT), { ok: true, value: { name: 'x' } });
  const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[1, "é"]')]);
  assert.deepEqual(parseJsonBody(bytes, LIMIT), { ok: true, value: [1, 'é'] });
});

test('an empty body says so', () => {
  for (const raw of ['', '  \n', Buffer.alloc(0)])
    assert.deepEqual(parseJsonBody(raw, LIMIT), {
      ok: false,
      problem: 'empty',
      errors: [{ path: '', message: 'the body is empty; send a JSON object' }],
    });
});

test('a body over the limit is refused before it is parsed, with both sizes', () => {
  const huge = Buffer.alloc(3 * 1024 * 1024, 0x20);
  assert.deepEqual(parseJsonBody(huge, 1024 * 1024), {
    ok: false,
    problem: 'too_large',
    errors: [{ path: '', message: 'the body is 3.0 MiB; Vigie accepts at most 1.0 MiB' }],
  });
  const result = parseJsonBody('"ééé"', 6);
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.problem, 'too_large');
});

test('bytes that are not UTF-8 are refused as such', () => {
  const result = parseJsonBody(Buffer.from([0x7b, 0xff, 0x7d]), LIMIT);
  assert.equal(!result.ok && result.problem, 'not_utf8');
});

test('invalid JSON says what and where: line, column, position', () => {
  const cases: [string, string][] = [
    ['{x', "not valid JSON at line 1, column 2 (position 1, near 'x'): expected property name or '}'"],
    [
      '{"a":1,}',
      "not valid JSON at line 1, column 8 (position 7, near '}'): expected double-quoted property name",
    ],
    ['{"a":', 'not valid JSON at line 1, column 6 (position 5, at the end): unexpected end of input'],
    ['\n\n  {"a": tru}', "not valid JSON at line 3, column 12 (position 13, near '}'): unexpected token '}'"],
    [
      '{"alerts": []}\n{"alerts": []}',
      'not valid JSON at line 2, column 1 (position 15, near \'{"alerts": []}\'): unexpected non-whitespace character after JSON',
    ],
  ];
  for (const [raw, message] of cases)
    assert.deepEqual(parseJsonBody(raw, LIMIT), {
      ok: false,
      problem: 'invalid_json',
      errors: [{ path: '', message }],
    });
});

test('the error locator agrees with the engine on where JSON breaks', () => {
  const samples = [
    '{"a":1,}',
    '[1 2]',
    '{"a":1}x',
    '"abc',
    '{"a":"\u0001"}',
    '01',
    '[01]',
    '{"a" 1}',
    '[-]',
    '-x',
    '1.',
    '[1.x]',
    '1e+',
    '[[[]]',
    '{"a":"\\x"}',
    '"\\u12"',
    '{"a":',
  ];
  for (const text of samples) {
    let message = '';
    try {
      JSON.parse(text);
    } catch (error) {
      message = (error as Error).message;
    }
    const match = / at position (\d+)/.exec(message);
    const position = match ? Number(match[1]) : message.includes('end of JSON input') ? text.length : NaN;
    assert.equal(locateJsonError(text), position, `${text}: ${message}`);
  }
  // Where V8 names only the token, the locator still finds it.
  assert.equal(locateJsonError('[1,]'), 3);
  assert.equal(locateJsonError('{"a":[{"b":nul}]}'), 14);
  for (const valid of ['{}', '[]', '{"a":[1,-2.5e3,0.5E-2,true,false,null,{"b":"\\u00e9\\n"}]}', ' 3 '])
    assert.equal(locateJsonError(valid), undefined, valid);
  const deep = `${'['.repeat(100_000)}${']'.repeat(99_999)}`;
  assert.equal(locateJsonError(deep), deep.length);
});
