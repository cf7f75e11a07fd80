/**
 * Hostile parameters, the way a responder would send them, through the API of a running Vigie to a
 * real PostgreSQL, Redis and shell: `; rm -rf /`, `' OR 1=1 --` and `$(touch …)` arrive as data — the
 * row, the key's value and the program's argument hold them exactly and nothing else happens — and a
 * newline is refused before anything runs.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { request } from 'undici';
import { createToken } from '../../src/api/tokens.ts';
import { startVigie } from '../../src/engine/runtime.ts';
import { Runbook } from '../../src/runbook/schema.ts';
import { scratchDir } from '../store/support.ts';
import { freshDatabase, freshRedis } from '../support/services.ts';

describe('hostile parameters on PostgreSQL, Redis and a shell', () => {
  it('stay data, or are refused when they would change a line', async (t) => {
    const database = await freshDatabase(t);
    const redis = await freshRedis(t);
    if (!database || !redis) return;
    const dir = scratchDir();
    const canary = join(dir, 'canary');
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    await db.query('CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)');
    const cache = new Redis(redis.url, { lazyConnect: true });
    await cache.connect();
    const vigie = await startVigie({
      runbook: Runbook.parse({
        name: 'Injection',
        services: { db: { postgres: database.url }, cache: { redis: redis.url } },
        scenarios: [
          {
            id: 'note',
            title: 'Write a note everywhere',
            actions: [
              {
                id: 'sql',
                run: "INSERT INTO notes (body) VALUES ('BODY')",
                kind: 'sql',
                risk: 'write',
                service: 'db',
                params: { BODY: { type: 'text' } },
              },
              {
                id: 'redis',
                run: `SET ${redis.prefix}note BODY`,
                kind: 'redis',
                risk: 'write',
                service: 'cache',
                params: { BODY: { type: 'text' } },
              },
              {
                id: 'shell',
                run: "printf '[%s]' BODY",
                kind: 'shell',
                risk: 'write',
                params: { BODY: { type: 'text' } },
              },
            ],
          },
        ],
      }),
      env: {},
      storePath: join(dir, 'vigie.sqlite'),
      port: 0,
    });
    t.after(async () => {
      await vigie.stop();
      await db.end();
      cache.disconnect();
      await redis.clean();
      await database.drop();
    });
    const token = createToken(vigie.incidents, 'responder', 'alice', Date.now()).secret;
    const ask = async (step: string, body: string) => {
      const response = await request(`${vigie.url}/api/v1/actions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ scenario: 'note', step, params: { BODY: body } }),
      });
      return {
        status: response.statusCode,
        body: (await response.body.json()) as {
          run?: { status: string; outcome?: { output: string; error?: string } };
          error?: { message: string };
        },
      };
    };

    const inert = ['; rm -rf /', "' OR 1=1 --", `$(touch ${canary})`, `x'; DROP TABLE notes; --`];
    for (const [n, hostile] of inert.entries()) {
      const sql = await ask('sql', hostile);
      assert.equal(sql.body.run?.status, 'ok', JSON.stringify(sql.body));
      const rows = (await db.query('SELECT body FROM notes ORDER BY id')).rows.map((row) => row.body);
      assert.equal(rows.length, n + 1, 'one row per request, the table intact');
      assert.equal(rows.at(-1), hostile, 'the row holds the text exactly');

      const set = await ask('redis', hostile);
      assert.equal(set.body.run?.status, 'ok', JSON.stringify(set.body));
      assert.equal(await cache.get(`${redis.prefix}note`), hostile);

      const shell = await ask('shell', hostile);
      assert.equal(shell.body.run?.status, 'ok', JSON.stringify(shell.body));
      assert.equal(shell.body.run?.outcome?.output, `[${hostile}]`, 'one argument, printed as given');
    }
    assert.ok(!existsSync(canary), 'no command substitution ran');

    for (const step of ['sql', 'redis', 'shell']) {
      const refused = await ask(step, 'one\nFLUSHALL');
      assert.equal(refused.status, 400, `${step}: ${JSON.stringify(refused.body)}`);
      assert.match(refused.body.error!.message, /BODY: .*newline/);
    }
    assert.equal((await db.query('SELECT count(*)::int AS n FROM notes')).rows[0].n, inert.length);
    assert.equal(
      await cache.get(`${redis.prefix}note`),
      inert.at(-1),
      'the refused value never reached Redis',
    );
  });
});
