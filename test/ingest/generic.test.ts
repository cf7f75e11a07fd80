import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultKey, parseGenericWebhook } from '../../src/ingest/generic.ts';

const NOW = 1_700_000_000_000;

test('one alert object at the top level needs only a name', () => {
  const result = parseGenericWebhook({ name: 'nightly-import-failed' }, NOW);
  assert.ok(result.ok);
  assert.deepEqual(result.batch, {
    alerts: [
      {
        source: 'webhook',
        fingerprint: defaultKey('nightly-import-failed', {}),
        status: 'firing',
        name: 'nightly-import-failed',
        labels: {},
        annotations: {},
        startsAt: NOW,
      },
    ],
    truncatedAlerts: 0,
  });
});

test('the list form reads every field', () => {
  const result = parseGenericWebhook(
    {
      alerts: [
        {
          name: 'api-down',
          status: 'resolved',
          key: 'grafana:42',
          severity: 'P0',
          labels: { service: 'api', port: 8000, canary: false },
          summary: 'API answers 503',
          scenario: 'api-down',
          startsAt: '2026-01-01T10:00:00Z',
          endsAt: 1_767_261_900_000,
          url: 'https://grafana/alert/42',
        },
        { name: 'queue-backlog', severity: 'high', annotations: { description: 'queue > 1000' } },
      ],
    },
    NOW,
  );
  assert.ok(result.ok);
  const [first, second] = result.batch.alerts;
  assert.deepEqual(first, {
    source: 'webhook',
    fingerprint: 'grafana:42',
    status: 'resolved',
    name: 'api-down',
    labels: { service: 'api', port: '8000', canary: 'false' },
    annotations: {},
    startsAt: Date.parse('2026-01-01T10:00:00Z'),
    endsAt: 1_767_261_900_000,
    severity: 'SEV1',
    scenario: 'api-down',
    summary: 'API answers 503',
    url: 'https://grafana/alert/42',
  });
  assert.equal(second?.severity, 'SEV2');
  assert.equal(second?.summary, 'queue > 1000');
  assert.equal(second?.status, 'firing');
});

test('severity aliases, from the field or from the labels', () => {
  const severities = ['SEV2', 'P0', 'critical', 'high', 'warning', 'low'].map((severity) => {
    const result = parseGenericWebhook({ name: 'x', severity }, NOW);
    return result.ok ? result.batch.alerts[0]?.severity : result.errors;
  });
  assert.deepEqual(severities, ['SEV2', 'SEV1', 'SEV1', 'SEV2', 'SEV3', 'SEV4']);
  const fromLabel = parseGenericWebhook({ name: 'x', labels: { priority: 'P1' } }, NOW);
  assert.ok(fromLabel.ok);
  assert.equal(fromLabel.batch.alerts[0]?.severity, 'SEV2');
});

test('the default key is stable: label order does not change it, a label value does', () => {
  const a = defaultKey('disk-full', { host: 'web-1', mount: '/' });
  assert.equal(a, defaultKey('disk-full', { mount: '/', host: 'web-1' }));
  assert.notEqual(a, defaultKey('disk-full', { host: 'web-2', mount: '/' }));
  assert.notEqual(a, defaultKey('disk-fulll', { host: 'web-1', mount: '/' }));
  assert.match(a, /^[0-9a-f]{16}$/);
  const result = parseGenericWebhook({ name: 'disk-full', labels: { mount: '/', host: 'web-1' } }, NOW);
  assert.ok(result.ok);
  assert.equal(result.batch.alerts[0]?.fingerprint, a);
});

test('the same key twice in one call keeps the later alert', () => {
  const result = parseGenericWebhook(
    { alerts: [{ name: 'x' }, { name: 'x', status: 'resolved' }, { name: 'y' }] },
    NOW,
  );
  assert.ok(result.ok);
  assert.deepEqual(
    result.batch.alerts.map((alert) => [alert.name, alert.status]),
    [
      ['x', 'resolved'],
      ['y', 'firing'],
    ],
  );
});

test('the scenario falls back to a label, then to the runbook link', () => {
  const result = parseGenericWebhook(
    {
      alerts: [
        { name: 'a', labels: { scenario: 'db-down' } },
        { name: 'b', annotations: { runbook_url: 'https://wiki/runbook#redis-oom' } },
      ],
    },
    NOW,
  );
  assert.ok(result.ok);
  assert.deepEqual(
    result.batch.alerts.map((alert) => alert.scenario),
    ['db-down', 'redis-oom'],
  );
});

test('errors say what is wrong and where', () => {
  const result = parseGenericWebhook(
    {
      alerts: [
        { name: 'ok' },
        { status: 'firing' },
        { name: ' ', severity: 'sort-of-bad', labels: { nested: { a: 1 } } },
        { name: 'x', status: 'down', startsAt: 1_700_000_000 },
        { name: 'x', startsAt: 'last tuesday', endsAt: true },
      ],
    },
    NOW,
  );
  assert.equal(result.ok, false);
  assert.deepEqual(!result.ok && result.errors, [
    { path: 'alerts[1].name', message: 'required' },
    { path: 'alerts[2].name', message: 'must not be empty' },
    {
      path: 'alerts[2].severity',
      message: 'not a severity Vigie knows; use SEV1..SEV4, P0..P3 or critical, high, medium, low',
    },
    { path: 'alerts[2].labels.nested', message: 'expected a string, got an object' },
    { path: 'alerts[3].status', message: "string 'down' is not one of 'firing', 'resolved'" },
    {
      path: 'alerts[3].startsAt',
      message: '1700000000 looks like epoch seconds; send epoch milliseconds or an ISO 8601 string',
    },
    { path: 'alerts[4].startsAt', message: "'last tuesday' is not an ISO 8601 time" },
    {
      path: 'alerts[4].endsAt',
      message: 'expected an ISO 8601 string or epoch milliseconds, got boolean true',
    },
  ]);
});

test('a single alert reports errors at the top level, and non-objects are refused', () => {
  assert.deepEqual(parseGenericWebhook({ summary: 'x' }, NOW), {
    ok: false,
    errors: [{ path: 'name', message: 'required' }],
  });
  assert.deepEqual(parseGenericWebhook({ alerts: 'x' }, NOW), {
    ok: false,
    errors: [{ path: 'alerts', message: "expected an array, got string 'x'" }],
  });
  assert.deepEqual(parseGenericWebhook('api-down', NOW), {
    ok: false,
    errors: [{ path: '', message: `expected an alert object or { "alerts": [...] }, got string 'api-down'` }],
  });
});

test('an Alertmanager payload sent here is pointed to the right endpoint', () => {
  const result = parseGenericWebhook(
    { version: '4', receiver: 'vigie', groupKey: '{}', status: 'firing', alerts: [{ labels: {} }] },
    NOW,
  );
  assert.equal(result.ok, false);
  assert.match(!result.ok ? (result.errors[0]?.message ?? '') : '', /looks like an Alertmanager payload/);
  assert.deepEqual(!result.ok && result.errors[1], { path: 'alerts[0].name', message: 'required' });
});
