/**
 * `vigie check` end to end on loopback: the imported real runbooks run with their services pointed
 * at local stand-ins, bad conditions are placed, a hanging target is cut and stalls nothing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { checkOnce } from '../../src/engine/check-once.ts';
import { compileChecks } from '../../src/engine/compile.ts';
import { importMarkdown } from '../../src/runbook/import/index.ts';
import { loadRunbook } from '../../src/runbook/load.ts';
import { Runbook } from '../../src/runbook/schema.ts';
import { freshDatabase, freshRedis } from '../support/services.ts';

const fixture = (name: string) =>
  importMarkdown(readFileSync(new URL(`../fixtures/runbooks/${name}`, import.meta.url))).runbook;

let server: Server;
let base: string;
let ready: Record<string, unknown> = {};

before(async () => {
  server = createServer((request, response) => {
    if (request.url === '/hang') return; // never answers
    const body =
      request.url === '/health/ready'
        ? ready
        : request.url === '/health'
          ? { status: 'healthy' }
          : request.url === '/healthz'
            ? { ok: true }
            : undefined;
    response.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body ?? { error: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

describe('checkOnce', () => {
  it('runs the Paris Sportif runbook against stand-ins; /health/ready explains the dependency that is down', async (t) => {
    const redis = await freshRedis(t);
    if (!redis) return;
    ready = { status: 'ready', database: true, redis: true, football_api: true, llm_api: false };
    const env = { PARIS_SPORTIF_API_URL: base, REDIS_URL: redis.url };
    const { errors, results } = await checkOnce(fixture('000_4aa57bcdda26359e.txt'), env);
    await redis.clean();
    assert.deepEqual(errors, []);
    const byId = new Map(results.map((result) => [result.id, result]));
    assert.equal(byId.get('paris-sportif-api-health')?.ok, true);
    assert.equal(byId.get('redis-ping')?.ok, true);
    const readyCheck = byId.get('paris-sportif-api-health-ready')!;
    assert.equal(readyCheck.ok, false);
    assert.deepEqual(readyCheck.failures, ['body.llm_api (false) == true']);
  });

  it('runs the Vectra runbook: PostgreSQL, the Celery queue, the disk and the API', async (t) => {
    const db = await freshDatabase(t);
    if (!db) return;
    const redis = await freshRedis(t);
    if (!redis) return;
    try {
      const env = { API_VECTRA_URL: base, DATABASE_URL: db.url, REDIS_URL: redis.url };
      const { results } = await checkOnce(fixture('001_30b92af8b0b53331.txt'), env);
      const outcome = Object.fromEntries(results.map((result) => [result.id, [result.ok, result.failures]]));
      assert.deepEqual(outcome['api-vectra-health'], [true, []]);
      assert.deepEqual(outcome['db-query'], [true, []]);
      assert.deepEqual(outcome['queue-celery'], [true, []]);
      assert.equal(results.find((result) => result.id === 'disk')?.ok, true);
    } finally {
      await redis.clean();
      await db.drop();
    }
  });

  it('runs the football club runbook: local API, pg_isready, redis ping, RQ queues, MinIO and a certificate', async (t) => {
    const db = await freshDatabase(t);
    if (!db) return;
    const redis = await freshRedis(t);
    if (!redis) return;
    try {
      const env = { LOCAL_8000_URL: base, LOCAL_9000_URL: base, DATABASE_URL: db.url, REDIS_URL: redis.url };
      const { results } = await checkOnce(fixture('002_e461e3d85802dcad.txt'), env);
      const outcome = Object.fromEntries(results.map((result) => [result.id, result]));
      for (const id of [
        'local-8000-healthz',
        'db-ready',
        'redis-ping',
        'queue-rq-queue-default',
        'queue-rq-queue-video',
      ]) {
        assert.equal(outcome[id]?.ok, true, `${id}: ${outcome[id]?.failures}`);
      }
      assert.deepEqual(outcome['local-9000-minio-health-live']?.failures, ['status (404) == 200']);
      // The certificate's host does not resolve here: a clear failure, not a crash.
      assert.equal(outcome['tls-football-club-platform-com']?.ok, false);
      assert.match(outcome['tls-football-club-platform-com']!.failures[0]!, /football_club_platform\.com/);
    } finally {
      await redis.clean();
      await db.drop();
    }
  });

  it('runs the Sylion runbook: both health endpoints, Redis, PostgreSQL and the disk', async (t) => {
    const db = await freshDatabase(t);
    if (!db) return;
    const redis = await freshRedis(t);
    if (!redis) return;
    try {
      const env = { API_SYLION_URL: base, LOCAL_8000_URL: base, DATABASE_URL: db.url, REDIS_URL: redis.url };
      const { results } = await checkOnce(fixture('003_b5e6c50738bde8b2.txt'), env);
      assert.deepEqual(
        results.map((result) => [result.id, result.ok]),
        [
          ['api-sylion-health', true],
          ['local-8000-health', true],
          ['redis-ping', true],
          ['db-ready', true],
          ['disk', true],
        ],
      );
    } finally {
      await redis.clean();
      await db.drop();
    }
  });

  it('runs the Poker runbook: its monitoring scripts are absent here, and each check says so', async () => {
    const { results } = await checkOnce(fixture('004_5e8796ab6fc91568.txt'), {
      DATABASE_URL: 'postgres://x',
    });
    assert.deepEqual(
      results.map((result) => result.id),
      ['data-freshness', 'endpoint-checks', 'anomaly-detection'],
    );
    for (const result of results) {
      assert.equal(result.ok, false);
      // Either python is missing or the script is: both are explained, neither is a crash.
      assert.match(result.failures[0]!, /cannot start python|exit_code \(\d+\) == 0/);
    }
  });

  it('reports a check whose variable is missing instead of running it', async () => {
    const { results } = await checkOnce(fixture('001_30b92af8b0b53331.txt'), {}, { only: ['db-query'] });
    assert.equal(results[0]?.ok, false);
    assert.match(results[0]!.failures[0]!, /not run: environment variable DATABASE_URL is not set/);
  });

  it('cuts a hanging target at its timeout and lets the other checks finish', async () => {
    const loaded = loadRunbook(
      [
        'name: t',
        'checks:',
        `  - { id: hangs, probe: http, target: "${base}/hang", timeout: 500ms }`,
        `  - { id: fine, probe: http, target: "${base}/healthz", expect: ["body.ok == true"] }`,
        '  - { id: refused, probe: tcp, target: "127.0.0.1:1", timeout: 2s }',
      ].join('\n'),
    );
    assert.ok(loaded.ok);
    const { results } = await checkOnce(loaded.runbook, {}, { concurrency: 1 });
    const [hangs, fine, refused] = results;
    assert.equal(hangs?.ok, false);
    assert.equal(hangs?.timedOut, true);
    assert.match(hangs!.failures[0]!, /timed out after 500ms/);
    assert.equal(fine?.ok, true, 'the check after a hanging one still runs');
    assert.equal(refused?.ok, false);
    assert.match(refused!.failures[0]!, /ECONNREFUSED/);
  });

  it('places a condition error by path and column (an imported runbook skips the loader)', () => {
    const runbook = Runbook.parse({
      name: 't',
      checks: [{ id: 'a', probe: 'http', target: 'http://x', expect: ['status == 200', 'status === 200'] }],
    });
    const { errors } = compileChecks(runbook);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.path, 'checks[0].expect[1]');
    assert.equal(errors[0]!.column, 8);
    assert.match(errors[0]!.message, /did you mean '=='/);
  });
});
