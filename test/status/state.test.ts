/**
 * The status page's decisions as pure functions: day colours by uptime, component and overall states,
 * and how incidents are worded and attributed to components.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type PublicComponent,
  publicPhase,
  publicTitle,
  publicUpdates,
  touchedComponents,
} from '../../src/status/incidents.ts';
import { componentState, dayState, overallState, worstUptime } from '../../src/status/state.ts';
import type { AlertRecord, Incident, TimelineEntry } from '../../src/store/incidents.ts';

describe('day and component states', () => {
  it('colours a day: ≥ 99.9 % operational, ≥ 95 % degraded, else outage, no data unknown', () => {
    assert.equal(dayState(1), 'operational');
    assert.equal(dayState(0.999), 'operational');
    assert.equal(dayState(0.9989), 'degraded');
    assert.equal(dayState(0.95), 'degraded');
    assert.equal(dayState(0.9499), 'outage');
    assert.equal(dayState(0), 'outage');
    assert.equal(dayState(undefined), 'unknown');
  });

  it('combines checks by the worst share among those with data', () => {
    assert.equal(worstUptime([1, 0.98, undefined]), 0.98);
    assert.equal(worstUptime([undefined, undefined]), undefined);
    assert.equal(worstUptime([]), undefined);
  });

  it('decides a component from its checks, setting aside those under maintenance', () => {
    assert.equal(componentState(['ok', 'ok']), 'operational');
    assert.equal(componentState(['ok', 'failing']), 'degraded');
    assert.equal(componentState(['failing', 'failing']), 'outage');
    assert.equal(componentState(['failing', 'unknown']), 'outage', 'every check that ran is failing');
    assert.equal(componentState(['ok', 'unknown']), 'operational');
    assert.equal(componentState(['unknown']), 'unknown');
    assert.equal(componentState([]), 'unknown');
    assert.equal(componentState(['maintenance', 'ok']), 'maintenance');
    assert.equal(componentState(['maintenance', 'maintenance']), 'maintenance');
    assert.equal(
      componentState(['maintenance', 'ok', 'failing']),
      'degraded',
      'a failure outside the window shows',
    );
  });

  it('gives the banner the worst component state, ignoring unknown ones', () => {
    assert.equal(overallState([]), 'operational');
    assert.equal(overallState(['unknown', 'operational']), 'operational');
    assert.equal(overallState(['operational', 'maintenance']), 'maintenance');
    assert.equal(overallState(['maintenance', 'degraded']), 'degraded');
    assert.equal(overallState(['degraded', 'outage', 'operational']), 'outage');
  });
});

const T = Date.UTC(2026, 10, 24, 9);
const components: PublicComponent[] = [
  { id: 'api', name: 'API', checks: ['api-http'] },
  { id: 'web', name: 'Website', checks: ['web-http'] },
  { id: 'mail', name: 'Email', checks: [] },
];
const incident = (change: Partial<Incident> = {}): Incident => ({
  id: 'INC-1',
  seq: 1,
  dedupKey: 'k',
  title: 'db.internal exhausted its connection pool',
  severity: 'SEV2',
  status: 'triggered',
  labels: {},
  openedAt: T,
  updatedAt: T,
  ...change,
});
const alert = (change: Partial<AlertRecord> = {}): AlertRecord => ({
  key: 'rule:a',
  source: 'rule',
  name: 'a',
  status: 'firing',
  labels: {},
  startedAt: T,
  updatedAt: T,
  ...change,
});
const entry = (kind: TimelineEntry['kind'], at: number, text = ''): TimelineEntry => ({
  id: at,
  incidentId: 'INC-1',
  at,
  kind,
  actor: 'vigie',
  text,
});

describe('public incidents', () => {
  it('attributes an incident by the check labels of it and its alerts, or a component label', () => {
    const ids = (found: PublicComponent[]) => found.map((item) => item.id);
    assert.deepEqual(ids(touchedComponents(incident({ labels: { check: 'api-http' } }), [], components)), [
      'api',
    ]);
    assert.deepEqual(
      ids(touchedComponents(incident(), [alert({ labels: { check: 'web-http' } })], components)),
      ['web'],
    );
    assert.deepEqual(ids(touchedComponents(incident({ labels: { component: 'mail' } }), [], components)), [
      'mail',
    ]);
    assert.deepEqual(ids(touchedComponents(incident({ labels: { check: 'pg' } }), [], components)), []);
  });

  it('titles by severity and components, never by the internal title', () => {
    assert.equal(publicTitle('SEV1', components.slice(0, 1)), 'Major outage affecting API');
    assert.equal(publicTitle('SEV2', components), 'Partial outage affecting API, Website and Email');
    assert.equal(publicTitle('SEV4', components.slice(1, 2)), 'Degraded service affecting Website');
  });

  it('says Monitoring once every alert cleared on an open incident', () => {
    assert.equal(publicPhase(incident(), [alert()]), 'investigating');
    assert.equal(publicPhase(incident({ status: 'acknowledged' }), [alert()]), 'identified');
    const cleared = alert({ status: 'resolved', resolvedAt: T + 60_000 });
    assert.equal(publicPhase(incident({ status: 'acknowledged' }), [cleared]), 'monitoring');
    assert.equal(
      publicPhase(incident({ status: 'resolved', resolvedAt: T + 120_000 }), [cleared]),
      'resolved',
    );
  });

  it('keeps public comments only, strips their prefix, masks them, and ignores other entries', () => {
    const timeline = [
      entry('opened', T, 'opened by alert pg-pool (SEV2); scenario db-pool: matched'),
      entry('diagnosis', T + 1, 'SELECT count(*) FROM pg_stat_activity → 97'),
      entry('comment', T + 2, 'Public:  Payments may fail; retry later. token=abcd'),
      entry('comment', T + 3, 'looks like the pool again'),
      entry('comment', T + 4, 'public:'),
      entry('reopened', T + 5, 'reopened by alert pg-pool'),
    ];
    const updates = publicUpdates(incident(), timeline, [alert()], components.slice(0, 1), (text) =>
      text.replace('abcd', '****'),
    );
    assert.deepEqual(updates, [
      { at: T, text: 'Investigating — We are investigating a problem affecting API.' },
      { at: T + 2, text: 'Payments may fail; retry later. token=****' },
      { at: T + 5, text: 'Investigating — The problem affecting API has come back; we are investigating.' },
    ]);
  });

  it('gives an opening update even when the timeline lacks one', () => {
    assert.deepEqual(
      publicUpdates(incident(), [], [], components.slice(0, 1), (text) => text),
      [{ at: T, text: 'Investigating — We are investigating a problem affecting API.' }],
    );
  });
});
