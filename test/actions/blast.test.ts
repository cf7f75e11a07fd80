/**
 * Blast radius of statements a plain count cannot rewrite, measured in dry runs against the machine's
 * PostgreSQL: `DELETE … USING` and a CTE get the planner's estimate, `TRUNCATE` the exact rows of its
 * tables; nothing is changed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { sqlBlast } from '../../src/actions/blast.ts';
import { createExecutors, type Executors } from '../../src/actions/index.ts';
import { freshDatabase, type TestDatabase } from '../support/services.ts';

describe('blast radius planning (pure)', () => {
  it('counts TRUNCATE tables exactly and asks the planner for a CTE, USING or FROM', () => {
    assert.deepEqual(sqlBlast('TRUNCATE TABLE jobs, audit_old RESTART IDENTITY;', []), {
      action: 'truncate',
      table: 'jobs, audit_old',
      text: 'SELECT (SELECT count(*) FROM jobs) + (SELECT count(*) FROM audit_old)',
      values: [],
    });
    assert.deepEqual(sqlBlast('UPDATE a SET x = 1 FROM b WHERE a.id = b.id AND b.t = $1;', ['t']), {
      action: 'estimate',
      text: 'EXPLAIN (FORMAT JSON) UPDATE a SET x = 1 FROM b WHERE a.id = b.id AND b.t = $1',
      values: ['t'],
    });
    assert.equal(sqlBlast('WITH x AS (SELECT 1) SELECT * FROM x', []), undefined, 'a CTE that only reads');
  });
});

describe('blast radius on PostgreSQL', () => {
  let db: TestDatabase | undefined;
  let executors: Executors;
  let client: pg.Client;

  before(async (t) => {
    db = await freshDatabase(t as never);
    executors = createExecutors();
    if (!db) return;
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(`CREATE TABLE jobs (id int PRIMARY KEY, tenant int NOT NULL);
      CREATE TABLE gone_tenants (tenant int PRIMARY KEY);
      INSERT INTO jobs SELECT n, n % 10 FROM generate_series(1, 1000) n;
      INSERT INTO gone_tenants VALUES (3), (7);
      ANALYZE jobs; ANALYZE gone_tenants;`);
  });
  after(async () => {
    await client?.end();
    await executors?.close();
    await db?.drop();
  });

  const dryRun = (run: string, params?: Record<string, string>) =>
    executors.runStep(
      {
        step: { run, kind: 'sql', risk: 'destructive', service: 'db' },
        services: { db: { postgres: db!.url } },
        env: {},
        secrets: [],
        allowShell: false,
        timeoutMs: 5000,
        dryRun: true,
        mode: 'write',
        ...(params ? { params } : {}),
      },
      new AbortController().signal,
    );
  const jobs = async () => Number((await client.query('SELECT count(*) AS n FROM jobs')).rows[0].n);

  it('estimates a DELETE … USING and a DELETE in a CTE, deleting nothing', async (t) => {
    if (!db) return t.skip('no PostgreSQL');
    for (const run of [
      'DELETE FROM jobs USING gone_tenants g WHERE jobs.tenant = g.tenant',
      'WITH purged AS (DELETE FROM jobs WHERE tenant IN (SELECT tenant FROM gone_tenants) RETURNING id) SELECT count(*) FROM purged',
    ]) {
      const outcome = await dryRun(run);
      assert.equal(outcome.status, 'dry-run', outcome.error ?? outcome.reason);
      const estimate = /would delete about ([\d,]+) rows from jobs \(planner estimate/.exec(outcome.output);
      assert.ok(estimate, outcome.output);
      const rows = Number(estimate[1]!.replaceAll(',', ''));
      // 200 rows match; the planner's guess is of that order, not a count.
      assert.ok(rows >= 20 && rows <= 1000, `estimated ${rows}`);
      assert.doesNotMatch(outcome.output, /"Node Type"/, 'the plan itself is not dumped');
    }
    assert.equal(await jobs(), 1000, 'a dry run deletes nothing');
  });

  it('counts the rows a TRUNCATE would empty, and truncates nothing', async (t) => {
    if (!db) return t.skip('no PostgreSQL');
    const outcome = await dryRun('TRUNCATE jobs, gone_tenants');
    assert.equal(outcome.status, 'dry-run', outcome.error ?? outcome.reason);
    assert.match(outcome.output, /would empty jobs, gone_tenants: 1,002 rows/);
    assert.equal(await jobs(), 1000);
  });
});
