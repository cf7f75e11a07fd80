/**
 * Quiet times in the pipeline, on the real store with a fake clock: an alert inside a silence, a
 * maintenance window or behind a failing dependency is recorded but pages nobody, and pages once the
 * silence, window or dependency is over.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { Pipeline } from '../../src/engine/pipeline.ts';
import { Runbook } from '../../src/runbook/schema.ts';
import { openSqliteIncidentStore } from '../../src/store/incidents-sqlite.ts';
import { scratchDir } from '../store/support.ts';
import { FakeClock } from '../support/clock.ts';

const runbook = Runbook.parse(
  parse(`
name: Quiet shop
checks:
  - { id: db, probe: tcp, target: "127.0.0.1:5432" }
  - { id: api, probe: http, target: "http://127.0.0.1:1/health", depends_on: [db] }
alerts:
  - { id: db-down, check: db, when: fails, severity: SEV1 }
  - { id: api-down, check: api, when: fails, severity: SEV2 }
maintenance:
  - { id: vacuum, title: Nightly VACUUM, schedule: "0 2 * * *", duration: 30m, affects: [db] }
`),
);

function setup(start: number) {
  const clock = new FakeClock(start);
  const store = openSqliteIncidentStore(join(scratchDir(), 'quiet.sqlite'));
  const pipeline = new Pipeline({
    runbook,
    store,
    clock,
    mask: (text) => text,
    deliver: async () => ({ ok: true }),
  });
  return { clock, store, pipeline };
}

const fire = (pipeline: Pipeline, alertId: string, checkId: string) =>
  pipeline.ruleFired({ alertId, checkId, summary: `${checkId} failed`, state: {}, startedAt: 0 });

describe('quiet times', () => {
  it('holds an alert silenced by labels, and pages it once the silence is expired', (t) => {
    const { store, pipeline } = setup(Date.parse('2026-11-25T10:00:00Z'));
    t.after(() => store.close());
    const added = pipeline.addSilence(
      { matchers: ['alertname=DiskFull'], duration: '1h', comment: 'resizing the volume' },
      'alice',
    );
    assert.ok(added.ok, JSON.stringify(added));
    const bad = pipeline.addSilence({ matchers: ['alertname=='], duration: '1h', comment: 'x' }, 'alice');
    assert.ok(!bad.ok && /column/.test(bad.errors.join()), 'a bad matcher is refused with its column');
    const batch = {
      alerts: [
        {
          source: 'webhook' as const,
          fingerprint: 'disk-1',
          status: 'firing' as const,
          name: 'DiskFull',
          labels: { host: 'db1' },
          annotations: {},
          startsAt: Date.parse('2026-11-25T09:59:00Z'),
        },
      ],
      truncatedAlerts: 0,
    };
    const summary = pipeline.ingest(batch);
    assert.equal(summary.quiet, 1);
    assert.equal(store.incidents().length, 0, 'recorded but no incident');
    assert.equal(store.alert('webhook:disk-1')!.quiet!.kind, 'silence');
    assert.match(store.alert('webhook:disk-1')!.quiet!.detail, /alice.*resizing the volume/);
    assert.ok(pipeline.expireSilence(added.ok ? added.silence.id : ''));
    pipeline.requiet();
    assert.equal(store.incidents().length, 1, 'the alert pages once the silence is gone');
    pipeline.requiet();
    assert.equal(store.incidents().length, 1, 'and only once');
  });

  it("holds alerts inside the runbook's maintenance window, not after it", async (t) => {
    const { store, pipeline, clock } = setup(Date.parse('2026-11-25T02:10:00Z'));
    t.after(() => store.close());
    assert.equal(fire(pipeline, 'db-down', 'db').action, 'quiet');
    assert.equal(store.alert('rule:db-down')!.quiet!.kind, 'maintenance');
    await clock.advance(19 * 60_000);
    pipeline.requiet();
    assert.equal(store.incidents().length, 0, 'still inside 02:00–02:30');
    await clock.advance(2 * 60_000);
    pipeline.requiet();
    assert.equal(store.incidents().length, 1, 'the window closed at 02:30 and the alert still fires');
  });

  it('holds alerts inside a one-off window added at run time', async (t) => {
    const { store, pipeline, clock } = setup(Date.parse('2026-11-25T12:00:00Z'));
    t.after(() => store.close());
    const refused = pipeline.addWindow(
      { title: 'upgrade', starts_at: '2026-11-25T13:00:00Z', ends_at: '2026-11-25T12:30:00Z' },
      'ops',
    );
    assert.ok(!refused.ok && /ends before it starts/.test(refused.errors.join()));
    const added = pipeline.addWindow(
      { title: 'PostgreSQL 17 upgrade', duration: '1h', matchers: ['check=~"db|api"'] },
      'ops',
    );
    assert.ok(added.ok, JSON.stringify(added));
    assert.equal(fire(pipeline, 'db-down', 'db').action, 'quiet');
    assert.match(store.alert('rule:db-down')!.quiet!.detail, /PostgreSQL 17 upgrade/);
    await clock.advance(61 * 60_000);
    pipeline.requiet();
    assert.equal(store.incidents().length, 1);
  });

  it('holds back the alerts of what depends on a failing check', (t) => {
    const { store, pipeline } = setup(Date.parse('2026-11-25T12:00:00Z'));
    t.after(() => store.close());
    assert.equal(fire(pipeline, 'db-down', 'db').action, 'opened');
    const api = fire(pipeline, 'api-down', 'api');
    assert.equal(api.action, 'quiet');
    assert.match(store.alert('rule:api-down')!.quiet!.detail, /depends on 'db'/);
    pipeline.ruleCleared('db-down', 'db', {});
    pipeline.requiet();
    assert.equal(store.incidents().length, 2, 'the API alert pages once the database is back');
  });
});
