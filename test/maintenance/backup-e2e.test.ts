/**
 * The acceptance run of issue #6's maintenance jobs, on the real clock through `startVigie`: two
 * nightly-style backups scheduled for the next whole minute. One is a pg_dump of a fresh database on
 * the machine's PostgreSQL, and must leave the dump file, recorded ok, inside the window it opened.
 * The other dumps a private PostgreSQL that checks passwords, with a wrong one: it must fail, open an
 * incident and page a webhook — with the due time and the error, and never the password. Then the
 * same tasks through the API and `vigie maintenance`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { createToken } from '../../src/api/tokens.ts';
import { main } from '../../src/cli/main.ts';
import { startVigie } from '../../src/engine/runtime.ts';
import { scratchDir } from '../store/support.ts';
import { startPrivatePostgres } from '../support/private-postgres.ts';
import { startWebhookReceiver, waitFor } from '../support/receivers.ts';
import { freshDatabase } from '../support/services.ts';
import { runbookOf } from './harness.ts';

/** nextMinute gives the next whole minute at least a few seconds away, so Vigie is up before it. */
function nextMinute(now: number): number {
  const due = Math.ceil((now + 1) / 60_000) * 60_000;
  return due - now < 5000 ? due + 60_000 : due;
}

async function seed(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('maintenance backups on the real clock', () => {
  it('dump the shop at the next minute, and page when the legacy dump fails on a bad password', async (t) => {
    const shop = await freshDatabase(t);
    if (!shop) return;
    t.after(() => shop.drop());
    await seed(
      shop.url,
      'CREATE TABLE orders_kept_by_backup (id int PRIMARY KEY); INSERT INTO orders_kept_by_backup VALUES (42)',
    );
    const legacy = await startPrivatePostgres(t);
    if (!legacy) return;
    await seed(legacy.url(), 'CREATE DATABASE legacy');
    await seed(legacy.url('legacy'), 'CREATE TABLE invoices (id int)');
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    await assert.rejects(seed(legacy.url('legacy', wrong), 'SELECT 1'), /password authentication failed/);

    const hook = await startWebhookReceiver();
    t.after(() => hook.close());
    const dir = scratchDir();
    const due = nextMinute(Date.now());
    const at = new Date(due);
    const schedule = `${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
    const vigie = await startVigie({
      runbook: runbookOf(`
name: Backups
services:
  shop: { postgres: "\${SHOP_DB}" }
  legacy: { postgres: "\${LEGACY_DB}" }
checks:
  - { id: shop-db, probe: postgres, target: "\${services.shop.postgres}", every: 30s }
alerts:
  - { id: shop-db-down, check: shop-db, when: "fails 3 times", severity: SEV2 }
channels:
  hook: { type: webhook, url: "${hook.url}" }
contacts:
  - { id: ops, name: Ops on call, channels: [hook] }
escalation:
  default:
    - { after: 0s, notify: [ops] }
maintenance:
  - id: shop-backup
    title: Shop database backup
    schedule: "${schedule}"
    duration: 10m
    affects: [shop-db]
    steps:
      - { id: dump, run: 'pg_dump --dbname "$SHOP_DB" --file "$BACKUP_DIR/shop.sql"', kind: shell, risk: write, timeout: 2m }
  - id: legacy-backup
    title: Legacy database backup
    schedule: "${schedule}"
    steps:
      - { id: dump, run: 'pg_dump --dbname "$LEGACY_DB" --file "$BACKUP_DIR/legacy.sql"', kind: shell, risk: write, timeout: 2m }
`),
      env: { SHOP_DB: shop.url, LEGACY_DB: legacy.url('legacy', wrong), BACKUP_DIR: dir },
      storePath: join(dir, 'vigie.sqlite'),
      port: 0,
    });
    t.after(() => vigie.stop());
    const { secret: token } = createToken(vigie.incidents, 'responder', 'e2e', Date.now());
    assert.deepEqual(
      vigie.maintenance.tasks().map((task) => [task.task.id, task.nextDueAt, task.runs.length]),
      [
        ['shop-backup', due, 0],
        ['legacy-backup', due, 0],
      ],
    );

    const finished = (task: string) =>
      vigie.incidents.maintenance.runs({ task }).find((run) => run.status !== 'running');
    await waitFor(
      () => finished('shop-backup') !== undefined && finished('legacy-backup') !== undefined,
      90_000,
    );

    const backup = finished('shop-backup')!;
    assert.equal(backup.status, 'ok', backup.error);
    assert.equal(backup.dueAt, due);
    assert.equal(backup.trigger, 'schedule');
    assert.ok(backup.startedAt! >= due, 'not before its time');
    assert.match(readFileSync(join(dir, 'shop.sql'), 'utf8'), /CREATE TABLE public\.orders_kept_by_backup/);
    const window = vigie.incidents.windows().find((candidate) => candidate.id === backup.windowId);
    assert.ok(window, 'the backup opened a window');
    assert.equal(window.startsAt, backup.startedAt, 'opened as the run started');
    assert.ok(window.endsAt >= backup.finishedAt!, 'held through the run');
    assert.ok(window.endsAt < window.startsAt + 10 * 60_000, 'and ended with it, before its 10m were up');
    assert.deepEqual(window.matchers, ['alert=~"shop-db-down"']);

    const failed = finished('legacy-backup')!;
    assert.equal(failed.status, 'failed');
    const quiet = vigie.incidents.windows().find((candidate) => candidate.id === failed.windowId);
    assert.deepEqual(quiet?.matchers, ['maintenance=""'], 'without affects: every alert but its own');
    assert.ok(
      quiet.endsAt >= failed.finishedAt! && quiet.endsAt < failed.finishedAt! + 60_000,
      'ended with the run',
    );
    assert.equal(failed.dueAt, due);
    assert.match(
      failed.error ?? '',
      /step dump \(shell\) failed: exit code 1: .*password authentication failed for user "postgres"/,
    );
    const incident = vigie.incidents
      .incidents()
      .find((candidate) => candidate.title.includes('legacy-backup'));
    assert.ok(incident, 'the failure opened an incident');
    assert.match(
      incident.title,
      new RegExp(`^maintenance legacy-backup failed \\(due ${at.toISOString().replace(/\./g, '\\.')}\\)`),
    );
    await waitFor(() => hook.received.length > 0, 15_000);
    const page = hook.received[0]!.raw;
    assert.match(page, /maintenance legacy-backup failed/);
    assert.match(page, /password authentication failed/);
    const everything = JSON.stringify([
      page,
      vigie.incidents.maintenance.runs(),
      vigie.incidents.incidents(),
      vigie.incidents.alerts(),
      vigie.incidents.audit(),
    ]);
    assert.equal(everything.includes(wrong), false, 'the wrong password is never shown');
    assert.equal(everything.includes(legacy.password), false, 'nor any password');

    // The same tasks through `vigie maintenance`: the list, then the shop backup run by hand.
    const out: string[] = [];
    const io = { out: (text: string) => out.push(text), err: (text: string) => out.push(text) };
    assert.equal(await main(['maintenance', 'list', '--url', vigie.url, '--token', token], io), 0);
    const listing = out.join('\n');
    assert.match(listing, /shop-backup\s+\S+ \S+ \* \* \* UTC\s+\S+\s+ok /);
    assert.match(listing, /legacy-backup .*failed /);
    out.length = 0;
    assert.equal(
      await main(['maintenance', 'run', 'shop-backup', '--url', vigie.url, '--token', token], io),
      0,
    );
    assert.match(
      out.join('\n'),
      /^run \d+: shop-backup \(manual by e2e, due .*\) — ok\n {2}step dump \(shell\): ok in/,
    );
    out.length = 0;
    assert.equal(
      await main(['maintenance', 'run', 'legacy-backup', '--url', vigie.url, '--token', token], io),
      1,
    );
    assert.match(out.join('\n'), /legacy-backup \(manual.*\) — failed[\s\S]*password authentication failed/);
    assert.equal(out.join('\n').includes(wrong), false);
  });
});
