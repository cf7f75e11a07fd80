/**
 * The pure parts of maintenance: when a task falls due (cron in its time zone), which occurrences a
 * downtime covers, the gate of a run before its first step, and the window a run opens.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { approvalProblem, gateTask } from '../../src/maintenance/gate.ts';
import { windowMatchers } from '../../src/maintenance/runner.ts';
import { graceOf, localDate, scheduleOf, stepTimeoutOf } from '../../src/maintenance/schedule.ts';
import { parseMatchers } from '../../src/quiet/matchers.ts';
import { covers } from '../../src/quiet/window.ts';
import { at, runbookOf } from './harness.ts';

describe('schedules', () => {
  it('reads 5-field cron in the task time zone, first Saturday included', () => {
    const nightly = scheduleOf({ id: 'backup', schedule: '0 2 * * *', timezone: 'Europe/Paris' })!;
    assert.equal(nightly.next(at(15, 0, 0)), at(15, 1, 0), '02:00 in Paris is 01:00 UTC in winter');
    assert.equal(nightly.next(at(15, 1, 0)), at(16, 1, 0), 'strictly after');
    const restore = scheduleOf({ id: 'restore', schedule: '30 3 * * 6#1' })!;
    assert.equal(restore.next(at(5, 0, 0)), Date.UTC(2025, 1, 1, 3, 30), 'first Saturday of February');
    assert.equal(scheduleOf({ id: 'by-hand' }), undefined);
  });

  it('lists the latest occurrences of a downtime, bounded, and says when older ones were left out', () => {
    const minutely = scheduleOf({ id: 'm', schedule: '* * * * *' })!;
    assert.deepEqual(minutely.between(at(15, 10, 0), at(15, 10, 3)), {
      due: [at(15, 10, 1), at(15, 10, 2), at(15, 10, 3)],
      more: false,
    });
    const month = minutely.between(at(1, 0, 0), at(31, 0, 0), 3);
    assert.deepEqual(month, { due: [at(30, 23, 58), at(30, 23, 59), at(31, 0, 0)], more: true });
  });

  it('names the task when its schedule cannot be read', () => {
    assert.throws(
      () => scheduleOf({ id: 'db-backup', schedule: '0 25 * * *' }),
      /maintenance task db-backup: '0 25 \* \* \*'/,
    );
  });

  it('defaults the grace to 5 minutes and a step to an hour', () => {
    assert.equal(graceOf({}), 5 * 60_000);
    assert.equal(graceOf({ grace: '30m' }), 30 * 60_000);
    assert.equal(stepTimeoutOf({}), 3_600_000);
    assert.equal(stepTimeoutOf({ timeout: '90s' }), 90_000);
  });

  it('gives the calendar day in the task time zone', () => {
    assert.equal(localDate(Date.UTC(2025, 0, 15, 23, 30), 'Europe/Paris'), '2025-01-16');
    assert.equal(localDate(Date.UTC(2025, 0, 15, 23, 30)), '2025-01-15');
  });
});

describe('the gate of a maintenance run', () => {
  const task = (risk: string, extra: Record<string, unknown> = {}) =>
    runbookOf(`
name: Gate
maintenance:
  - id: job
    title: A job
    steps:
      - { id: first, run: "true", kind: shell, risk: read }
      - { id: second, run: "rm -f /tmp/x", kind: shell, risk: ${risk} }
`).maintenance!.map((written) => ({ ...written, ...extra }))[0]!;

  it('lets read and write steps run unattended', () => {
    assert.deepEqual(gateTask(task('write'), at(15, 2, 0)), { allowed: true });
  });

  it('holds dangerous and destructive steps for a standing approval', () => {
    for (const risk of ['dangerous', 'destructive']) {
      const decision = gateTask(task(risk), at(15, 2, 0));
      assert.equal(decision.allowed, false);
      assert.match(
        (decision as { reason: string }).reason,
        new RegExp(`^step second \\(${risk}\\) needs a person's approval; the task has no standing approval`),
      );
    }
    assert.deepEqual(
      gateTask(task('destructive', { approval: { by: 'Alice', at: '2025-01-15' } }), at(15, 0, 0)),
      {
        allowed: true,
        approvedBy: 'Alice',
      },
    );
  });

  it('needs no approval for a destructive step written as prose for a person', () => {
    const prose = task('destructive');
    const steps = prose.steps!.map((step) =>
      step.id === 'second' ? { ...step, kind: 'manual' as const } : step,
    );
    assert.deepEqual(gateTask({ ...prose, steps }, at(15, 2, 0)), { allowed: true });
  });

  it('counts the approval dates in the task time zone, both ends included', () => {
    const approval = { by: 'Alice', at: '2025-01-16', until: '2025-01-31' };
    // 23:30 UTC on the 15th is already the 16th in Paris.
    assert.equal(approvalProblem(approval, Date.UTC(2025, 0, 15, 23, 30), 'Europe/Paris'), undefined);
    assert.match(
      approvalProblem(approval, Date.UTC(2025, 0, 15, 23, 30)) ?? '',
      /dated 2025-01-16, after today/,
    );
    assert.equal(approvalProblem(approval, Date.UTC(2025, 0, 31, 22, 0)), undefined);
    assert.match(approvalProblem(approval, Date.UTC(2025, 1, 1, 0, 0)) ?? '', /ended on 2025-01-31/);
  });

  it('refuses steps that take parameters: nobody is there to give them', () => {
    const withParams = {
      ...task('write'),
      steps: [
        {
          run: 'echo TENANT',
          kind: 'shell' as const,
          risk: 'write' as const,
          params: { TENANT: { type: 'uuid' as const } },
        },
      ],
    };
    const decision = gateTask(withParams, at(15, 2, 0));
    assert.match((decision as { reason: string }).reason, /step 1 takes parameters \(TENANT\)/);
  });
});

describe('the window a run opens', () => {
  const runbook = runbookOf(`
name: Windows
checks:
  - { id: db-up, probe: tcp, target: "127.0.0.1:5432" }
  - { id: api-ready, probe: http, target: "http://127.0.0.1:1/health" }
alerts:
  - { id: db-down, check: db-up, when: "fails 3 times" }
  - { id: db-slow, check: db-up, when: "fails 5 times" }
  - { id: api-down, check: api-ready, when: "fails 3 times" }
maintenance:
  - { id: vacuum, title: VACUUM, affects: [db-up] }
  - { id: restart, title: Restart, affects: [api-down] }
  - { id: everything, title: Everything }
`);
  const quiets = (taskId: string, labels: Record<string, string>): boolean => {
    const task = runbook.maintenance!.find((candidate) => candidate.id === taskId)!;
    const texts = windowMatchers(task, runbook);
    if (texts === undefined) return false;
    const parsed = parseMatchers(texts);
    assert.ok(parsed.ok);
    return covers({ id: 'w', title: 'w', startsAt: 0, endsAt: 1, matchers: parsed.matchers }, labels);
  };

  it('quiets the alerts named in affects and those on the checks it names, and nothing else', () => {
    assert.equal(quiets('vacuum', { alert: 'db-down', check: 'db-up' }), true);
    assert.equal(quiets('vacuum', { alert: 'db-slow', check: 'db-up' }), true);
    assert.equal(quiets('vacuum', { alert: 'api-down', check: 'api-ready' }), false);
    assert.equal(quiets('restart', { alert: 'api-down', check: 'api-ready' }), true);
    assert.equal(quiets('restart', { alert: 'db-down', check: 'db-up' }), false);
  });

  it('without affects quiets every alert but the maintenance alerts themselves', () => {
    assert.equal(quiets('everything', { alert: 'db-down' }), true);
    assert.equal(quiets('everything', { alertname: 'disk full' }), true);
    assert.equal(quiets('everything', { alertname: 'maintenance vacuum', maintenance: 'vacuum' }), false);
  });
});
