import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import type { ProbeTarget } from '../../src/probes/probe.ts';
import { sqlProbe } from '../../src/probes/sql.ts';
import { freshDatabase } from '../support/services.ts';

test('sql probe', async (t) => {
  const db = await freshDatabase(t);
  if (!db) return;
  const setup = new pg.Client({ connectionString: db.url });
  await setup.connect();
  await setup.query(`
    CREATE TABLE tournaments (id int PRIMARY KEY, name text NOT NULL, starts_at timestamptz NOT NULL, buy_in numeric NOT NULL);
    INSERT INTO tournaments VALUES
      (1, 'Spring Cup', now() + interval '3 days', 20),
      (2, 'Summer Cup', now() + interval '90 days', 0),
      (3, 'Winter Cup', now() - interval '30 days', 15);
    CREATE TABLE events (external_id text NOT NULL);
    INSERT INTO events VALUES ('a'), ('b'), ('b');
  `);
  await setup.end();
  const probe = sqlProbe();
  t.after(async () => {
    await probe.close?.();
    await db.drop();
  });
  const check = (target: Omit<ProbeTarget, 'timeout' | 'connection'>) =>
    probe.run({ connection: db.url, timeout: 5000, ...target }, AbortSignal.timeout(5000));

  await t.test('answers "are there future tournaments?" as a count in value', async () => {
    const seen = await check({
      target: 'tournaments',
      query: 'SELECT count(*) FROM tournaments WHERE starts_at > now()',
    });
    assert.equal(seen.ok, true, seen.error);
    assert.equal(seen.values.value, 2);
    assert.equal(seen.values.count, 2);
    assert.equal(seen.values.rows, 1);
  });

  await t.test('takes the SQL from the target when the check has no query', async () => {
    const seen = await check({
      target:
        'SELECT count(*) AS duplicates FROM (SELECT external_id FROM events GROUP BY 1 HAVING count(*) > 1) d',
    });
    assert.equal(seen.ok, true, seen.error);
    assert.equal(seen.values.duplicates, 1);
    assert.equal(seen.values.value, 1);
  });

  await t.test('exposes every column of the first row', async () => {
    const seen = await check({
      target: 'non-positive buy-in',
      query: 'SELECT id, name, buy_in FROM tournaments WHERE buy_in <= 0 ORDER BY id',
    });
    assert.equal(seen.ok, true, seen.error);
    assert.deepEqual(
      { id: seen.values.id, name: seen.values.name, buy_in: seen.values.buy_in, rows: seen.values.rows },
      { id: 2, name: 'Summer Cup', buy_in: 0, rows: 1 },
    );
  });

  await t.test('fails on a query the server rejects, quoting the server', async () => {
    const seen = await check({ target: 'x', query: 'SELECT count(*) FROM tournament' });
    assert.equal(seen.ok, false);
    assert.match(seen.error ?? '', /query failed: relation "tournament" does not exist/);
  });

  await t.test('cuts a slow assertion at the timeout', async () => {
    const seen = await probe.run(
      { connection: db.url, target: 'SELECT pg_sleep(10)', timeout: 300 },
      AbortSignal.timeout(300),
    );
    assert.equal(seen.ok, false);
    assert.match(seen.error ?? '', /timed out after 300ms while running the query/);
  });
});

test('sql probe: without a service it says which connection is missing', async () => {
  const probe = sqlProbe();
  const seen = await probe.run({ target: 'SELECT 1', timeout: 1000 }, AbortSignal.timeout(1000));
  assert.equal(seen.ok, false);
  assert.match(seen.error ?? '', /name a service with a postgres connection string/);
  await probe.close?.();
});

test('sql probe: the password never reaches the error', async () => {
  const probe = sqlProbe();
  const seen = await probe.run(
    { connection: 'postgresql://app:secret@127.0.0.1:1/app', target: 'SELECT 1', timeout: 3000 },
    AbortSignal.timeout(3000),
  );
  assert.equal(seen.ok, false);
  assert.doesNotMatch(seen.error ?? '', /secret/);
  assert.match(seen.error ?? '', /app:\*\*\*\*@127\.0\.0\.1:1/);
  await probe.close?.();
});
