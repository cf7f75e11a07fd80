/**
 * The incident lifecycle on the real embedded store with a fake clock: open, join, escalate on time,
 * acknowledge, ack timeout, resolve, reopen — and every decision durable before it acts.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compilePolicy } from '../../src/escalation/policy.ts';
import { type FiringAlert, IncidentService, LifecycleError } from '../../src/incidents/service.ts';
import type { Notification } from '../../src/notify/message.ts';
import type { Contact, Scenario } from '../../src/runbook/schema.ts';
import type { IncidentStore } from '../../src/store/incidents.ts';
import { openSqliteIncidentStore } from '../../src/store/incidents-sqlite.ts';
import { scratchDir } from '../store/support.ts';

const MINUTE = 60_000;
const START = 1_700_000_000_000;

const contacts: Contact[] = [
  { id: 'alice', name: 'Alice', email: 'alice@example.com', channels: ['mail'] },
  { id: 'bob', name: 'Bob', email: 'bob@example.com', channels: ['mail', 'hook'] },
];
const scenarios: Scenario[] = [
  {
    id: 'api-down',
    title: 'API down',
    severity: 'SEV1',
    diagnosis: [{ run: 'curl -sS http://127.0.0.1/health', kind: 'http', risk: 'read' }],
  },
];

function setup(options: { ackTimeout?: string; reopen?: number } = {}) {
  const dir = scratchDir();
  let now = START;
  let wakes = 0;
  const path = join(dir, 'vigie.sqlite');
  const store = openSqliteIncidentStore(path);
  const policy = compilePolicy('default', {
    levels: [
      { after: '0m', notify: ['alice'] },
      { after: '15m', notify: ['bob'] },
    ],
    ...(options.ackTimeout ? { ack_timeout: options.ackTimeout } : {}),
  });
  const make = (handle: IncidentStore) =>
    new IncidentService({
      store: handle,
      now: () => now,
      scenarios: new Map(scenarios.map((scenario) => [scenario.id, scenario])),
      policies: new Map([['default', policy]]),
      defaultPolicy: policy,
      directory: {
        contacts,
        rotations: {},
        channels: { mail: { type: 'email' }, hook: { type: 'webhook' } },
      },
      settings: { reopenWithin: options.reopen ?? 30 * MINUTE, autoResolve: true, defaultSeverity: 'SEV3' },
      mask: (text) => text,
      wake: () => {
        wakes++;
      },
    });
  const service = make(store);
  const runDue = (target: IncidentService = service, handle: IncidentStore = store) => {
    for (const timer of handle.dueTimers(now)) target.runTimer(timer);
  };
  return {
    store,
    service,
    path,
    make,
    runDue,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
    wakes: () => wakes,
  };
}

const firing = (overrides: Partial<FiringAlert> = {}): FiringAlert => ({
  key: 'rule:api-down',
  source: 'rule',
  name: 'api-down',
  labels: { alert: 'api-down', check: 'api' },
  scenario: 'api-down',
  scenarioReason: 'named by the alert',
  dedupKey: 'scenario:api-down',
  summary: '3 failures in a row',
  ...overrides,
});

const sentTo = (store: IncidentStore) =>
  store
    .outbox()
    .map((row) => `${(row.payload as Notification).event}:${row.channel}:${row.recipient ?? '-'}`);

describe('incident service', () => {
  it('opens an incident with its scenario and severity, and pages level 1 at once', () => {
    const { store, service, runDue } = setup();
    const outcome = service.fire(firing());
    assert.equal(outcome.action, 'opened');
    const incident = outcome.incident!;
    assert.equal(incident.id, 'INC-1');
    assert.equal(incident.severity, 'SEV1');
    assert.equal(incident.scenario, 'api-down');
    assert.equal(incident.title, 'API down');
    assert.equal(
      store.pendingTimers(incident.id).length,
      1,
      'the first page is a stored timer before it is sent',
    );
    runDue();
    assert.deepEqual(sentTo(store), ['triggered:mail:alice']);
    const payload = store.outbox()[0]!.payload as Notification;
    assert.equal(payload.firstSteps[0]!.run, 'curl -sS http://127.0.0.1/health');
    assert.deepEqual(
      store.timeline(incident.id).map((entry) => entry.kind),
      ['opened', 'notified'],
    );
  });

  it('escalates to the next level at its delay, not before, and an acknowledgement stops it', () => {
    const { store, service, runDue, advance } = setup();
    const incident = service.fire(firing()).incident!;
    runDue();
    advance(15 * MINUTE - 1);
    runDue();
    assert.deepEqual(sentTo(store), ['triggered:mail:alice']);
    advance(1);
    runDue();
    assert.deepEqual(sentTo(store), ['triggered:mail:alice', 'escalated:mail:bob', 'escalated:hook:bob']);
    const acked = service.acknowledge(incident.id, 'bob');
    assert.equal(acked.status, 'acknowledged');
    assert.equal(store.pendingTimers(incident.id).length, 0);
    assert.ok(
      sentTo(store).includes('acknowledged:mail:alice'),
      'whoever was paged hears of the acknowledgement',
    );
    assert.throws(() => service.acknowledge(incident.id, 'bob'), LifecycleError);
  });

  it('joins a second alert with the same key and raises the severity, without paging again', () => {
    const { store, service, runDue } = setup();
    const first = service.fire(firing({ severity: 'SEV2' })).incident!;
    runDue();
    const second = service.fire(
      firing({ key: 'alertmanager:abc', source: 'alertmanager', name: 'HighErrorRate', severity: 'SEV1' }),
    );
    assert.equal(second.action, 'joined');
    assert.equal(second.incident!.id, first.id);
    assert.equal(store.incident(first.id)!.severity, 'SEV1');
    assert.equal(store.incidents().length, 1);
    assert.equal(sentTo(store).length, 1);
  });

  it('resolves when every alert has cleared, and reopens within the reopen window', () => {
    const { store, service, runDue, advance } = setup({ reopen: 10 * MINUTE });
    const incident = service.fire(firing()).incident!;
    runDue();
    service.fire(firing({ key: 'rule:api-slow', name: 'api-slow' }));
    service.clear('rule:api-down');
    assert.equal(store.incident(incident.id)!.status, 'triggered', 'one alert still fires');
    service.clear('rule:api-slow');
    assert.equal(store.incident(incident.id)!.status, 'resolved');
    assert.ok(sentTo(store).includes('resolved:mail:alice'));
    advance(5 * MINUTE);
    const again = service.fire(firing());
    assert.equal(again.action, 'reopened');
    assert.equal(again.incident!.id, incident.id);
    advance(5 * MINUTE);
    service.clear('rule:api-down');
    advance(11 * MINUTE);
    assert.equal(service.fire(firing()).action, 'opened', 'past the window a new incident opens');
    assert.equal(store.incidents().length, 2);
  });

  it('re-triggers an acknowledged incident when its ack timeout lapses', () => {
    const { store, service, runDue, advance } = setup({ ackTimeout: '30m' });
    const incident = service.fire(firing()).incident!;
    runDue();
    service.acknowledge(incident.id, 'alice');
    advance(30 * MINUTE);
    runDue();
    assert.equal(store.incident(incident.id)!.status, 'triggered');
    runDue();
    assert.deepEqual(
      sentTo(store).filter((line) => line.startsWith('ack-timeout')),
      ['ack-timeout:mail:alice'],
    );
  });

  it('records a quiet alert without opening an incident', () => {
    const { store, service } = setup();
    const outcome = service.fire(firing(), { kind: 'silence', id: 'sil_1', detail: 'silenced by ops' });
    assert.equal(outcome.action, 'quiet');
    assert.equal(store.incidents().length, 0);
    assert.equal(store.alert('rule:api-down')!.quiet!.id, 'sil_1');
    assert.equal(service.fire(firing()).action, 'opened', 'once the silence is gone the alert pages');
  });

  it('keeps timers across a reopen of the store, and never runs a timer twice', () => {
    const { store, service, runDue, advance, path, make, now } = setup();
    service.fire(firing());
    runDue();
    store.close();
    advance(20 * MINUTE);
    const reopened = openSqliteIncidentStore(path);
    const restarted = make(reopened);
    const due = reopened.dueTimers(now());
    assert.equal(due.length, 1, 'the level-2 timer survived');
    restarted.runTimer(due[0]!);
    restarted.runTimer(due[0]!);
    assert.deepEqual(
      sentTo(reopened).filter((line) => line.startsWith('escalated')),
      ['escalated:mail:bob', 'escalated:hook:bob'],
    );
    reopened.close();
  });
});
