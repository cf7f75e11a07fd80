/**
 * The importer against the five real runbooks: what each one states must come out of it, in the
 * model's terms, with no mojibake and every destructive command caught.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { importMarkdown } from '../../../src/runbook/import/index.ts';
import { lintRunbook } from '../../../src/runbook/lint.ts';
import { levelsOf, Runbook, type RunbookConfig, type Step } from '../../../src/runbook/schema.ts';
import { parseDuration } from '../../../src/runbook/units.ts';

const FIXTURES = new URL('../../fixtures/runbooks/', import.meta.url);
const FILES = {
  paris: '000_4aa57bcdda26359e.txt',
  vectra: '001_30b92af8b0b53331.txt',
  football: '002_e461e3d85802dcad.txt',
  sylion: '003_b5e6c50738bde8b2.txt',
  poker: '004_5e8796ab6fc91568.txt',
} as const;

const imported = (name: keyof typeof FILES) =>
  importMarkdown(readFileSync(new URL(FILES[name], FIXTURES)), { file: FILES[name] });
const model = (name: keyof typeof FILES): RunbookConfig => imported(name).runbook;
const minutes = (text: string | undefined): number | undefined =>
  text === undefined ? undefined : parseDuration(text)! / 60_000;

/** Every step of a model with its path, for the destructive-command sweep. */
function stepsOf(runbook: RunbookConfig): { path: string; step: Step }[] {
  const steps: { path: string; step: Step }[] = [];
  const add = (prefix: string, list: Step[] | undefined): void => {
    for (const [j, step] of (list ?? []).entries()) steps.push({ path: `${prefix}[${j}]`, step });
  };
  for (const [i, scenario] of (runbook.scenarios ?? []).entries()) {
    add(`scenarios[${i}].diagnosis`, scenario.diagnosis);
    add(`scenarios[${i}].actions`, scenario.actions);
  }
  for (const [i, procedure] of (runbook.procedures ?? []).entries())
    add(`procedures[${i}].steps`, procedure.steps);
  for (const [i, task] of (runbook.maintenance ?? []).entries()) add(`maintenance[${i}].steps`, task.steps);
  return steps;
}

describe('importing the real runbooks', () => {
  for (const name of Object.keys(FILES) as (keyof typeof FILES)[]) {
    it(`${FILES[name]} gives a model that validates, free of mojibake`, () => {
      const runbook = model(name);
      assert.doesNotThrow(() => Runbook.parse(runbook));
      const text = JSON.stringify(runbook);
      for (const broken of ['Ã', 'â€', '√', 'ðŸ', 'Ã©', 'ï¸', '\uFFFD']) {
        assert.ok(!text.includes(broken), `${FILES[name]} still holds ${JSON.stringify(broken)}`);
      }
      for (const scenario of runbook.scenarios ?? [])
        assert.ok(scenario.source?.line, `${scenario.id} has its line`);
    });
  }

  it('000 (Paris Sportif): six scenarios with their severities and times, checklists, maintenance, health checks', () => {
    const runbook = model('paris');
    assert.equal(runbook.name, 'Paris Sportif Backend');
    const scenarios = runbook.scenarios!;
    assert.equal(scenarios.length, 6);
    assert.deepEqual(
      scenarios.map((s) => s.severity),
      ['SEV1', 'SEV2', 'SEV3', 'SEV3', 'SEV1', 'SEV3'],
    );
    assert.equal(scenarios[0]!.original?.severity, '🔴 P0 (Critical)');
    assert.deepEqual(
      scenarios.map((s) => [minutes(s.resolution_time?.min), minutes(s.resolution_time?.max)]),
      [
        [5, 15],
        [15, 60],
        [0, 5],
        [5, 30],
        [5, 15],
        [5, 15],
      ],
    );
    assert.equal(scenarios[0]!.resolution_time?.text, '5-15 minutes');
    // The step keeps the condition it depends on.
    assert.ok(
      scenarios[0]!.actions!.some(
        (step) => step.when === 'deploy en cours' && /Attendre 2 minutes/.test(step.run),
      ),
    );

    assert.deepEqual(Object.keys(runbook.checklists!).sort(), ['post-deploy', 'post-incident', 'pre-deploy']);
    // "Health check OK (/health/ready retourne 200)" is what the readiness check watches: Vigie ticks it.
    const postDeploy = runbook.checklists!['post-deploy']!;
    const ticking = (Array.isArray(postDeploy) ? postDeploy : postDeploy.items).filter(
      (item) => typeof item !== 'string' && item.check !== undefined,
    );
    assert.deepEqual(
      ticking.map((item) => typeof item !== 'string' && [item.text, item.check]),
      [['Health check OK (/health/ready retourne 200)', 'paris-sportif-api-health-ready']],
    );

    const tasks = runbook.maintenance!;
    assert.equal(tasks.length, 3);
    const [deps, cleanup, vectors] = tasks;
    assert.match(deps!.title, /Dépendances/);
    assert.equal(deps!.schedule, '0 2 * * 6#1', 'monthly, first Saturday at 02:00');
    assert.equal(deps!.timezone, 'UTC');
    assert.equal(deps!.duration, '2h');
    assert.match(cleanup!.title, /Nettoyage Base de Données/);
    assert.equal(cleanup!.schedule, '0 0 1 */3 *', 'quarterly');
    assert.match(vectors!.title, /Qdrant/);
    assert.equal(vectors!.schedule, '0 0 1 * *', 'monthly');

    const checks = runbook.checks!;
    const health = checks.find((check) => check.probe === 'http' && /\/health$/.test(check.target));
    const ready = checks.find((check) => check.probe === 'http' && /\/health\/ready$/.test(check.target));
    assert.ok(health, 'a /health check');
    assert.ok(ready, 'a /health/ready check');
    for (const field of ['database', 'redis', 'football_api', 'llm_api']) {
      assert.ok(ready.expect!.includes(`body.${field} == true`), `/health/ready expects ${field} true`);
    }
    // Hosts become services behind ${ENV} references.
    const service = Object.values(runbook.services!).find((s) => s.url);
    assert.match(service!.url!, /^\$\{[A-Z_]+:-https:\/\/paris-sportif-api\.onrender\.com\}$/);
  });

  it('001 (Vectra): scenarios, the alert table, severities, escalation, SLOs and maintenance', () => {
    const runbook = model('vectra');
    assert.equal(runbook.scenarios!.length, 4);
    const alerts = runbook.alerts!;
    assert.deepEqual(
      alerts.map((alert) => [alert.name, alert.when, alert.severity, alert.original?.severity]),
      [
        ['API Down', 'fails 3 times', 'SEV1', 'CRITICAL'],
        ['High Error Rate', 'error_rate > 5% over 5m', 'SEV2', 'HIGH'],
        ['High Latency', 'p99(latency) > 3s over 5m', 'SEV2', 'HIGH'],
        ['Queue Depth', 'value > 1000', 'SEV3', 'MEDIUM'],
        ['Disk Space', 'value > 85%', 'SEV3', 'MEDIUM'],
      ],
    );
    assert.equal(alerts[0]!.original?.when, 'Health check fail 3x');
    const checkIds = new Set(runbook.checks!.map((check) => check.id));
    for (const alert of alerts)
      assert.ok(alert.check && checkIds.has(alert.check), `${alert.id} watches a check`);

    assert.deepEqual(
      runbook.severities!.map((level) => [level.id, minutes(level.response_time)]),
      [
        ['SEV1', 15],
        ['SEV2', 30],
        ['SEV3', 120],
        ['SEV4', 24 * 60],
      ],
    );
    const levels = levelsOf(runbook.escalation!.default!);
    assert.deepEqual(
      levels.map((level) => minutes(level.after)),
      [0, 15, 30, 60],
    );
    assert.deepEqual(levels[2]!.notify, ['tech-lead']);
    assert.deepEqual(
      runbook.slos!.map((slo) => [slo.indicator, slo.objective ?? slo.target]),
      [
        ['availability', '99.5%'],
        ['latency', 'p50(latency) < 200ms'],
        ['latency', 'p99(latency) < 1s'],
        ['error_rate', 'error_rate < 1%'],
      ],
    );
    const schedules = runbook.maintenance!.map((task) => task.schedule);
    assert.ok(schedules.includes('0 2 * * *'), 'daily backup at 02:00');
    assert.ok(schedules.includes('0 3 * * *'), 'daily log rotation at 03:00');
    assert.ok(schedules.includes('0 0 * * 0'), 'weekly VACUUM on Sunday');
    assert.ok(schedules.includes('0 0 1 * *'), 'monthly tasks');
  });

  it('002 (Football club): seven scenarios, two security procedures, P0..P3, SLOs', () => {
    const runbook = model('football');
    assert.equal(runbook.scenarios!.length, 7);
    assert.deepEqual(
      runbook.scenarios!.map((s) => s.title),
      [
        'API Returns 500 Errors',
        'Job Queue Stuck / Video Processing Failing',
        'Database Locks / Slow Queries',
        'Video Pipeline Low Throughput',
        'Tenant Data Leak (RLS Failure)',
        'Storage Full / S3 Upload Failures',
        'Grafana Dashboard Not Showing Data',
      ],
    );
    const security = runbook.procedures!.filter((procedure) => procedure.category === 'security');
    assert.deepEqual(
      security.map((procedure) => procedure.title),
      ['Data Breach Response', 'Secret Rotation'],
    );
    assert.deepEqual(
      runbook.severities!.map((level) => [level.id, level.label, minutes(level.response_time)]),
      [
        ['SEV1', 'P0', 15],
        ['SEV2', 'P1', 60],
        ['SEV3', 'P2', 240],
        ['SEV4', 'P3', 24 * 60],
      ],
    );
    assert.deepEqual(
      runbook.slos!.map((slo) => slo.name),
      ['API Availability', 'API Latency (p95)', 'Video Processing', 'Queue Lag'],
    );
    assert.equal(runbook.slos![1]!.target, 'p95(latency) < 500ms');
    assert.ok(
      runbook.checks!.some((check) => check.probe === 'postgres'),
      'pg_isready became a check',
    );
    assert.ok(
      runbook.checks!.some((check) => check.probe === 'redis'),
      'redis-cli ping became a check',
    );
    assert.ok(
      runbook.checks!.some((check) => check.probe === 'tls'),
      'openssl x509 -dates became a check',
    );
  });

  it('003 (Sylion): seven scenarios with their restore-backup answers, the post-incident checklist', () => {
    const runbook = model('sylion');
    const scenarios = runbook.scenarios!;
    assert.equal(scenarios.length, 7);
    assert.match(scenarios[6]!.title, /Quota Blocking/);
    assert.deepEqual(
      scenarios.slice(0, 6).map((s) => s.restore_backup?.answer),
      ['no', 'no', 'no', 'yes', 'maybe', 'no'],
    );
    assert.deepEqual(scenarios[3]!.restore_backup!.when, [
      'Corruption de données confirmée',
      'Erreur PANIC dans les logs Postgres',
      'Volume Docker corrompu',
    ]);
    assert.deepEqual(
      scenarios.slice(0, 6).map((s) => s.severity),
      ['SEV1', 'SEV2', 'SEV2', 'SEV1', 'SEV2', 'SEV2'],
      'coloured dots in the headings',
    );
    // A symptom quoting a health check ("`curl …/health` → timeout") says how to watch for the incident.
    assert.ok(runbook.checks!.some((check) => check.target === '${services.api-sylion.url}/health'));
    const checklist = runbook.checklists!['post-incident']!;
    assert.ok(!Array.isArray(checklist));
    assert.equal(checklist.items.length, 6);
  });

  it('004 (Poker): the data-freshness check, the endpoint check with its 1 s bound, three anomaly alerts', () => {
    const runbook = model('poker');
    const checks = runbook.checks!;
    const freshness = checks.find((check) => /fresh/.test(check.id));
    assert.ok(freshness, 'a data-freshness check');
    assert.equal(freshness.probe, 'command');
    const endpoints = checks.find((check) => /endpoint/.test(check.id));
    assert.ok(endpoints, 'an endpoint check');
    assert.ok(endpoints.expect!.includes('latency < 1s'), `expects ${endpoints.expect}`);
    const anomalies = checks.find((check) => /anomal/.test(check.id));
    assert.ok(anomalies);
    const alerts = runbook.alerts!;
    assert.deepEqual(
      alerts.map((alert) => alert.name),
      ['duplicate events', 'non‑positive buy‑in', 'past events'],
    );
    for (const alert of alerts) assert.equal(alert.check, anomalies.id);
  });

  const DESTRUCTIVE: Record<keyof typeof FILES, RegExp[]> = {
    paris: [
      /DELETE FROM matches/,
      /DELETE FROM predictions/,
      /psql \$DATABASE_URL < backup/,
      /client\.delete\(/,
    ],
    vectra: [/celery -A app\.worker purge/, /psql "postgres:\/\/\.\.\." < backup\.sql/],
    football: [
      /redis-cli DEL rq:queue:failed/,
      /find \/tmp .* -delete/,
      /find logs\/ .* -delete/,
      /alembic downgrade/,
    ],
    sylion: [
      /FLUSHDB/,
      /prune -af --volumes/,
      /truncate -s 0/,
      /xargs -I \{\} rm/,
      /journalctl --vacuum-time/,
      /restore_postgres\.sh/,
    ],
    poker: [],
  };

  for (const name of Object.keys(FILES) as (keyof typeof FILES)[]) {
    it(`${FILES[name]}: every destructive command is classified destructive and flagged by the linter`, () => {
      const runbook = model(name);
      const findings = lintRunbook(runbook);
      const steps = stepsOf(runbook);
      for (const pattern of DESTRUCTIVE[name]) {
        const matching = steps.filter(({ step }) => pattern.test(step.run));
        assert.ok(matching.length > 0, `${pattern} is imported as a step`);
        for (const { path, step } of matching) {
          assert.equal(step.risk, 'destructive', `${step.run} is destructive`);
          assert.ok(
            findings.some(
              (finding) => finding.code === 'destructive-unguarded' && finding.path.startsWith(path),
            ),
            `lint flags ${path} (${step.run})`,
          );
        }
      }
      // And nothing that matches a destructive verb slipped through as read.
      for (const { step } of steps) {
        if (
          /\b(FLUSHDB|FLUSHALL|DELETE FROM|TRUNCATE|DROP TABLE|--volumes)\b|\brm\s|-delete\b/.test(step.run)
        ) {
          assert.notEqual(step.risk, 'read', step.run);
        }
      }
    });
  }
});
