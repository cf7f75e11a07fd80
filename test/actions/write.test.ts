/**
 * Write mode, parameters as values and dry runs, against the machine's PostgreSQL, Redis and a real
 * shell: hostile parameters stay data, a write commits, a dry run measures and changes nothing.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { bindSql, fillUrl, shellWithParams } from '../../src/actions/bind.ts';
import { sqlBlast } from '../../src/actions/blast.ts';
import {
  createExecutors,
  type Executors,
  executorKind,
  type StepInput,
  type StepRequest,
} from '../../src/actions/index.ts';
import { freshDatabase, freshRedis, type TestDatabase, type TestRedis } from '../support/services.ts';

const INJECTION = "' OR 1=1 --";
const signal = () => new AbortController().signal;

describe('parameters bound as values (pure)', () => {
  it('binds a quoted and a bare name to the same $n, and shows literals', () => {
    const bound = bindSql("DELETE FROM t WHERE id = 'ID' OR parent = ID -- ID here", { ID: "a'b" });
    assert.deepEqual(bound, {
      text: 'DELETE FROM t WHERE id = $1 OR parent = $1 -- ID here',
      values: ["a'b"],
      shown: "DELETE FROM t WHERE id = 'a''b' OR parent = 'a''b' -- ID here",
    });
  });
  it('refuses a name inside a longer literal rather than running it as text', () => {
    assert.ok('problem' in bindSql("SELECT * FROM t WHERE name LIKE '%ID%'", { ID: 'x' }));
  });
  it('plans count probes with the same WHERE and renumbered binds', () => {
    assert.deepEqual(sqlBlast('UPDATE jobs SET state = $1 WHERE tenant = $2 RETURNING id', ['x', 't']), {
      action: 'update',
      table: 'jobs',
      text: 'SELECT count(*) FROM jobs WHERE tenant = $1',
      values: ['t'],
    });
    assert.equal(sqlBlast('DELETE FROM a USING b WHERE a.id = b.id', [])?.action, 'estimate');
  });
  it('fills the URL path and query, encoded, never the host', () => {
    assert.equal(
      fillUrl('https://ID.example/t/ID?q=ID', { ID: 'a/b?c' }),
      'https://id.example/t/a%2Fb%3Fc?q=a%2Fb%3Fc',
    );
  });
  it('reads a shell parameter from a variable inside double quotes, whatever the quoting around', () => {
    assert.deepEqual(shellWithParams(`echo ID "x ID" 'y ID' | cat`, { ID: 'v' }), {
      script: `echo "\${VIGIE_PARAM_ID}" "x \${VIGIE_PARAM_ID}" 'y '"\${VIGIE_PARAM_ID}"'' | cat`,
      env: { VIGIE_PARAM_ID: 'v' },
    });
  });
  it('runs a scan-and-delete pipeline with the redis executor', () => {
    const run = "redis-cli -u $REDIS_URL --scan --pattern 'bull:*' | xargs redis-cli -u $REDIS_URL del";
    assert.equal(executorKind({ kind: 'shell', run }), 'redis');
    assert.equal(
      executorKind({ kind: 'shell', run: 'redis-cli --scan | xargs redis-cli -n 2 del' }),
      'shell',
    );
  });
});

describe('sql write mode and dry run on PostgreSQL', () => {
  let db: TestDatabase | undefined;
  let executors: Executors;

  before(async (t) => {
    db = await freshDatabase(t as never);
    executors = createExecutors();
    if (!db) return;
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(`CREATE TABLE jobs (id text PRIMARY KEY, state text);
      INSERT INTO jobs SELECT 'j' || n, CASE WHEN n <= 42 THEN 'dead' ELSE 'ok' END FROM generate_series(1, 50) n`);
    await admin.end();
  });
  after(async () => {
    await executors?.close();
    await db?.drop();
  });

  const run = (text: string, extra: Partial<StepRequest> = {}, step: Partial<StepInput> = {}) =>
    executors.runStep(
      {
        step: { run: text, kind: 'sql', risk: 'destructive', ...step },
        services: { db: { postgres: db!.url } },
        env: {},
        secrets: [],
        timeoutMs: 5000,
        allowShell: false,
        ...extra,
      },
      signal(),
    );
  const scalar = async (sql: string): Promise<string> => {
    const client = new pg.Client({ connectionString: db!.url });
    await client.connect();
    const { rows } = await client.query(sql);
    await client.end();
    return String(Object.values(rows[0])[0]);
  };

  it("binds `' OR 1=1 --` as a value: the DELETE deletes nothing", async (t) => {
    if (!db) return t.skip('no PostgreSQL');
    const outcome = await run("DELETE FROM jobs WHERE id = 'ID'", {
      mode: 'write',
      params: { ID: INJECTION },
    });
    assert.equal(outcome.status, 'ok', outcome.error);
    assert.equal(outcome.output, 'DELETE 0');
    assert.equal(outcome.command, "DELETE FROM jobs WHERE id = ''' OR 1=1 --'");
    assert.equal(await scalar('SELECT count(*) FROM jobs'), '50');
  });

  it('commits an UPDATE in write mode', async (t) => {
    if (!db) return t.skip('no PostgreSQL');
    const outcome = await run("BEGIN; UPDATE jobs SET state = 'retry' WHERE id = ID; COMMIT;", {
      mode: 'write',
      params: { ID: 'j50' },
    });
    assert.equal(outcome.status, 'ok', outcome.error);
    assert.equal(outcome.output, 'UPDATE 1');
    assert.equal(await scalar("SELECT state FROM jobs WHERE id = 'j50'"), 'retry');
  });

  it('measures a DELETE in a dry run and deletes nothing', async (t) => {
    if (!db) return t.skip('no PostgreSQL');
    const outcome = await run('DELETE FROM jobs WHERE state = STATE', {
      dryRun: true,
      params: { STATE: 'dead' },
    });
    assert.equal(outcome.status, 'dry-run', outcome.error ?? outcome.reason);
    assert.match(outcome.output, /DELETE FROM jobs WHERE state = 'dead';\nwould delete 42 rows from jobs/);
    assert.equal(await scalar('SELECT count(*) FROM jobs'), '50');
  });

  it('lists the sessions pg_terminate_backend would end, and ends none', async (t) => {
    if (!db) return t.skip('no PostgreSQL');
    const other = new pg.Client({ connectionString: db.url, application_name: 'victim' });
    await other.connect();
    try {
      const pid = await other.query('SELECT pg_backend_pid() AS pid').then((r) => String(r.rows[0].pid));
      const outcome = await run(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'APP'",
        { dryRun: true, params: { APP: 'victim' } },
      );
      assert.equal(outcome.status, 'dry-run', outcome.error ?? outcome.reason);
      assert.match(outcome.output, /would terminate 1 session:\n/);
      assert.match(outcome.output, new RegExp(`\\b${pid}\\b`));
      assert.equal((await other.query('SELECT 1 AS one')).rows[0].one, 1);
    } finally {
      await other.end();
    }
  });

  it('still refuses a write step in read mode, as before', async (t) => {
    if (!db) return t.skip('no PostgreSQL');
    const outcome = await run('DELETE FROM jobs', {}, { risk: 'write' });
    assert.equal(outcome.status, 'refused');
    assert.match(outcome.reason ?? '', /only read steps run automatically/);
    const labelled = await run("DELETE FROM jobs WHERE id = 'j1'", {}, { risk: 'read' });
    assert.equal(labelled.status, 'failed');
    assert.match(labelled.output, /read-only transaction/);
    assert.equal(await scalar('SELECT count(*) FROM jobs'), '50');
  });
});

describe('redis write mode and dry run on Redis', () => {
  let redis: TestRedis | undefined;
  let client: Redis;
  let executors: Executors;

  before(async (t) => {
    redis = await freshRedis(t as never);
    executors = createExecutors();
    if (!redis) return;
    client = new Redis(redis.url);
    for (let n = 0; n < 1204; n++) await client.set(`${redis.prefix}bull:${n}`, 'x');
    await client.set(`${redis.prefix}keep`, 'x');
  });
  after(async () => {
    await executors?.close();
    client?.disconnect();
    await redis?.clean();
  });

  const run = (text: string, extra: Partial<StepRequest> = {}, step: Partial<StepInput> = {}) =>
    executors.runStep(
      {
        step: { run: text, kind: 'shell', risk: 'destructive', ...step },
        services: { cache: { redis: redis!.url } },
        env: { REDIS_URL: redis!.url },
        secrets: [],
        timeoutMs: 5000,
        allowShell: true,
        ...extra,
      },
      signal(),
    );

  it('sets a key whose name holds a newline as one key', async (t) => {
    if (!redis) return t.skip('no Redis');
    const key = `${redis.prefix}a\r\nFLUSHALL\r\n`;
    const outcome = await run(
      'redis-cli SET KEY v',
      { mode: 'write', params: { KEY: key } },
      { risk: 'write' },
    );
    assert.equal(outcome.status, 'ok', outcome.error ?? outcome.reason);
    assert.equal(await client.get(key), 'v');
    assert.equal(await client.exists(`${redis.prefix}keep`), 1);
  });

  it('counts the keys a scan-and-delete pipeline matches, and deletes none', async (t) => {
    if (!redis) return t.skip('no Redis');
    const text = 'redis-cli -u $REDIS_URL --scan --pattern PATTERN | xargs redis-cli -u $REDIS_URL del';
    const params = { PATTERN: `${redis.prefix}bull:*` };
    const outcome = await run(text, { dryRun: true, params });
    assert.equal(outcome.status, 'dry-run', outcome.error ?? outcome.reason);
    assert.equal(outcome.kind, 'redis');
    assert.match(outcome.output, new RegExp(`would delete 1,204 keys matching ${redis.prefix}bull:\\*`));
    assert.equal(await client.exists(`${redis.prefix}bull:0`), 1);

    const refused = await run(text, { params }, { risk: 'read' });
    assert.equal(refused.status, 'refused');
    assert.match(refused.reason ?? '', /DEL is not a read command/);

    const flushed = await run(text, { mode: 'write', params });
    assert.equal(flushed.status, 'ok', flushed.error ?? flushed.reason);
    assert.equal(flushed.output, '(integer) 1204\n');
    assert.equal(await client.exists(`${redis.prefix}bull:0`), 0);
    assert.equal(await client.exists(`${redis.prefix}keep`), 1);
  });

  it('counts the keys of a DEL that exist in a dry run', async (t) => {
    if (!redis) return t.skip('no Redis');
    const outcome = await run(`redis-cli DEL ${redis.prefix}keep ${redis.prefix}nothing`, { dryRun: true });
    assert.equal(outcome.status, 'dry-run', outcome.error ?? outcome.reason);
    assert.match(outcome.output, /would delete 1 of the 2 keys named/);
    assert.equal(await client.exists(`${redis.prefix}keep`), 1);
  });
});

describe('shell parameters on a real shell', () => {
  let executors: Executors;
  let dir = '';

  before(() => {
    executors = createExecutors();
    dir = mkdtempSync(join(tmpdir(), 'vigie-write-'));
    writeFileSync(join(dir, 'canary'), 'alive');
  });
  after(async () => {
    await executors.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const hostile = () => `; rm -rf ${dir}/canary; echo pwned $(touch ${dir}/touched)\nx`;
  const run = (text: string, extra: Partial<StepRequest> = {}) =>
    executors.runStep(
      {
        step: { run: text, kind: 'shell', risk: 'write' },
        services: {},
        env: {},
        secrets: [],
        timeoutMs: 5000,
        allowShell: true,
        mode: 'write',
        ...extra,
      },
      signal(),
    );

  it('passes `; rm -rf …` to the program as one literal argv element', async () => {
    const script = 'console.log(JSON.stringify(process.argv.slice(1)))';
    const outcome = await run(`${process.execPath} -e '${script}' -- --tenant=PARAM PARAM`, {
      params: { PARAM: hostile() },
    });
    assert.equal(outcome.status, 'ok', outcome.error ?? outcome.reason);
    assert.deepEqual(JSON.parse(outcome.output), [`--tenant=${hostile()}`, hostile()]);
    assert.ok(existsSync(join(dir, 'canary')));
    assert.ok(!existsSync(join(dir, 'touched')));
  });

  it('passes a parameter into a /bin/sh pipeline as a variable, one word, not code', async () => {
    const outcome = await run("printf '%s\\n' PARAM | wc -l", { params: { PARAM: hostile() } });
    assert.equal(outcome.status, 'ok', outcome.error ?? outcome.reason);
    // The value holds one newline, so printf prints two lines: one argument, not split, not run.
    assert.equal(outcome.output.trim(), '2');
    assert.ok(existsSync(join(dir, 'canary')));
    assert.ok(!existsSync(join(dir, 'touched')));
  });

  it('shows the argv of a dry run and starts nothing', async () => {
    const outcome = await run(`rm ${dir}/canary`, { dryRun: true });
    assert.equal(outcome.status, 'dry-run');
    assert.equal(outcome.output, `would run: rm ${dir}/canary\n`);
    assert.ok(existsSync(join(dir, 'canary')));
  });
});
