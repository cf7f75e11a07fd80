/**
 * Step parameters: typed, validated values that cannot change a command's shape, and where a step's
 * text refers to them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  findParamReferences,
  StepParam,
  StepParams,
  undeclaredPlaceholders,
  validateParams,
} from '../../src/actions/params.ts';

const INJECTIONS = ['; rm -rf /', "' OR 1=1 --", 'abc\nrm -rf /', 'abc\0', '$(reboot)', '`id`'];

function check(type: StepParam['type'], value: string, pattern?: string) {
  const param: StepParam = pattern === undefined ? { type } : { type, pattern };
  return validateParams({ X: param }, { X: value });
}

function accepts(type: StepParam['type'], value: string, pattern?: string) {
  assert.deepEqual(check(type, value, pattern), { ok: true, values: { X: value } }, `${type} ${value}`);
}

function refuses(type: StepParam['type'], value: string, pattern?: string) {
  const result = check(type, value, pattern);
  assert.equal(result.ok, false, `${type} should refuse ${JSON.stringify(value)}`);
  return result.ok ? '' : (result.errors[0]?.message ?? '');
}

describe('StepParam', () => {
  it('reads a declaration and refuses a bad type, pattern or name', () => {
    const parsed = StepParams.safeParse({
      TENANT_UUID: { type: 'uuid', description: 'The tenant', example: '3f2a…' },
      PID: { type: 'integer', pattern: '[1-9][0-9]*' },
    });
    assert.equal(parsed.success, true);
    assert.equal(StepParam.safeParse({ type: 'float' }).success, false);
    assert.equal(StepParam.safeParse({ type: 'text', pattern: '([' }).success, false);
    assert.equal(StepParam.safeParse({ type: 'text', extra: 1 }).success, false);
    assert.equal(StepParams.safeParse({ tenant_uuid: { type: 'uuid' } }).success, false);
  });
});

describe('validateParams: types', () => {
  it('uuid', () => {
    accepts('uuid', '3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e6f');
    accepts('uuid', '3F2A9C1E-5B7D-4E8A-9C0F-1A2B3C4D5E6F');
    assert.match(refuses('uuid', '3f2a9c1e5b7d4e8a9c0f1a2b3c4d5e6f'), /is not a UUID/);
    refuses('uuid', '3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e6g');
    refuses('uuid', '3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e6f\n');
  });

  it('integer', () => {
    for (const good of ['0', '4242', '-17', String(Number.MAX_SAFE_INTEGER)]) accepts('integer', good);
    assert.match(refuses('integer', '9007199254740993'), /too large/);
    for (const bad of ['1.5', '+3', '007', '1e3', ' 42', '42 ', '0x1f', '']) refuses('integer', bad);
  });

  it('identifier', () => {
    for (const good of ['users', '_tmp', 'Order_Items2', 'a'.repeat(63)]) accepts('identifier', good);
    for (const bad of ['2users', 'public.users', 'user-name', 'a'.repeat(64), '"users"']) {
      refuses('identifier', bad);
    }
  });

  it('hostname', () => {
    for (const good of ['db', 'db-1.internal', 'api.example.com', '10.0.0.7', `${'a'.repeat(63)}.io`]) {
      accepts('hostname', good);
    }
    for (const bad of [
      '-db',
      'db-',
      'db..internal',
      'db_1',
      `${'a'.repeat(64)}.io`,
      'db:5432',
      'a.'.repeat(130),
    ]) {
      refuses('hostname', bad);
    }
  });

  it('text allows quotes and semicolons but not newlines or control characters', () => {
    accepts('text', 'O\'Brien; said "hi" -- $(not run)');
    accepts('text', 'x'.repeat(1000));
    accepts('text', 'é'.repeat(1000));
    assert.match(refuses('text', 'x'.repeat(1001)), /longer than 1000 characters/);
    for (const bad of ['one\ntwo', 'one\r', 'nul\0', 'tab\there', 'bell\u0007', 'esc\u001b[2J', 'a\u2028b']) {
      assert.match(refuses('text', bad), /newline or a control character/);
    }
    assert.match(refuses('text', 'evil\u202Etxt.exe'), /control character/);
    assert.match(refuses('text', ''), /is empty/);
  });

  it('refuses injections for every type but text, and a newline or NUL for text', () => {
    for (const type of ['uuid', 'integer', 'identifier', 'hostname'] as const) {
      for (const value of INJECTIONS) refuses(type, value);
    }
    accepts('text', '; rm -rf /');
    accepts('text', "' OR 1=1 --");
    refuses('text', 'abc\nrm -rf /');
    refuses('text', 'abc\0');
  });

  it('applies the pattern to the whole value', () => {
    accepts('integer', '4242', '[1-9][0-9]{3}');
    const message = refuses('integer', '42', '[1-9][0-9]{3}');
    assert.equal(message, 'X: "42" does not match the pattern /[1-9][0-9]{3}/');
    refuses('identifier', 'bullmq_waiting', 'bull|queue');
    accepts('identifier', 'bull', 'bull|queue');
    refuses('text', 'prefix-ok', 'ok');
  });
});

describe('validateParams: names', () => {
  const declared: StepParams = {
    TENANT_UUID: { type: 'uuid', description: 'the tenant to purge', example: '3f2a9c1e-…' },
    PID: { type: 'integer' },
  };

  it('returns the declared values when all are good', () => {
    const given = { TENANT_UUID: '3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e6f', PID: '4242' };
    assert.deepEqual(validateParams(declared, given), { ok: true, values: given });
    assert.deepEqual(validateParams({}, {}), { ok: true, values: {} });
  });

  it('reports missing, undeclared and bad values all at once', () => {
    assert.deepEqual(validateParams(declared, { PID: '12; rm -rf /', DOC_UUID: 'x' }), {
      ok: false,
      errors: [
        { name: 'DOC_UUID', message: 'DOC_UUID is not a parameter of this step (it takes TENANT_UUID, PID)' },
        { name: 'TENANT_UUID', message: 'TENANT_UUID is required (the tenant to purge, e.g. 3f2a9c1e-…)' },
        {
          name: 'PID',
          message: 'PID: "12; rm -rf /" is not an integer (digits with an optional leading minus)',
        },
      ],
    });
    assert.deepEqual(validateParams({}, { PID: '1' }), {
      ok: false,
      errors: [{ name: 'PID', message: 'PID is not a parameter of this step (it takes none)' }],
    });
  });

  it('quotes and shortens a refused value so the message stays one line', () => {
    const result = validateParams({ PID: { type: 'integer' } }, { PID: `1\n${'x'.repeat(100)}` });
    assert.ok(!result.ok);
    const message = result.errors[0]!.message;
    assert.ok(!message.includes('\n'));
    assert.match(message, /^PID: "1\\nx{38}…" is not an integer/);
  });

  it('does not take inherited names as given', () => {
    const result = validateParams({ PID: { type: 'integer' } }, Object.create({ PID: '1' }));
    assert.equal(result.ok, false);
  });
});

describe('findParamReferences', () => {
  it('finds a name inside a quoted SQL literal, with its quote', () => {
    const run = `psql "$DATABASE_URL" -c "DELETE FROM documents WHERE tenant_id = 'TENANT_UUID' AND id = 'DOC_UUID'"`;
    const refs = findParamReferences(run, ['TENANT_UUID', 'DOC_UUID', 'PID']);
    assert.deepEqual(
      refs.map((ref) => ({ ...ref, text: run.slice(ref.start, ref.end) })),
      [
        {
          name: 'TENANT_UUID',
          start: run.indexOf('TENANT_UUID'),
          end: run.indexOf('TENANT_UUID') + 11,
          quote: "'",
          text: 'TENANT_UUID',
        },
        {
          name: 'DOC_UUID',
          start: run.indexOf('DOC_UUID'),
          end: run.indexOf('DOC_UUID') + 8,
          quote: "'",
          text: 'DOC_UUID',
        },
      ],
    );
  });

  it('finds a bare name as a whole word only', () => {
    assert.deepEqual(findParamReferences('kill PID', ['PID']), [{ name: 'PID', start: 5, end: 8 }]);
    assert.deepEqual(findParamReferences('kill -9 MY_PID PIDFILE pid PID2', ['PID']), []);
    assert.deepEqual(
      findParamReferences('kill PID; echo "PID" PID_FILE', ['PID', 'PID_FILE']).map((ref) => [
        ref.name,
        ref.quote,
      ]),
      [
        ['PID', undefined],
        ['PID', '"'],
        ['PID_FILE', undefined],
      ],
    );
  });

  it('ignores names that are not parameter names', () => {
    assert.deepEqual(findParamReferences('SELECT .* FROM x', ['.*', '']), []);
    assert.deepEqual(findParamReferences('kill PID', []), []);
  });
});

describe('undeclaredPlaceholders', () => {
  it('finds upper-case, angle-bracket and mustache placeholders that are not declared', () => {
    const run = `psql -c "DELETE FROM docs WHERE tenant_id = 'TENANT_UUID' AND id = <doc-id> AND v = {{ version }}"; kill PID`;
    assert.deepEqual(
      undeclaredPlaceholders(run, ['TENANT_UUID']).map(({ text, name }) => ({ text, name })),
      [
        { text: '<doc-id>', name: 'DOC_ID' },
        { text: '{{ version }}', name: 'VERSION' },
        { text: 'PID', name: 'PID' },
      ],
    );
  });

  it('lists each placeholder once, at its first position', () => {
    const run = 'kill PID && wait PID';
    assert.deepEqual(undeclaredPlaceholders(run), [{ text: 'PID', start: 5, name: 'PID' }]);
  });

  it('leaves out environment references, assignments, SQL and command words and Go templates', () => {
    const run =
      'LOG_LEVEL=debug redis-cli -u "$REDIS_URL" FLUSHDB; psql ${DATABASE_URL} -c "SELECT CURRENT_TIMESTAMP, ' +
      "pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'idle'\"; docker inspect --format '{{.State.Status}}' api";
    assert.deepEqual(undeclaredPlaceholders(run), []);
  });
});
