/**
 * The importer on layouts the fixtures do not have: it reads structure by general means (headings,
 * labels, tables, lists, code), not by the shape of five known files.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { importMarkdown } from '../../../src/runbook/import/index.ts';
import { levelsOf } from '../../../src/runbook/schema.ts';

const read = (text: string) => importMarkdown(text).runbook;

describe('importer structure', () => {
  it('an index table lends severities to described scenarios and keeps listed-only ones', () => {
    const runbook = read(
      [
        '# Payments Runbook',
        '',
        '| # | Incident | Severity | Owner |',
        '|---|----------|----------|-------|',
        '| 1 | [Checkout down](#checkout-down) | P0 | payments |',
        '| 2 | Ledger drift | HIGH | finance |',
        '',
        '## Incidents',
        '',
        '### Incident 1: Checkout down',
        '',
        '**Diagnosis:**',
        '```bash',
        'curl -fsS https://pay.example.com/healthz',
        '```',
      ].join('\n'),
    );
    assert.equal(runbook.name, 'Payments');
    assert.deepEqual(
      runbook.scenarios!.map((s) => [s.title, s.severity, s.original?.severity, s.source?.line]),
      [
        ['Checkout down', 'SEV1', 'P0', 10],
        ['Ledger drift', 'SEV2', 'HIGH', 6],
      ],
    );
    assert.equal(runbook.checks![0]!.target, '${services.pay-example.url}/healthz');
    assert.equal(runbook.services!['pay-example']!.url, '${PAY_EXAMPLE_URL:-https://pay.example.com}');
  });

  it('an escalation timeline written as a list, linked to the contacts table', () => {
    const runbook = read(
      [
        '# Ops',
        '',
        '## On-call',
        '',
        '| Role | Contact |',
        '|------|---------|',
        '| Primary on-call | oncall@example.com |',
        '| CTO | +33 6 12 34 56 78 |',
        '',
        '## Escalation',
        '',
        '- **T+0**: Primary on-call',
        '- T+20min: CTO',
      ].join('\n'),
    );
    assert.deepEqual(
      runbook.contacts!.map((c) => [c.id, c.email ?? c.phone]),
      [
        ['primary-on-call', 'oncall@example.com'],
        ['cto', '+33 6 12 34 56 78'],
      ],
    );
    assert.deepEqual(
      levelsOf(runbook.escalation!.default!).map((level) => [level.after, level.notify]),
      [
        ['0m', ['primary-on-call']],
        ['20m', ['cto']],
      ],
    );
  });

  it('a scenario under a troubleshooting heading, with conditions in lists and comments', () => {
    const runbook = read(
      [
        '# Shop',
        '',
        '## Troubleshooting',
        '',
        '### Orders are not saved',
        '',
        '#### Symptoms',
        '- 500 on POST /orders',
        '',
        '#### Investigation',
        '- Check the logs: `docker logs shop-api --tail=200`',
        '',
        '#### Fix',
        '1. **If the database is full:** free space',
        '   ```bash',
        '   # Drop old sessions',
        '   psql "$DATABASE_URL" -c "DELETE FROM sessions WHERE created_at < now() - interval \'30 days\';"',
        '   ```',
        '2. If the pool is exhausted → restart the API',
        '',
        '**Expected time to fix:** 10 to 20 minutes',
        '**Priority:** High',
      ].join('\n'),
    );
    const [scenario] = runbook.scenarios!;
    assert.ok(scenario);
    assert.equal(scenario.title, 'Orders are not saved');
    assert.equal(scenario.severity, 'SEV2');
    assert.deepEqual(scenario.symptoms, ['500 on POST /orders']);
    assert.deepEqual(
      scenario.diagnosis!.map((step) => [step.run, step.kind, step.risk]),
      [['docker logs shop-api --tail=200', 'docker', 'read']],
    );
    const actions = scenario.actions!.map((step) => [step.when, step.run, step.risk, step.description]);
    assert.deepEqual(actions[0], ['the database is full', 'free space', actions[0]![2], undefined]);
    assert.equal(actions[1]![0], 'the database is full');
    assert.equal(actions[1]![2], 'destructive');
    assert.equal(actions[1]![3], 'Drop old sessions');
    assert.deepEqual(actions[2]!.slice(0, 2), ['the pool is exhausted', 'restart the API']);
    assert.deepEqual(scenario.resolution_time, { min: '10m', max: '20m', text: '10 to 20 minutes' });
  });

  it('task lists become checklists named by their heading, wherever they stand', () => {
    const runbook = read(
      '# Ops\n\n## Before deploying\n\n- [ ] Tests green\n- [x] Changelog written\n\n## Release day\n\n- [ ] Tell support\n',
    );
    assert.deepEqual(Object.keys(runbook.checklists!), ['pre-deploy', 'release-day']);
  });

  it('reads a leading cd of a shell step as the directory it runs in', () => {
    const runbook = read(
      [
        '# Ops',
        '',
        '## API down',
        '',
        '```bash',
        'cd /srv/shop',
        'docker compose restart api',
        '```',
        '',
      ].join('\n'),
    );
    const steps = (runbook.procedures ?? []).flatMap((procedure) => procedure.steps ?? []);
    const restart = steps.find((step) => step.run.includes('restart api'));
    assert.ok(restart, JSON.stringify(runbook.procedures));
    assert.equal(restart.workdir, '/srv/shop');
    assert.equal(restart.run, 'docker compose restart api');
  });

  it('links a checklist item to the check that watches it, with the time it must hold', () => {
    const runbook = read(
      [
        '# Ops',
        '',
        '## Monitoring',
        '',
        '```bash',
        'curl -f https://api.example.com/health/ready',
        '```',
        '',
        '## Post-deploy',
        '',
        '- [ ] /health/ready answers 200 for 5 minutes',
        '- [ ] Services UP',
        '- [ ] Logs clean',
        '',
      ].join('\n'),
    );
    const checklist = runbook.checklists!['post-deploy']!;
    const items = Array.isArray(checklist) ? checklist : checklist.items;
    const check = runbook.checks!.find((candidate) => candidate.target.endsWith('/health/ready'));
    assert.ok(check, JSON.stringify(runbook.checks));
    assert.deepEqual(items[0], {
      text: '/health/ready answers 200 for 5 minutes',
      check: check.id,
      hold: '5m',
      source: { line: 11 },
    });
    assert.ok(
      items.slice(1).every((item) => typeof item === 'string' || item.check === undefined),
      'vague items stay for a person',
    );
  });

  it('maintenance written as a table of words: "every Sunday at 03:30 UTC", "nightly"', () => {
    const runbook = read(
      [
        '# Ops',
        '',
        '## Scheduled maintenance',
        '',
        '### Weekly vacuum',
        '',
        '**Schedule:** every Sunday at 03:30 UTC',
        '',
        '```sql',
        'VACUUM ANALYZE;',
        '```',
        '',
        '### Nightly backup',
        '',
        '**Schedule:** nightly at 01:00',
        '',
        '```bash',
        'pg_dump "$DATABASE_URL" > /backups/db.sql',
        '```',
      ].join('\n'),
    );
    assert.deepEqual(
      runbook.maintenance!.map((task) => [task.title, task.schedule, task.steps!.map((s) => s.kind)]),
      [
        ['Weekly vacuum', '30 3 * * 0', ['sql']],
        ['Nightly backup', '0 1 * * *', ['shell']],
      ],
    );
  });
});
