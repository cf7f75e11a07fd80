import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileScenarioMatchers, type MatchableScenario, matchScenario } from '../../src/incidents/match.ts';
import { alertSignal } from '../../src/ingest/alert.ts';
import { parseAlertmanager } from '../../src/ingest/alertmanager.ts';

const SCENARIOS: MatchableScenario[] = [
  {
    id: 'api-down',
    title: 'API completely down (HTTP 503)',
    symptoms: ['/health returns 503', 'the api-ready check fails'],
  },
  {
    id: 'db-down',
    title: 'PostgreSQL unreachable',
    symptoms: ['DatabaseDown fires', 'pg_isready fails'],
    match: { alerts: ['PostgresDown', 'db-unreachable'], labels: { service: 'db' } },
  },
  {
    id: 'redis-oom',
    title: 'Redis out of memory',
    match: { checks: ['redis-ping'], logs: ['OOM command not allowed', '(unclosed'] },
  },
  {
    id: 'queue-backlog',
    title: 'Queue backlog',
    match: { labels: { service: 'worker', queue: 'default' } },
  },
];

test('an explicit scenario id wins over everything else', () => {
  assert.deepEqual(matchScenario({ scenario: 'redis-oom', name: 'PostgresDown' }, SCENARIOS), {
    scenarioId: 'redis-oom',
    rule: 'named',
    reason: 'named by the alert',
  });
  assert.equal(matchScenario({ scenario: 'Redis-OOM' }, SCENARIOS)?.scenarioId, 'redis-oom');
  // A scenario the runbook does not have is not a match; the other rules still apply.
  assert.deepEqual(matchScenario({ scenario: 'no-such', name: 'postgresdown' }, SCENARIOS), {
    scenarioId: 'db-down',
    rule: 'alert',
    reason: "match.alerts lists 'postgresdown'",
  });
});

test('match.alerts takes the runbook alert id or the alert name, case-insensitively', () => {
  assert.equal(matchScenario({ alertId: 'DB-Unreachable' }, SCENARIOS)?.scenarioId, 'db-down');
  assert.equal(matchScenario({ name: 'PostgresDown', checkId: 'redis-ping' }, SCENARIOS)?.rule, 'alert');
});

test('match.checks comes before labels', () => {
  assert.deepEqual(matchScenario({ checkId: 'redis-ping', labels: { service: 'db' } }, SCENARIOS), {
    scenarioId: 'redis-oom',
    rule: 'check',
    reason: "match.checks lists 'redis-ping'",
  });
});

test('match.labels needs every label equal', () => {
  assert.deepEqual(
    matchScenario({ labels: { service: 'worker', queue: 'default', env: 'prod' } }, SCENARIOS),
    {
      scenarioId: 'queue-backlog',
      rule: 'labels',
      reason: 'labels service=worker, queue=default all match',
    },
  );
  assert.equal(matchScenario({ labels: { service: 'worker', queue: 'emails' } }, SCENARIOS), undefined);
  assert.equal(matchScenario({ labels: { service: 'DB' } }, SCENARIOS), undefined);
});

test('a match.logs pattern matches the text, after labels', () => {
  const text = 'ERR OOM command not allowed when used memory > maxmemory';
  assert.deepEqual(matchScenario({ text }, SCENARIOS), {
    scenarioId: 'redis-oom',
    rule: 'logs',
    reason: 'log pattern /OOM command not allowed/ matches the text',
  });
  assert.equal(matchScenario({ text, labels: { service: 'db' } }, SCENARIOS)?.scenarioId, 'db-down');
});

test('last, a symptom that mentions the alert or check as a whole word', () => {
  assert.deepEqual(matchScenario({ name: 'DatabaseDown' }, SCENARIOS), {
    scenarioId: 'db-down',
    rule: 'symptom',
    reason: "symptom 'DatabaseDown fires' mentions 'DatabaseDown'",
  });
  assert.deepEqual(matchScenario({ checkId: 'API-READY' }, SCENARIOS), {
    scenarioId: 'api-down',
    rule: 'symptom',
    reason: "symptom 'the api-ready check fails' mentions 'API-READY'",
  });
  // Part of a longer id is not a mention, and names under four characters say too little.
  assert.equal(matchScenario({ checkId: 'api-rea' }, SCENARIOS), undefined);
  assert.equal(matchScenario({ checkId: 'api-ready-eu' }, SCENARIOS), undefined);
  assert.equal(matchScenario({ name: 'the' }, SCENARIOS), undefined);
  assert.equal(matchScenario({}, SCENARIOS), undefined);
});

test('bad log patterns are reported once at compile time and skipped', () => {
  const { matcher, errors } = compileScenarioMatchers(SCENARIOS);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.path, 'scenarios[2].match.logs[1]');
  assert.match(errors[0]?.message ?? '', /Invalid regular expression.*; this pattern is skipped$/);
  assert.equal(matcher.match({ text: 'OOM command not allowed' })?.scenarioId, 'redis-oom');
  assert.equal(matcher.match({ text: '(unclosed' }), undefined);
});

test('an Alertmanager alert matches through its runbook link', () => {
  const parsed = parseAlertmanager({
    version: '4',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'HighLatency', service: 'api' },
        annotations: { runbook_url: 'https://wiki/runbook#api-down' },
        startsAt: '2026-01-01T00:00:00Z',
        fingerprint: 'abc',
      },
    ],
  });
  assert.ok(parsed.ok);
  const alert = parsed.batch.alerts[0]!;
  assert.deepEqual(matchScenario(alertSignal(alert), SCENARIOS), {
    scenarioId: 'api-down',
    rule: 'named',
    reason: 'named by the alert',
  });
});
