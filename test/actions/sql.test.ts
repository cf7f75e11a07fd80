/**
 * The sql executor against the machine's PostgreSQL: a fresh database per file, steps as the runbooks
 * write them, and the proof that a read step cannot write.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import {
  createExecutors,
  type Executors,
  type StepInput,
  type StepRequest,
} from '../../src/actions/index.ts';
import { readOnlyProblem, renderResult, statementsOf } from '../../src/actions/sql.ts';
import { freshDatabase, type TestDatabase } from '../support/services.ts';

describe('sql executor on PostgreSQL', () => {
  let db: TestDatabase | undefined;
  let executors: Executors;
  let dsn = '';
  let password = '';

  before(async (t) => {
    db = await freshDatabase(t as never);
    executors = createExecutors();
    if (!db) return;
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(`CREATE TABLE tournaments (id int PRIMARY KEY, name text, starts date);
      INSERT INTO tournaments VALUES (1, 'Spring Cup', '2031-04-01'), (2, 'Autumn Open', NULL)`);
    await admin.end();
    // Local servers trust loopback: a password is accepted and ignored, which is all this test needs.
    const url = new URL(db.url);
    password = url.password || 'pw-S3cret-42';
    url.password = password;
    dsn = url.href;
  });
  after(async () => {
    await executors?.close();
    await db?.drop();
  });

  const run = (text: string, extra: Partial<StepRequest> = {}, step: Partial<StepInput> = {}) =>
    executors.runStep(
      {
        step: { run: text, kind: 'sql', risk: 'read', ...step },
        services: { db: { postgres: dsn } },
        env: {},
        secrets: [],
        timeoutMs: 5000,
        allowShell: false,
        ...extra,
      },
      new AbortController().signal,
    );

  const count = async (): Promise<number> => {
    const client = new pg.Client({ connectionString: db!.url });
    await client.connect();
    const { rows } = await client.query('SELECT count(*)::int AS n FROM tournaments');
    await client.end();
    return rows[0].n;
  };

  it('renders a SELECT as psql does', async (t) => {
    if (!db) return t.skip('no PostgreSQL');
    const outcome = await run('SELECT id, name, starts\nFROM tournaments\nORDER BY id;');
    assert.equal(outcome.status, 'ok', outcome.error);
    assert.equal(
      outcome.output,
      [
        ' id |    name     |   starts',
        '----+-------------+------------',
        '  1 | Spring Cup  | 2031-04-01',
        '  2 | Autumn Open |',
        '(2 rows)',
        '',
      ].join('\n'),
    );
    assert.equal(outcome.command, 'SELECT id, name, starts\nFROM tournaments\nORDER BY id;');
    assert.doesNotMatch(outcome.target ?? '', new RegExp(password));
  });

  it('fails an INSERT in a read step: the transaction is read-only', async (t) => {
    if (!db) return t.skip('no PostgreSQL');
    const outcome = await run("INSERT INTO tournaments VALUES (3, 'Sneaky', NULL);");
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.error ?? '', /read-only transaction/);
    assert.match(outcome.output, /^ERROR: {2}cannot execute INSERT in a read-only transaction$/m);
    assert.equal(await count(), 2);
  });

  it('refuses what would end the read-only transaction or change the session', async (t) => {
    if (!db) return t.skip('no PostgreSQL');
    for (const text of [
      "SELECT 1; COMMIT; INSERT INTO tournaments VALUES (4, 'x', NULL);",
      "-- looks harmless\nSET transaction_read_only = off; INSERT INTO tournaments VALUES (5, 'x', NULL);",
      "SELECT set_config('transaction_read_only', 'off', true); DELETE FROM tournaments;",
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity;',
      '\\! rm -rf /tmp/x',
    ]) {
      const outcome = await run(text);
      assert.equal(outcome.status, 'refused', text);
    }
    assert.equal(await count(), 2);
  });

  it('runs a shell-kind psql $DATABASE_URL -c line as sql, without the shell', async (t) => {
    if (!db) return t.skip('no PostgreSQL');
    const step = { kind: 'shell' as const };
    const text =
      'psql $DATABASE_URL -c "\n  SELECT count(*)\n  FROM tournaments\n  WHERE starts IS NOT NULL;\n"';
    const fromEnv = await run(text, { env: { DATABASE_URL: dsn }, services: {} }, step);
    assert.equal(fromEnv.kind, 'sql');
    assert.equal(fromEnv.status, 'ok', fromEnv.error ?? fromEnv.reason);
    assert.equal(fromEnv.output, ' count\n-------\n     1\n(1 row)\n');
    // Without the variable, the runbook's only PostgreSQL service is the one.
    const fromService = await run(text, { env: { DATABASE_URL: undefined } }, step);
    assert.equal(fromService.status, 'ok', fromService.error);
    assert.equal(fromService.output, fromEnv.output);
  });

  it('times out a long query at the step`s limit', async (t) => {
    if (!db) return t.skip('no PostgreSQL');
    const outcome = await run('SELECT pg_sleep(5);', { timeoutMs: 300 });
    assert.equal(outcome.status, 'timeout');
    assert.match(outcome.error ?? '', /timed out after 300ms/);
  });

  it('never shows the DSN password, even when a query prints it', async (t) => {
    if (!db) return t.skip('no PostgreSQL');
    const outcome = await run(`SELECT '${password}' AS echoed;`);
    assert.equal(outcome.status, 'ok', outcome.error);
    assert.doesNotMatch(JSON.stringify(outcome), new RegExp(password));
    assert.match(outcome.output, /\*\*\*\*/);
  });

  it('asks which service when there are several and the step names none', async (t) => {
    if (!db) return t.skip('no PostgreSQL');
    const services = { main: { postgres: dsn }, replica: { postgres: dsn } };
    const unnamed = await run('SELECT 1;', { services });
    assert.equal(unnamed.status, 'failed');
    assert.match(unnamed.error ?? '', /several services .*\(main, replica\)/);
    assert.equal((await run('SELECT 1;', { services }, { service: 'replica' })).status, 'ok');
  });

  it('fetches at most 1000 rows and says the rest was not fetched', async (t) => {
    if (!db) return t.skip('no PostgreSQL');
    const outcome = await run('SELECT g FROM generate_series(1, 5000) AS g;', { outputCap: 1024 * 1024 });
    assert.equal(outcome.status, 'ok', outcome.error);
    assert.equal(outcome.truncated, true);
    assert.match(outcome.output, /\n 1000\n\(first 1000 rows; the rest was not fetched\)\n$/);
  });
});

describe('sql helpers', () => {
  it('splits statements without touching literals', () => {
    assert.deepEqual(statementsOf("SELECT 'a;\nb'; -- c;\nSELECT $$x;y$$;\n\\dt\nSELECT 2"), [
      "SELECT 'a;\nb'",
      '-- c;\nSELECT $$x;y$$',
      '\\dt',
      'SELECT 2',
    ]);
  });

  it('sees a control statement behind a comment', () => {
    assert.match(readOnlyProblem(['/* x */ COMMIT']) ?? '', /^COMMIT controls the transaction/);
    assert.equal(readOnlyProblem(["SELECT 'pg_terminate_backend(1)'"]), undefined);
  });

  it('marks a value that goes on in the next line with +', () => {
    const text = renderResult({
      command: 'SELECT',
      rowCount: 1,
      fields: [
        { name: 'query', dataTypeID: 25 },
        { name: 'n', dataTypeID: 23 },
      ],
      rows: [['SELECT 1\nFROM t', '7']],
      truncated: false,
    });
    assert.equal(text, '  query   | n\n----------+---\n SELECT 1+| 7\n FROM t   |\n(1 row)\n');
  });
});
