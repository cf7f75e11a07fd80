/**
 * Guarded actions end to end through the API of a running Vigie, against the machine's PostgreSQL: a
 * destructive step waits for a second person's approval and for its backup step; the requester cannot
 * approve their own request; a dry run shows the blast radius and changes nothing; a hostile parameter
 * is refused; every request, approval and run lands in the timeline and in an audit log that refuses
 * to be rewritten.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import pg from 'pg';
import { request } from 'undici';
import { createToken } from '../../src/api/tokens.ts';
import { main } from '../../src/cli/main.ts';
import { startVigie } from '../../src/engine/runtime.ts';
import { Runbook } from '../../src/runbook/schema.ts';
import { scratchDir } from '../store/support.ts';
import { fireAlert } from '../support/alerts.ts';
import { freshDatabase } from '../support/services.ts';

const TENANT = '3f0c8a52-9d7e-4c1a-b0a4-6f1e2d3c4b5a';
const OTHER = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

describe('guarded actions', () => {
  it('gates a destructive step by approval and backup, and records everything', async (t) => {
    const database = await freshDatabase(t);
    if (!database) return;
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query('CREATE TABLE jobs (id serial PRIMARY KEY, tenant uuid NOT NULL)');
    await client.query(`INSERT INTO jobs (tenant) SELECT $1 FROM generate_series(1, 42)`, [TENANT]);
    await client.query(`INSERT INTO jobs (tenant) SELECT $1 FROM generate_series(1, 8)`, [OTHER]);
    const count = async (tenant: string) =>
      Number((await client.query('SELECT count(*) AS n FROM jobs WHERE tenant = $1', [tenant])).rows[0].n);

    const storePath = join(scratchDir(), 'vigie.sqlite');
    const vigie = await startVigie({
      runbook: Runbook.parse({
        name: 'Actions shop',
        services: { db: { postgres: database.url } },
        scenarios: [
          {
            id: 'queue-stuck',
            title: 'Job queue stuck',
            actions: [
              {
                id: 'backup-jobs',
                run: 'CREATE TABLE jobs_backup AS SELECT * FROM jobs',
                kind: 'sql',
                risk: 'write',
                service: 'db',
              },
              {
                id: 'purge-tenant',
                run: "DELETE FROM jobs WHERE tenant = 'TENANT'",
                kind: 'sql',
                risk: 'destructive',
                service: 'db',
                guard: { approval: true, backup: 'backup-jobs' },
                params: { TENANT: { type: 'uuid', description: 'Tenant whose jobs are dropped' } },
              },
            ],
          },
        ],
      }),
      env: {},
      storePath,
      port: 0,
    });
    t.after(async () => {
      await vigie.stop();
      await client.end();
      await database.drop();
    });
    const alice = createToken(vigie.incidents, 'responder', 'alice', Date.now()).secret;
    const bob = createToken(vigie.incidents, 'responder', 'bob', Date.now()).secret;
    const admin = createToken(vigie.incidents, 'admin', 'root', Date.now()).secret;
    fireAlert(vigie.pipeline, {
      name: 'QueueStuck',
      fingerprint: 'q',
      at: Date.now(),
      scenario: 'queue-stuck',
    });
    const incident = vigie.incidents.incidents()[0]!.id;
    const post = async (token: string, path: string, body: unknown) => {
      const response = await request(`${vigie.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return {
        status: response.statusCode,
        body: (await response.body.json()) as {
          run?: { id: number; status: string; reasons?: string[]; outcome?: { output: string } };
          error?: { code: string; message: string };
        },
      };
    };
    const purge = { scenario: 'queue-stuck', step: 'purge-tenant', incident, params: { TENANT } };

    const dry = await post(alice, '/api/v1/actions', { ...purge, dry_run: true });
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.equal(dry.body.run!.status, 'dry-run');
    assert.match(dry.body.run!.outcome!.output, /would delete 42 rows/);
    assert.equal(await count(TENANT), 42, 'a dry run changes nothing');

    const hostile = await post(alice, '/api/v1/actions', { ...purge, params: { TENANT: "' OR 1=1 --" } });
    assert.equal(hostile.status, 400);
    assert.match(hostile.body.error!.message, /TENANT/);

    const asked = await post(alice, '/api/v1/actions', purge);
    assert.equal(asked.body.run!.status, 'waiting');
    assert.match(asked.body.run!.reasons!.join(' '), /second person must approve/);
    assert.match(asked.body.run!.reasons!.join(' '), /backup-jobs/);
    const runId = asked.body.run!.id;

    const self = await post(alice, `/api/v1/actions/${runId}/approve`, {});
    assert.equal(self.status, 409, 'the requester cannot approve their own request');

    const approvedWithoutBackup = await post(bob, `/api/v1/actions/${runId}/approve`, {});
    assert.equal(approvedWithoutBackup.body.run!.status, 'waiting', 'approved, but the backup has not run');
    assert.match(approvedWithoutBackup.body.run!.reasons!.join(' '), /backup-jobs has not succeeded/);
    assert.equal(await count(TENANT), 42);

    const backup = await post(alice, '/api/v1/actions', {
      scenario: 'queue-stuck',
      step: 'backup-jobs',
      incident,
    });
    assert.equal(backup.body.run!.status, 'ok', JSON.stringify(backup.body));
    const ran = await post(bob, `/api/v1/actions/${runId}/approve`, {});
    assert.equal(ran.body.run!.status, 'ok', JSON.stringify(ran.body));
    assert.equal(await count(TENANT), 0, 'the tenant purged');
    assert.equal(await count(OTHER), 8, 'no other tenant touched');

    const kinds = vigie.incidents
      .timeline(incident)
      .filter((entry) => entry.kind === 'action')
      .map((entry) => entry.text);
    assert.ok(
      kinds.some((text) => /approved by bob: ok/.test(text)),
      kinds.join('\n'),
    );
    const audit = await request(`${vigie.url}/api/v1/audit?incident=${incident}`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    const entries = (
      (await audit.body.json()) as {
        entries: { action: string; actor: string; detail: Record<string, unknown> }[];
      }
    ).entries;
    const actions = entries.map((entry) => `${entry.actor}:${entry.action}`).reverse();
    assert.deepEqual(actions, [
      'alice:requested',
      'alice:dry-run',
      'alice:requested',
      'alice:approval-refused',
      'bob:approved',
      'alice:requested',
      'alice:ran',
      'bob:approved',
      'alice:ran',
    ]);
    assert.match(String(entries[0]!.detail.output_sha256), /^[0-9a-f]{64}$/);
    assert.equal(entries[0]!.detail.approved_by, 'bob');

    const lines: string[] = [];
    const io = { out: (text: string) => lines.push(text), err: (text: string) => lines.push(text) };
    const connection = ['--url', vigie.url, '--token', alice];
    assert.equal(
      await main(
        [
          'run',
          'queue-stuck',
          '--step',
          'purge-tenant',
          '--incident',
          incident,
          '--param',
          `TENANT=${OTHER}`,
          '--dry-run',
          ...connection,
        ],
        io,
      ),
      0,
      lines.join('\n'),
    );
    assert.match(lines.join('\n'), /would delete 8 rows/);
    lines.length = 0;
    assert.equal(await main(['postmortem', incident, ...connection], io), 0, lines.join('\n'));
    const postmortem = lines.join('\n');
    assert.match(postmortem, /purge-tenant/);
    assert.match(postmortem, /bob/, 'the approver is in the post-mortem');

    const raw = new DatabaseSync(storePath);
    assert.throws(() => raw.exec("UPDATE audit SET actor = 'mallory'"), /append-only/);
    assert.throws(() => raw.exec('DELETE FROM audit'), /append-only/);
    raw.close();
  });
});
