import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scenarioFromRunbookUrl, severityOf } from '../../src/ingest/alert.ts';
import { parseAlertmanager } from '../../src/ingest/alertmanager.ts';

// What Alertmanager 0.25 really posts (captured from the harness in test/support/alertmanager.ts).
function payload(alerts: unknown[] = [firingAlert()]): Record<string, unknown> {
  return {
    receiver: 'vigie',
    status: 'firing',
    alerts,
    groupLabels: { alertname: 'X', job: 'api' },
    commonLabels: { alertname: 'X', job: 'api' },
    commonAnnotations: {},
    externalURL: 'http://vm:38547',
    version: '4',
    groupKey: '{}:{alertname="X", job="api"}',
    truncatedAlerts: 0,
  };
}

function firingAlert(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    status: 'firing',
    labels: { alertname: 'X', job: 'api' },
    annotations: {},
    startsAt: '2026-11-25T13:53:10.769165841Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: '',
    fingerprint: '066f64239d6975fb',
    ...overrides,
  };
}

test('a real version 4 payload becomes incoming alerts', () => {
  const result = parseAlertmanager(payload());
  assert.ok(result.ok);
  assert.deepEqual(result.batch, {
    alerts: [
      {
        source: 'alertmanager',
        fingerprint: '066f64239d6975fb',
        status: 'firing',
        name: 'X',
        labels: { alertname: 'X', job: 'api' },
        annotations: {},
        startsAt: Date.parse('2026-11-25T13:53:10.769Z'),
      },
    ],
    truncatedAlerts: 0,
    groupKey: '{}:{alertname="X", job="api"}',
    receiver: 'vigie',
  });
});

test('a resolved alert keeps its end time, summary, link and severity', () => {
  const result = parseAlertmanager(
    payload([
      firingAlert({
        status: 'resolved',
        endsAt: '2026-11-25T14:00:00+01:00',
        labels: { alertname: 'ApiDown', priority: 'P0' },
        annotations: { description: 'API answers 503', runbook_url: 'https://wiki/runbooks/api-down.md' },
        generatorURL: 'http://prometheus/graph',
      }),
    ]),
  );
  assert.ok(result.ok);
  const [alert] = result.batch.alerts;
  assert.equal(alert?.status, 'resolved');
  assert.equal(alert?.endsAt, Date.parse('2026-11-25T13:00:00Z'));
  assert.equal(alert?.severity, 'SEV1');
  assert.equal(alert?.summary, 'API answers 503');
  assert.equal(alert?.scenario, 'api-down');
  assert.equal(alert?.url, 'http://prometheus/graph');
});

test('a scenario label wins over the runbook link', () => {
  const result = parseAlertmanager(
    payload([
      firingAlert({
        labels: { alertname: 'X', scenario: 'redis-oom' },
        annotations: { runbook_url: 'https://wiki/runbook#db-down' },
      }),
    ]),
  );
  assert.ok(result.ok);
  assert.equal(result.batch.alerts[0]?.scenario, 'redis-oom');
});

test('the scenario comes from the runbook link fragment, else its last path segment', () => {
  assert.equal(scenarioFromRunbookUrl('https://wiki/runbook#db-down'), 'db-down');
  assert.equal(scenarioFromRunbookUrl('https://wiki/runbooks/queue-backlog'), 'queue-backlog');
  assert.equal(scenarioFromRunbookUrl('https://wiki/runbooks/queue-backlog/?tab=1'), 'queue-backlog');
  assert.equal(scenarioFromRunbookUrl('https://git/ops/runbook.md#api-down'), 'api-down');
  assert.equal(scenarioFromRunbookUrl('runbooks/disk%20full.md'), 'disk full');
  assert.equal(scenarioFromRunbookUrl('https://wiki.example.com/'), undefined);
  assert.equal(scenarioFromRunbookUrl(''), undefined);
  assert.equal(scenarioFromRunbookUrl(undefined), undefined);
});

test('severity reads every alias, Prometheus words included', () => {
  assert.equal(severityOf('critical'), 'SEV1');
  assert.equal(severityOf('P0'), 'SEV1');
  assert.equal(severityOf('SEV2'), 'SEV2');
  assert.equal(severityOf('high'), 'SEV2');
  assert.equal(severityOf('warning'), 'SEV3');
  assert.equal(severityOf('medium'), 'SEV3');
  assert.equal(severityOf('info'), 'SEV4');
  assert.equal(severityOf('none'), undefined);
  // An unknown severity label does not refuse the payload: the alert simply has none.
  const result = parseAlertmanager(payload([firingAlert({ labels: { alertname: 'X', severity: 'none' } })]));
  assert.ok(result.ok);
  assert.equal(result.batch.alerts[0]?.severity, undefined);
});

test('version 3 is refused, saying which versions are accepted', () => {
  const result = parseAlertmanager({ ...payload(), version: '3' });
  assert.deepEqual(result, {
    ok: false,
    errors: [
      {
        path: 'version',
        message: "string '3' is not accepted; Vigie reads Alertmanager webhook version '4'",
      },
    ],
  });
  const missing = parseAlertmanager({ alerts: [] });
  assert.equal(missing.ok, false);
  assert.deepEqual(!missing.ok && missing.errors[0], {
    path: 'version',
    message: "missing; Vigie reads Alertmanager webhook version '4'",
  });
});

test('errors name the JSON path of what is missing or mistyped', () => {
  const { fingerprint: _, ...noFingerprint } = firingAlert();
  const result = parseAlertmanager(
    payload([
      firingAlert(),
      firingAlert({ status: 'fire', labels: { alertname: 'X', port: 5432 } }),
      noFingerprint,
      firingAlert({ startsAt: 'yesterday' }),
    ]),
  );
  assert.equal(result.ok, false);
  assert.deepEqual(!result.ok && result.errors, [
    { path: 'alerts[1].status', message: "string 'fire' is not one of 'firing', 'resolved'" },
    { path: 'alerts[1].labels.port', message: 'expected a string, got number 5432' },
    { path: 'alerts[2].fingerprint', message: 'required' },
    { path: 'alerts[3].startsAt', message: 'not an RFC 3339 time' },
  ]);
});

test('wrong types at the top are reported with what was seen', () => {
  const result = parseAlertmanager({ ...payload(), alerts: {}, truncatedAlerts: '2' });
  assert.equal(result.ok, false);
  assert.deepEqual(!result.ok && result.errors, [
    { path: 'truncatedAlerts', message: "expected a number, got string '2'" },
    { path: 'alerts', message: 'expected an array, got an object' },
  ]);
  assert.deepEqual(parseAlertmanager([payload()]), {
    ok: false,
    errors: [{ path: '', message: 'expected an Alertmanager webhook payload (an object), got an array' }],
  });
});

test('a thousand broken alerts give twenty errors and a count of the rest', () => {
  const broken = Array.from({ length: 1000 }, () => firingAlert({ fingerprint: undefined }));
  const result = parseAlertmanager(payload(broken));
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.errors.length, 21);
  assert.deepEqual(!result.ok && result.errors.at(-1), {
    path: '',
    message: 'and 980 more errors like these',
  });
});

test('alerts with the same fingerprint are kept once, the later state winning', () => {
  const result = parseAlertmanager(
    payload([firingAlert(), firingAlert({ status: 'resolved', endsAt: '2026-11-25T14:00:00Z' })]),
  );
  assert.ok(result.ok);
  assert.equal(result.batch.alerts.length, 1);
  assert.equal(result.batch.alerts[0]?.status, 'resolved');
});

test('an alert without alertname is named by its fingerprint', () => {
  const result = parseAlertmanager(payload([firingAlert({ labels: { job: 'api' } })]));
  assert.ok(result.ok);
  assert.equal(result.batch.alerts[0]?.name, '066f64239d6975fb');
});
