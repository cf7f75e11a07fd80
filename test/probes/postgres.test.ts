import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { maskCredentials, postgresProbe } from '../../src/probes/postgres.ts';
import type { ProbeTarget } from '../../src/probes/probe.ts';
import { freshDatabase } from '../support/services.ts';

const run = (probe: ReturnType<typeof postgresProbe>, target: ProbeTarget) =>
  probe.run(target, AbortSignal.timeout(target.timeout));

test('postgres probe', async (t) => {
  const db = await freshDatabase(t);
  if (!db) return;
  const setup = new pg.Client({ connectionString: db.url });
  await setup.connect();
  await setup.query(
    `CREATE TABLE bets (id int PRIMARY KEY, stake numeric NOT NULL, placed_at timestamptz NOT NULL)`,
  );
  await setup.query(`INSERT INTO bets VALUES (1, 10.5, now()), (2, 20, now()), (3, 0, now())`);
  await setup.end();
  const probe = postgresProbe();
  t.after(async () => {
    await probe.close?.();
    await db.drop();
  });

  await t.test('runs the query and exposes its first row, row count and first column', async () => {
    const seen = await run(probe, {
      target: db.url,
      timeout: 5000,
      query: 'SELECT count(*) AS bets, sum(stake) AS total FROM bets WHERE stake > 0',
    });
    assert.equal(seen.error, undefined);
    assert.equal(seen.ok, true);
    assert.equal(seen.values.bets, 2);
    assert.equal(seen.values.total, 30.5);
    assert.equal(seen.values.value, 2);
    assert.equal(seen.values.rows, 1);
  });

  await t.test('an empty answer has no value and zero rows', async () => {
    const seen = await run(probe, {
      target: db.url,
      timeout: 5000,
      query: 'SELECT id FROM bets WHERE id > 100',
    });
    assert.equal(seen.ok, true);
    assert.equal(seen.values.rows, 0);
    assert.equal(seen.values.value, null);
  });

  await t.test('always exposes the server health measures', async () => {
    const seen = await run(probe, { target: db.url, timeout: 5000 });
    assert.equal(seen.ok, true, seen.error);
    const v = seen.values;
    assert.ok((v.connections as number) >= 1);
    assert.ok((v.max_connections as number) > 0);
    const percent = Math.round(((v.connections as number) / (v.max_connections as number)) * 1000) / 10;
    assert.equal(v.connections_used_percent, percent);
    assert.equal(v.blocked, 0);
    assert.equal(v.idle_in_transaction, 0);
    assert.equal(v.longest_query_seconds, 0);
    assert.ok((v.database_size as number) > 1_000_000, `database_size ${v.database_size}`);
    assert.equal(v.value, undefined, 'value belongs to the check query');
  });

  await t.test('sees a session blocked by another one holding a row lock', async () => {
    const holder = new pg.Client({ connectionString: db.url });
    const waiter = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await waiter.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('UPDATE bets SET stake = stake + 1 WHERE id = 1');
      const waiting = waiter.query('UPDATE bets SET stake = stake + 2 WHERE id = 1');
      let seen = await run(probe, { target: db.url, timeout: 5000 });
      for (let tries = 0; seen.values.blocked === 0 && tries < 50; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        seen = await run(probe, { target: db.url, timeout: 5000 });
      }
      assert.equal(seen.ok, true, seen.error);
      assert.ok((seen.values.blocked as number) >= 1, `blocked ${seen.values.blocked}`);
      assert.ok((seen.values.idle_in_transaction as number) >= 1);
      assert.ok((seen.values.longest_query_seconds as number) > 0);
      await holder.query('ROLLBACK');
      await waiting;
      const after = await run(probe, { target: db.url, timeout: 5000 });
      assert.equal(after.values.blocked, 0);
    } finally {
      await holder.end();
      await waiter.end();
    }
  });

  await t.test('cuts a hung query at the timeout and says so', async () => {
    const started = performance.now();
    const seen = await run(probe, { target: db.url, timeout: 500, query: 'SELECT pg_sleep(10)' });
    const took = performance.now() - started;
    assert.equal(seen.ok, false);
    assert.match(seen.error ?? '', /timed out after 500ms while running the query/);
    assert.ok(took < 1000, `took ${took} ms`);
    const next = await run(probe, { target: db.url, timeout: 5000, query: 'SELECT 1' });
    assert.equal(next.ok, true, next.error);
    assert.equal(next.values.value, 1);
  });

  await t.test('honours an abort from the caller', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('scheduler stopping')), 100);
    const seen = await probe.run(
      { target: db.url, timeout: 5000, query: 'SELECT pg_sleep(10)' },
      controller.signal,
    );
    assert.equal(seen.ok, false);
    assert.match(seen.error ?? '', /scheduler stopping while running the query/);
    assert.ok(seen.latency < 1000, `took ${seen.latency} ms`);
  });

  await t.test('reports a failing query with the server message', async () => {
    const seen = await run(probe, { target: db.url, timeout: 5000, query: 'SELECT * FROM no_such_table' });
    assert.equal(seen.ok, false);
    assert.match(seen.error ?? '', /query failed: relation "no_such_table" does not exist/);
  });

  await t.test('runs in a read-only session, so a check cannot change data', async () => {
    const seen = await run(probe, { target: db.url, timeout: 5000, query: 'DELETE FROM bets' });
    assert.equal(seen.ok, false);
    assert.match(seen.error ?? '', /read-only transaction/);
  });

  await t.test('shares two connections among many concurrent checks', async () => {
    const seen = await Promise.all(
      Array.from({ length: 40 }, () => run(probe, { target: db.url, timeout: 5000, query: 'SELECT 1' })),
    );
    assert.ok(seen.every((observation) => observation.ok));
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const { rows } = await admin.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'vigie'`,
      [db.name],
    );
    await admin.end();
    assert.ok(rows[0].n >= 1 && rows[0].n <= 2, `${rows[0].n} connections`);
  });
});

test('postgres probe: an unreachable server fails fast', async () => {
  const probe = postgresProbe();
  const started = performance.now();
  const seen = await run(probe, { target: 'postgres://postgres@127.0.0.1:1/x', timeout: 3000 });
  assert.equal(seen.ok, false);
  assert.match(seen.error ?? '', /cannot connect to postgres:\/\/postgres@127\.0\.0\.1:1\/x: .*ECONNREFUSED/);
  assert.ok(performance.now() - started < 1000);
  await probe.close?.();
});

test('postgres probe: the password never reaches the error', async () => {
  const probe = postgresProbe();
  const seen = await run(probe, { target: 'postgres://u:secret@127.0.0.1:1/x', timeout: 3000 });
  assert.equal(seen.ok, false);
  assert.doesNotMatch(seen.error ?? '', /secret/);
  assert.match(seen.error ?? '', /postgres:\/\/u:\*\*\*\*@127\.0\.0\.1:1\/x/);
  await probe.close?.();
});

test('maskCredentials hides passwords written in URLs, in query strings, and the known one anywhere', () => {
  assert.equal(maskCredentials('at postgres://u:p@ss@db:5432/app'), 'at postgres://u:****@db:5432/app');
  assert.equal(maskCredentials('redis://:hunter2@cache:6379 down'), 'redis://:****@cache:6379 down');
  assert.equal(
    maskCredentials('postgres://db/app?user=u&password=s3cr3t&x=1'),
    'postgres://db/app?user=u&password=****&x=1',
  );
  assert.equal(maskCredentials('auth failed with hunter22', 'redis://u:hunter22@h'), 'auth failed with ****');
  assert.equal(maskCredentials('auth failed with p@ss!', 'redis://u:p%40ss!@h'), 'auth failed with ****');
  assert.equal(maskCredentials('connect ECONNREFUSED 127.0.0.1:5432'), 'connect ECONNREFUSED 127.0.0.1:5432');
});
