import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dependenciesOf, type QuietRules, quietReason, type Silence } from '../../src/quiet/index.ts';

const now = Date.parse('2026-11-02T02:10:00Z');
const HOUR = 3_600_000;
const labels = { alert: 'api-down', check: 'api-ready', service: 'api', severity: 'SEV1' };

const silence: Silence = {
  id: 'sil-1',
  matchers: [{ name: 'service', op: '=', value: 'api' }],
  startsAt: now - HOUR,
  endsAt: now + HOUR,
  createdBy: 'alice',
  comment: 'deploy 4.2, see postgres://vigie:hunter2@db/prod',
};

const rules: QuietRules = {
  silences: [silence],
  windows: [{ id: 'db-backup', title: 'Database backup', schedule: '0 2 * * *', duration: 30 * 60_000 }],
  firingChecks: new Set(['db-up']),
  graph: dependenciesOf([{ id: 'db-up' }, { id: 'api-ready', depends_on: ['db-up'] }]).graph,
};

describe('quietReason', () => {
  test('a silence comes first, and its detail hides secrets', () => {
    const reason = quietReason({ labels, now }, rules);
    assert.equal(reason?.kind, 'silence');
    assert.equal(reason?.id, 'sil-1');
    assert.match(reason!.detail, /^silenced by alice until 2026-11-02T03:10:00.000Z: deploy 4.2/);
    assert.doesNotMatch(reason!.detail, /hunter2/);
  });

  test('then a maintenance window', () => {
    const reason = quietReason({ labels, now }, { ...rules, silences: [] });
    assert.deepEqual(reason, {
      kind: 'maintenance',
      id: 'db-backup',
      detail: "maintenance 'Database backup' from 2026-11-02T02:00:00.000Z until 2026-11-02T02:30:00.000Z",
    });
  });

  test('then inhibition by a failing dependency, using the check label or the given check', () => {
    const quietRules = { ...rules, silences: [], windows: [] };
    assert.deepEqual(quietReason({ labels, now }, quietRules), {
      kind: 'inhibited',
      id: 'db-up',
      detail: "check 'api-ready' depends on 'db-up', which is failing",
    });
    const unlabelled = { alert: 'api-down' };
    assert.equal(quietReason({ labels: unlabelled, now }, quietRules), undefined);
    assert.equal(
      quietReason({ labels: unlabelled, checkId: 'api-ready', now }, quietRules)?.kind,
      'inhibited',
    );
  });

  test('nothing quiet: the alert pages', () => {
    const later = now + 2 * HOUR;
    assert.equal(quietReason({ labels, now: later }, { ...rules, firingChecks: new Set() }), undefined);
    assert.equal(
      quietReason(
        { labels: { ...labels, service: 'web' }, now: later },
        { ...rules, firingChecks: new Set() },
      ),
      undefined,
    );
  });
});
