/**
 * Maintenance tasks on a fake clock, with the real store, pipeline and executors: a pg_dump backup
 * runs at its cron time inside its window and is recorded; a failure, a refusal and a missed run
 * each raise an alert through the incident pipeline; a destructive step runs only under a standing
 * approval; a due time fires once, across a clean restart and across a crash.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { alertKey } from '../../src/maintenance/alert.ts';
import { scratchDir } from '../store/support.ts';
import { waitFor } from '../support/receivers.ts';
import { freshDatabase } from '../support/services.ts';
import { at, runbookOf, startHarness } from './harness.ts';

/** A task that leaves a trace of each run: a line appended to `$DIR/ran`. */
const tracing = (extra = '') => `
name: Traced
maintenance:
  - id: trace
    title: Leave a trace
    schedule: "0 2 * * *"
    grace: 5m
    steps:
      - { id: mark, run: "sh -c 'echo ran >> \\"$DIR/ran\\"'", kind: shell, risk: write }
${extra}`;

const lines = (file: string): number =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line !== '').length
    : 0;

describe('a pg_dump backup on its schedule', () => {
  it('runs at its cron time inside a window over the checks it affects, ended with the run', async (t) => {
    const db = await freshDatabase(t);
    if (!db) return;
    t.after(() => db.drop());
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query('CREATE TABLE tournaments_to_keep (id int PRIMARY KEY, name text)');
    await admin.query("INSERT INTO tournaments_to_keep VALUES (1, 'Spring Cup')");
    await admin.end();
    const dir = scratchDir();
    const h = startHarness(t, {
      dir,
      start: at(15, 1, 59, 30),
      env: { DB_URL: db.url, BACKUP_DIR: dir },
      runbook: runbookOf(`
name: Shop
services:
  db: { postgres: "\${DB_URL}" }
checks:
  - { id: db-up, probe: postgres, target: "\${services.db.postgres}" }
alerts:
  - { id: db-down, check: db-up, when: "fails 3 times", severity: SEV2 }
maintenance:
  - id: db-backup
    title: Nightly database backup
    schedule: "0 2 * * *"
    duration: 15m
    affects: [db-up]
    steps:
      - { id: dump, run: 'pg_dump --dbname "$DB_URL" --file "$BACKUP_DIR/shop.sql"', kind: shell, risk: write, timeout: 2m }
      - { id: hold, run: "sh -c 'until [ -e \\"$BACKUP_DIR/go\\" ]; do sleep 0.05; done'", kind: shell, risk: write, timeout: 1m }
`),
    });
    assert.equal(h.scheduler.task('db-backup')?.nextDueAt, at(15, 2, 0));
    await h.clock.advance(29_000);
    assert.equal(h.runs('db-backup').length, 0, 'nothing runs before its time');

    await h.clock.advance(1_000);
    // The dump is done; the second step holds the run open until the test lets it go.
    await waitFor(() => h.runs('db-backup')[0]?.steps.length === 1, 30_000);
    const running = h.runs('db-backup')[0]!;
    assert.equal(running.status, 'running');
    assert.equal(running.dueAt, at(15, 2, 0));
    const window = () => h.store.windows().find((candidate) => candidate.id === running.windowId);
    assert.deepEqual(
      [window()?.startsAt, window()?.endsAt, window()?.matchers],
      [at(15, 2, 0), at(15, 2, 15), ['alert=~"db-down"']],
      'a window over the alerts of the affected check, as long as the task says',
    );
    const held = h.pipeline.ruleFired({
      alertId: 'db-down',
      checkId: 'db-up',
      summary: 'db-up failed 3 times: the backup holds a lock',
      state: {},
      startedAt: at(15, 2, 0),
    });
    assert.equal(held.action, 'quiet', 'an alert the task affects pages nobody during the run');

    writeFileSync(join(dir, 'go'), '');
    const [run] = await h.settled('db-backup');
    assert.equal(run?.status, 'ok', run?.error);
    assert.equal(run.trigger, 'schedule');
    assert.deepEqual(
      run.steps.map((step) => [step.step, step.status]),
      [
        ['dump', 'ok'],
        ['hold', 'ok'],
      ],
    );
    const dump = readFileSync(join(dir, 'shop.sql'), 'utf8');
    assert.match(dump, /CREATE TABLE public\.tournaments_to_keep/);
    assert.match(dump, /Spring Cup/);

    assert.equal(window()?.endsAt, run.finishedAt, 'the window ends with the run');
    assert.equal(h.store.incidents().length, 0, 'nothing paged while the run went on');
    assert.equal(h.scheduler.task('db-backup')?.nextDueAt, at(16, 2, 0));
  });
});

describe('the window of a run', () => {
  it('holds the alerts of the checks it affects while the run goes on, and lets them page when it ends', async (t) => {
    const dir = scratchDir();
    const h = startHarness(t, {
      dir,
      start: at(15, 10, 0),
      env: { DIR: dir },
      runbook: runbookOf(`
name: Search
checks:
  - { id: search-up, probe: http, target: "http://127.0.0.1:1/health" }
alerts:
  - { id: search-down, check: search-up, when: "fails 3 times", severity: SEV2 }
maintenance:
  - id: reindex
    title: Rebuild the search index
    affects: [search-up]
    steps:
      - { id: rebuild, run: "sh -c 'until [ -e \\"$DIR/go\\" ]; do sleep 0.05; done'", kind: shell, risk: write, timeout: 1m }
`),
    });
    const started = h.scheduler.runNow('reindex', 'alice');
    const window = () => h.store.windows().find((candidate) => candidate.id === started.run.windowId);
    assert.deepEqual(
      [window()?.startsAt, window()?.endsAt, window()?.matchers],
      [at(15, 10, 0), at(15, 10, 1, 5), ['alert=~"search-down"']],
      'without a duration, open for as long as the run can last (its step limit and slack)',
    );
    const held = h.pipeline.ruleFired({
      alertId: 'search-down',
      checkId: 'search-up',
      summary: 'search-up failed 3 times: index rebuilding',
      state: {},
      startedAt: at(15, 10, 0),
    });
    assert.equal(held.action, 'quiet');

    await h.clock.advance(20_000);
    writeFileSync(join(dir, 'go'), '');
    const run = await started.done;
    assert.equal(run.status, 'ok', run.error);
    assert.equal(window()?.endsAt, at(15, 10, 0, 20), 'ended when the run ended');
    h.pipeline.requiet();
    const [incident] = h.store.incidents();
    assert.ok(incident, 'the held alert pages now');
    assert.equal(h.store.alert('rule:search-down')?.incidentId, incident.id);
  });
});

describe('trouble raises an alert through the incident pipeline', () => {
  it('a failed step stops the run, and the alert names the task, the due time and the error', async (t) => {
    const dir = scratchDir();
    const h = startHarness(t, {
      dir,
      start: at(15, 1, 59),
      env: { DIR: dir },
      runbook: runbookOf(`
name: Files
maintenance:
  - id: archive
    title: Archive yesterday's exports
    schedule: "0 2 * * *"
    steps:
      - { id: list, run: 'ls "$DIR/exports"', kind: shell, risk: read }
      - { id: mark, run: 'touch "$DIR/archived"', kind: shell, risk: write }
`),
    });
    await h.clock.advance(60_000);
    const [run] = await h.settled('archive');
    assert.equal(run?.status, 'failed');
    assert.deepEqual(
      run.steps.map((step) => step.status),
      ['failed'],
      'the step after a failure does not run',
    );
    assert.equal(existsSync(join(dir, 'archived')), false);
    assert.match(run.error ?? '', /step list \(shell\) failed: exit code 2: .*No such file or directory/);

    const [incident] = h.store.incidents();
    assert.ok(incident, 'an incident opened');
    assert.equal(incident.status, 'triggered');
    assert.match(incident.title, /^maintenance archive failed \(due 2025-01-15T02:00:00\.000Z\): step list/);
    assert.match(incident.title, /No such file or directory/);
    assert.equal(h.store.alert(alertKey('archive'))?.status, 'firing');

    // The exports appear; a person runs the task again: it succeeds, the alert clears, the incident resolves.
    writeFileSync(join(dir, 'exports'), '');
    const again = await h.scheduler.runNow('archive', 'alice').done;
    assert.equal(again.status, 'ok', again.error);
    assert.equal(again.trigger, 'manual');
    assert.equal(existsSync(join(dir, 'archived')), true);
    assert.equal(h.store.alert(alertKey('archive'))?.status, 'resolved');
    assert.equal(h.store.incident(incident.id)?.status, 'resolved');
    const audit = h.store.audit().map((entry) => [entry.actor, entry.action]);
    assert.deepEqual(audit.slice(0, 2), [
      ['vigie', 'maintenance-ran'],
      ['alice', 'maintenance-requested'],
    ]);
  });

  it('a step that says on_failure: continue does not stop the run, which ends ok with notes', async (t) => {
    const dir = scratchDir();
    const h = startHarness(t, {
      dir,
      start: at(15, 3, 0),
      env: { DIR: dir },
      runbook: runbookOf(`
name: Files
maintenance:
  - id: rotate
    title: Rotate logs
    steps:
      - { id: prune, run: 'ls "$DIR/old-logs"', kind: shell, risk: write, on_failure: continue }
      - { id: mark, run: 'touch "$DIR/rotated"', kind: shell, risk: write }
      - { id: look, run: "Dashboard → Logs: check that today's file is there", kind: manual, risk: read }
`),
    });
    const run = await h.scheduler.runNow('rotate', 'alice').done;
    assert.equal(run.status, 'ok');
    assert.deepEqual(
      run.steps.map((step) => step.status),
      ['failed', 'ok', 'skipped'],
    );
    assert.equal(existsSync(join(dir, 'rotated')), true);
    assert.match(run.error ?? '', /went on past \(on_failure: continue\): step prune/);
    assert.match(run.error ?? '', /not run, left to a person: step look \(for a person: Dashboard → Logs/);
    assert.equal(h.store.incidents().length, 0);
  });

  it('a step is stopped at its timeout, and the run fails saying so', async (t) => {
    const dir = scratchDir();
    const h = startHarness(t, {
      dir,
      start: at(15, 3, 0),
      runbook: runbookOf(`
name: Slow
maintenance:
  - id: reindex
    title: Rebuild the search index
    steps:
      - { id: rebuild, run: 'sleep 30', kind: shell, risk: write, timeout: 1s }
`),
    });
    const run = await h.scheduler.runNow('reindex', 'alice').done;
    assert.equal(run.status, 'failed');
    assert.equal(run.steps[0]?.status, 'timeout');
    assert.match(run.error ?? '', /step rebuild \(shell\) timeout: .*process group killed/);
    assert.match(h.store.incidents()[0]?.title ?? '', /^maintenance reindex failed/);
  });

  it('secrets in a failing step never reach the run record nor the alert', async (t) => {
    const dir = scratchDir();
    const token = 'tok-9f8e7d6c5b4a';
    const h = startHarness(t, {
      dir,
      start: at(15, 3, 0),
      env: { EXPORT_TOKEN: token },
      runbook: runbookOf(`
name: Export
services:
  exports: { url: "https://exports.example/\${EXPORT_TOKEN}" }
maintenance:
  - id: push
    title: Push the nightly export
    steps:
      - { id: push, run: "sh -c 'echo \\"upload refused for token $EXPORT_TOKEN\\" >&2; exit 4'", kind: shell, risk: write }
`),
    });
    const run = await h.scheduler.runNow('push', 'alice').done;
    assert.equal(run.status, 'failed');
    assert.match(run.error ?? '', /upload refused for token/);
    const everything = JSON.stringify([run, h.store.incidents(), h.store.alerts(), h.store.audit()]);
    assert.equal(everything.includes(token), false, 'the token appears nowhere');
  });
});

describe('the gate of dangerous and destructive steps', () => {
  const purge = (approval: string) => `
name: Purge
maintenance:
  - id: purge-dumps
    title: Delete old dumps
    schedule: "0 4 * * *"
    ${approval}
    steps:
      - { id: purge, run: 'rm -f "$DIR/old.dump"', kind: shell, risk: destructive }
`;

  it('refuses a destructive step without a standing approval, records why and raises an alert', async (t) => {
    const dir = scratchDir();
    writeFileSync(join(dir, 'old.dump'), 'precious');
    const h = startHarness(t, {
      dir,
      start: at(15, 3, 59),
      env: { DIR: dir },
      runbook: runbookOf(purge('')),
    });
    await h.clock.advance(60_000);
    const [run] = await h.settled('purge-dumps');
    assert.equal(run?.status, 'refused');
    assert.deepEqual(run.steps, [], 'no step ran');
    assert.match(
      run.error ?? '',
      /step purge \(destructive\) needs a person's approval; the task has no standing approval/,
    );
    assert.equal(readFileSync(join(dir, 'old.dump'), 'utf8'), 'precious');
    assert.match(
      h.store.incidents()[0]?.title ?? '',
      /^maintenance purge-dumps refused \(due 2025-01-15T04:00:00\.000Z\)/,
    );
  });

  it('runs it under a standing approval that holds today, and records who approved it', async (t) => {
    const dir = scratchDir();
    writeFileSync(join(dir, 'old.dump'), 'old');
    const h = startHarness(t, {
      dir,
      start: at(15, 3, 0),
      env: { DIR: dir },
      runbook: runbookOf(
        purge('approval: { by: Alice Martin, at: 2025-01-02, until: 2025-06-30, note: CHG-1182 }'),
      ),
    });
    const run = await h.scheduler.runNow('purge-dumps', 'bob').done;
    assert.equal(run.status, 'ok', run.error);
    assert.equal(existsSync(join(dir, 'old.dump')), false);
    const ran = h.store.audit().find((entry) => entry.action === 'maintenance-ran');
    assert.equal(ran?.detail.standing_approval_by, 'Alice Martin');
  });

  for (const [why, approval, expected] of [
    ['has ended', 'approval: { by: Alice, at: 2024-12-01, until: 2025-01-10 }', /ended on 2025-01-10/],
    [
      'is dated after today',
      'approval: { by: Alice, at: 2025-02-01 }',
      /dated 2025-02-01, after today \(2025-01-15\)/,
    ],
    [
      'is signed by the scheduler',
      'approval: { by: vigie, at: 2025-01-01 }',
      /signed 'vigie', which is not a person/,
    ],
  ] as const) {
    it(`refuses it when the standing approval ${why}`, async (t) => {
      const dir = scratchDir();
      writeFileSync(join(dir, 'old.dump'), 'precious');
      const h = startHarness(t, {
        dir,
        start: at(15, 3, 0),
        env: { DIR: dir },
        runbook: runbookOf(purge(approval)),
      });
      const started = h.scheduler.runNow('purge-dumps', 'bob');
      assert.equal(started.run.status, 'refused', 'the gate decides before the answer');
      assert.match(started.run.error ?? '', expected);
      assert.equal(readFileSync(join(dir, 'old.dump'), 'utf8'), 'precious');
    });
  }
});

describe('missed runs and restarts', () => {
  it('records the runs missed while Vigie was down as missed, and raises one alert', async (t) => {
    const dir = scratchDir();
    const runbook = runbookOf(tracing());
    const first = startHarness(t, { dir, start: at(15, 1, 59), env: { DIR: dir }, runbook });
    await first.clock.advance(60_000);
    assert.equal((await first.settled('trace'))[0]?.status, 'ok');
    await first.close();

    // Down from the 15th after the run until the 17th at 10:00: the 16th and 17th at 02:00 passed.
    const second = startHarness(t, { dir, start: at(17, 10, 0), env: { DIR: dir }, runbook });
    const runs = second.runs('trace');
    assert.deepEqual(
      runs.map((run) => [run.status, new Date(run.dueAt).toISOString()]),
      [
        ['ok', '2025-01-15T02:00:00.000Z'],
        ['missed', '2025-01-16T02:00:00.000Z'],
        ['missed', '2025-01-17T02:00:00.000Z'],
      ],
    );
    assert.equal(lines(join(dir, 'ran')), 1, 'a missed run is not run late');
    const incidents = second.store.incidents();
    assert.equal(incidents.length, 1, 'one alert for the missed runs');
    assert.match(
      incidents[0]!.title,
      /^maintenance trace missed \(due 2025-01-17T02:00:00\.000Z\): not started by 2025-01-17T02:05:00\.000Z \(grace 5m\): Vigie was down or busy; 1 earlier run\(s\) missed too/,
    );
    assert.equal(second.scheduler.task('trace')?.nextDueAt, at(18, 2, 0));
  });

  it('runs late, once, a run that fell due during a restart but is still within its grace', async (t) => {
    const dir = scratchDir();
    const runbook = runbookOf(tracing());
    const first = startHarness(t, { dir, start: at(15, 1, 59), env: { DIR: dir }, runbook });
    await first.clock.advance(60_000);
    await first.settled('trace');
    await first.close();

    const second = startHarness(t, { dir, start: at(16, 2, 3), env: { DIR: dir }, runbook });
    const runs = await second.settled('trace', 2);
    assert.deepEqual(
      runs.map((run) => [run.status, run.dueAt]),
      [
        ['ok', at(15, 2, 0)],
        ['ok', at(16, 2, 0)],
      ],
    );
    assert.equal(second.store.incidents().length, 0);
  });

  it('does not fire twice for the same due time across a restart, even one in the middle of the run', async (t) => {
    const dir = scratchDir();
    const runbook = runbookOf(tracing());
    const first = startHarness(t, { dir, start: at(15, 1, 59, 50), env: { DIR: dir }, runbook });
    await first.clock.advance(10_000);
    await first.settled('trace');
    await first.close();
    // Restarted ten seconds after the due time, within grace: the due time was claimed, it does not run again.
    const second = startHarness(t, { dir, start: at(15, 2, 0, 10), env: { DIR: dir }, runbook });
    await second.clock.advance(60_000);
    assert.equal(second.runs('trace').length, 1);
    assert.equal(lines(join(dir, 'ran')), 1);
    await second.close();

    // A crash in the middle of the next night's run: the run stays `running` in the store file.
    const crashed = startHarness(t, {
      dir,
      start: at(16, 2, 0),
      env: { DIR: dir },
      runbook,
      autostart: false,
    });
    const claimed = crashed.store.maintenance.claim({
      task: 'trace',
      dueAt: at(16, 2, 0),
      startedAt: at(16, 2, 0),
      status: 'running',
      trigger: 'schedule',
    });
    assert.ok(claimed);
    await crashed.close();
    const third = startHarness(t, { dir, start: at(16, 2, 1), env: { DIR: dir }, runbook });
    await third.clock.advance(60_000);
    const after = third.runs('trace');
    assert.deepEqual(
      after.map((run) => [run.status, run.dueAt]),
      [
        ['ok', at(15, 2, 0)],
        ['failed', at(16, 2, 0)],
      ],
      'the interrupted run is failed, not run a second time',
    );
    assert.match(
      after[1]!.error ?? '',
      /Vigie stopped while this run was going \(a crash or a kill\) after 0 of 1 step\(s\)/,
    );
    assert.equal(lines(join(dir, 'ran')), 1);
    assert.match(
      third.store.incidents()[0]?.title ?? '',
      /^maintenance trace failed \(due 2025-01-16T02:00:00\.000Z\)/,
    );
  });

  it('a run that outlasts the next due time makes that one missed, once it ends past the grace', async (t) => {
    const dir = scratchDir();
    const h = startHarness(t, {
      dir,
      start: at(15, 0, 59),
      runbook: runbookOf(`
name: Busy
maintenance:
  - id: busy
    title: Every minute
    schedule: "* * * * *"
    grace: 30s
    steps:
      - { id: wait, run: 'sleep 2', kind: shell, risk: write }
`),
    });
    await h.clock.advance(60_000);
    // The clock jumps two minutes while the run of 01:00 is still going.
    await h.clock.advance(2 * 60_000 + 45_000);
    const runs = await h.settled('busy', 3);
    assert.deepEqual(
      runs.map((run) => [run.status, new Date(run.dueAt).toISOString().slice(11, 16)]),
      [
        ['ok', '01:00'],
        ['missed', '01:01'],
        ['missed', '01:02'],
      ],
    );
    assert.match(
      h.store.incidents()[0]?.title ?? '',
      /^maintenance busy missed \(due 2025-01-15T01:02:00\.000Z\)/,
    );
  });

  it('fires once when two schedulers share the store file (two nodes, one due time)', async (t) => {
    const dir = scratchDir();
    const runbook = runbookOf(tracing());
    const one = startHarness(t, { dir, start: at(15, 1, 59, 30), env: { DIR: dir }, runbook });
    const two = startHarness(t, { dir, start: at(15, 1, 59, 30), env: { DIR: dir }, runbook });
    await Promise.all([one.clock.advance(30_000), two.clock.advance(30_000)]);
    const runs = await one.settled('trace');
    await two.settled('trace');
    assert.equal(runs.length, 1);
    assert.equal(lines(join(dir, 'ran')), 1);
  });

  it('stops the steps under way when Vigie stops, and the run ends failed saying so', async (t) => {
    const dir = scratchDir();
    const h = startHarness(t, {
      dir,
      start: at(15, 3, 0),
      runbook: runbookOf(`
name: Long
maintenance:
  - id: long
    title: A long export
    steps:
      - { id: export, run: 'sleep 30', kind: shell, risk: write, timeout: 10m }
`),
    });
    const started = h.scheduler.runNow('long', 'alice');
    assert.equal(started.run.status, 'running');
    await h.scheduler.stop();
    const run = await started.done;
    assert.equal(run.status, 'failed');
    assert.match(run.error ?? '', /Vigie was stopping/);
  });
});

describe('the day of a long-period schedule', () => {
  it('waits in steps of at most a minute, so a monthly task needs no timer beyond what setTimeout holds', async (t) => {
    const dir = scratchDir();
    const h = startHarness(t, {
      dir,
      start: at(1, 12, 0),
      env: { DIR: dir },
      runbook: runbookOf(`
name: Monthly
maintenance:
  - id: restore-test
    title: Restore test, first Saturday of the month
    schedule: "0 2 * * 6#1"
    timezone: Europe/Paris
    steps:
      - { id: mark, run: "sh -c 'echo ran >> \\"$DIR/ran\\"'", kind: shell, risk: write }
`),
    });
    // The first Saturday of January 2025 is the 4th; 02:00 in Paris is 01:00 UTC.
    assert.equal(h.scheduler.task('restore-test')?.nextDueAt, at(4, 1, 0));
    await h.clock.advance(at(4, 1, 0) - at(1, 12, 0) - 1000);
    assert.equal(h.runs('restore-test').length, 0);
    await h.clock.advance(1000);
    const [run] = await h.settled('restore-test');
    assert.equal(run?.status, 'ok');
    assert.equal(h.scheduler.task('restore-test')?.nextDueAt, Date.UTC(2025, 1, 1, 1, 0));
  });
});
