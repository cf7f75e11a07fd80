/**
 * SQL maintenance steps that PostgreSQL refuses inside a transaction block — VACUUM, CREATE INDEX
 * CONCURRENTLY — run on the machine's PostgreSQL as a weekly task would run them: alone, in
 * autocommit; a step that mixes one with other statements is refused before anything runs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { outsideTransaction } from '../../src/actions/sql.ts';
import { scratchDir } from '../store/support.ts';
import { freshDatabase } from '../support/services.ts';
import { at, runbookOf, startHarness } from './harness.ts';

describe('statements that cannot run in a transaction', () => {
  it('are told apart from those that can', () => {
    for (const statement of [
      'VACUUM',
      'vacuum (analyze, verbose) bets',
      '/* weekly */ VACUUM FULL bets',
      'CREATE INDEX CONCURRENTLY bets_user ON bets (user_id)',
      'create unique index concurrently if not exists u ON t (a)',
      'DROP INDEX CONCURRENTLY bets_user',
      'REINDEX (VERBOSE) TABLE CONCURRENTLY bets',
      'REINDEX DATABASE shop',
      'CREATE DATABASE shop_restore',
      'ALTER SYSTEM SET work_mem = $$64MB$$',
      'CLUSTER',
    ]) {
      assert.ok(outsideTransaction(statement), statement);
    }
    for (const statement of [
      'CREATE INDEX bets_user ON bets (user_id)',
      "SELECT 'VACUUM'",
      '-- VACUUM\nANALYZE bets',
      'CLUSTER bets USING bets_pkey',
      'REINDEX TABLE bets',
      "DELETE FROM jobs WHERE note = 'CREATE INDEX CONCURRENTLY'",
    ]) {
      assert.equal(outsideTransaction(statement), undefined, statement);
    }
  });
});

describe('a weekly VACUUM task on PostgreSQL', () => {
  it('runs VACUUM and CREATE INDEX CONCURRENTLY steps alone, outside a transaction', async (t) => {
    const db = await freshDatabase(t);
    if (!db) return;
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    // Hooks run in order: the connection ends before the database is dropped.
    t.after(() => admin.end());
    t.after(() => db.drop());
    await admin.query(`CREATE TABLE bets (id int PRIMARY KEY, user_id int);
      INSERT INTO bets SELECT n, n % 100 FROM generate_series(1, 5000) n;
      DELETE FROM bets WHERE id % 2 = 0`);
    const h = startHarness(t, {
      dir: scratchDir(),
      start: at(19, 3, 59),
      env: { DB_URL: db.url },
      runbook: runbookOf(`
name: Bets
services:
  db: { postgres: "\${DB_URL}" }
maintenance:
  - id: weekly-vacuum
    title: Weekly VACUUM and index
    schedule: "0 4 * * 0"
    steps:
      - { id: vacuum, run: "VACUUM (ANALYZE) bets", kind: sql, service: db, risk: write, timeout: 1m }
      - { id: index, run: "CREATE INDEX CONCURRENTLY IF NOT EXISTS bets_user ON bets (user_id)", kind: sql, service: db, risk: write }
`),
    });
    await h.clock.advance(60_000);
    const [run] = await h.settled('weekly-vacuum');
    assert.equal(run?.status, 'ok', run?.error);
    assert.deepEqual(
      run.steps.map((step) => [step.step, step.status, step.output.trim()]),
      [
        ['vacuum', 'ok', 'VACUUM'],
        ['index', 'ok', 'CREATE'],
      ],
    );
    assert.match(run.steps[0]!.notes.join(' '), /VACUUM runs alone, outside a transaction/);
    const { rows } = await admin.query(
      "SELECT indisvalid FROM pg_index WHERE indexrelid = 'bets_user'::regclass",
    );
    assert.deepEqual(rows, [{ indisvalid: true }], 'the concurrent build finished and the index is valid');
    const stats = await admin.query("SELECT reltuples FROM pg_class WHERE relname = 'bets'");
    assert.equal(Number(stats.rows[0].reltuples), 2500, 'VACUUM ANALYZE counted the live rows');
  });

  it('refuses a step that puts VACUUM beside other statements, before running any of them', async (t) => {
    const db = await freshDatabase(t);
    if (!db) return;
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    // Hooks run in order: the connection ends before the database is dropped.
    t.after(() => admin.end());
    t.after(() => db.drop());
    await admin.query('CREATE TABLE jobs (id int PRIMARY KEY); INSERT INTO jobs VALUES (1), (2)');
    const h = startHarness(t, {
      dir: scratchDir(),
      start: at(19, 3, 0),
      env: { DB_URL: db.url },
      runbook: runbookOf(`
name: Jobs
services:
  db: { postgres: "\${DB_URL}" }
maintenance:
  - id: clean-jobs
    title: Clean finished jobs
    steps:
      - { id: clean, run: "DELETE FROM jobs WHERE id = 1; VACUUM jobs", kind: sql, service: db, risk: write }
`),
    });
    const run = await h.scheduler.runNow('clean-jobs', 'alice').done;
    assert.equal(run.status, 'failed');
    assert.equal(run.steps[0]?.status, 'refused');
    assert.match(run.error ?? '', /VACUUM cannot run inside a transaction.*give VACUUM a step of its own/);
    const { rows } = await admin.query('SELECT count(*)::int AS n FROM jobs');
    assert.equal(rows[0].n, 2, 'the DELETE did not run either');
  });
});
