// biome-ignore-all lint/suspicious/noTemplateCurlyInString: runbooks write ${ENV} references in plain strings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Finding, type Locate, lintDocumentText, lintRunbook } from '../../src/runbook/lint.ts';
import type { RunbookConfig, Step } from '../../src/runbook/schema.ts';

function step(run: string, risk: Step['risk'] = 'read', extra: Partial<Step> = {}): Step {
  return { run, kind: 'shell', risk, ...extra };
}

/** A runbook every rule is happy with; tests break one thing at a time. */
function clean(): RunbookConfig {
  return {
    name: 'Clean',
    services: { api: { url: 'https://api.example.com' }, db: { postgres: '${DATABASE_URL}' } },
    checks: [{ id: 'api-ready', probe: 'http', target: '${services.api.url}/health/ready' }],
    alerts: [
      { id: 'api-down', check: 'api-ready', when: 'fails 3 times', scenario: 'api-down' },
      { id: 'slow-api', check: 'api-ready', when: 'p99(latency) > 3s over 5m', severity: 'SEV2' },
    ],
    contacts: [
      { id: 'alice', name: 'Alice Martin', role: 'On-call primary' },
      { id: 'bob', name: 'Bob', role: 'Tech Lead' },
    ],
    escalation: {
      default: [
        { after: '0m', notify: ['alice'] },
        { after: '15m', notify: ['Tech Lead'] },
      ],
    },
    scenarios: [
      {
        id: 'api-down',
        title: 'API down',
        severity: 'SEV1',
        diagnosis: [step('curl -sS https://api.example.com/health/ready')],
        actions: [step('docker compose restart api', 'write')],
      },
    ],
    maintenance: [
      { id: 'vacuum', title: 'Weekly VACUUM', steps: [step('psql "$DATABASE_URL" -c "VACUUM"', 'write')] },
    ],
  };
}

function only(findings: Finding[], code: string): Finding[] {
  return findings.filter((finding) => finding.code === code);
}

describe('lintRunbook', () => {
  it('finds nothing in a clean runbook', () => {
    assert.deepEqual(lintRunbook(clean()), []);
  });

  describe('maintenance-refused', () => {
    it('says which scheduled runs the maintenance gate would refuse, and why', () => {
      const runbook = clean();
      const vacuum = runbook.maintenance![0]!;
      vacuum.schedule = '0 3 * * 0';
      vacuum.steps!.push(
        step('systemctl restart postgresql', 'dangerous', { id: 'restart-db' }),
        step('psql -c "DELETE FROM logs WHERE day < now() - interval \'90 days\'"', 'destructive'),
        step('psql -c "SELECT 1" TENANT', 'write', { params: { TENANT: { type: 'uuid' } } }),
      );
      const codes = (findings: Finding[]) =>
        findings
          .filter((finding) => /maintenance-refused|destructive-unguarded/.test(finding.code))
          .map((finding) => `${finding.code} ${finding.path}`);
      assert.deepEqual(codes(lintRunbook(runbook)), [
        'maintenance-refused maintenance[0].steps[1]',
        'destructive-unguarded maintenance[0].steps[2]',
        'maintenance-refused maintenance[0].steps[3].params',
      ]);
      const [destructive] = only(lintRunbook(runbook), 'destructive-unguarded');
      assert.match(destructive!.fix, /approval: \{ by: NAME, at: YYYY-MM-DD \}/);

      vacuum.approval = { by: 'Claire Martin', at: '2026-01-05', until: '2026-02-01' };
      const expired = only(lintRunbook(runbook), 'maintenance-refused');
      assert.deepEqual(
        expired.map((finding) => finding.path),
        ['maintenance[0].approval', 'maintenance[0].steps[3].params'],
      );
      assert.match(expired[0]!.message, /approval by Claire Martin ended on 2026-02-01/);
      assert.deepEqual(only(lintRunbook(runbook), 'destructive-unguarded'), [], 'the approval covers it');

      vacuum.approval = { by: 'Claire Martin', at: '2026-01-05' };
      vacuum.steps!.pop();
      assert.deepEqual(only(lintRunbook(runbook), 'maintenance-refused'), []);
    });
  });

  describe('dangerous-without-id', () => {
    it('asks for an id on a dangerous step, since its id is what a responder types to confirm', () => {
      const runbook = clean();
      runbook.scenarios![0]!.actions = [
        step('systemctl restart postgresql', 'dangerous'),
        step('docker compose restart api', 'write', { guard: { confirm: true } }),
        step('kill -9 $(pgrep worker)', 'dangerous', { id: 'kill-worker' }),
        step('Dashboard → Deploys → Rollback', 'dangerous', { kind: 'manual' }),
      ];
      const findings = only(lintRunbook(runbook), 'dangerous-without-id');
      assert.deepEqual(
        findings.map((finding) => finding.path),
        ['scenarios[0].actions[0]', 'scenarios[0].actions[1]'],
      );
      assert.equal(findings[0]!.level, 'warning');
      assert.match(findings[0]!.fix, /give it an id/);
    });
  });

  describe('destructive-unguarded', () => {
    it('flags a destructive action without approval, telling how to guard it', () => {
      const runbook = clean();
      runbook.scenarios![0]!.actions = [step('redis-cli FLUSHDB', 'destructive')];
      const [finding, ...rest] = only(lintRunbook(runbook), 'destructive-unguarded');
      assert.equal(rest.length, 0);
      assert.equal(finding?.level, 'error');
      assert.equal(finding?.path, 'scenarios[0].actions[0]');
      assert.match(finding?.message ?? '', /"redis-cli FLUSHDB"/);
      assert.match(finding?.fix ?? '', /guard: \{ approval: true, backup: <backup step id> \}/);
    });

    it('accepts approval alone when no backup exists, and leaves non-destructive steps alone', () => {
      const runbook = clean();
      runbook.scenarios![0]!.actions = [
        step('redis-cli FLUSHDB', 'destructive', { guard: { approval: true } }),
        step('docker compose restart db', 'dangerous'),
      ];
      assert.deepEqual(only(lintRunbook(runbook), 'destructive-unguarded'), []);
    });

    it('asks for the backup when the scenario has a backup step, and names it', () => {
      const runbook = clean();
      runbook.scenarios![0]!.actions = [
        step('pg_dump "$DATABASE_URL" > before.sql', 'read', { id: 'dump' }),
        step('psql "$DATABASE_URL" -c "DELETE FROM matches"', 'destructive', { guard: { approval: true } }),
      ];
      const [finding] = only(lintRunbook(runbook), 'destructive-unguarded');
      assert.equal(finding?.path, 'scenarios[0].actions[1]');
      assert.match(finding?.message ?? '', /backup/);
      assert.doesNotMatch(finding?.message ?? '', /approval/);
      assert.match(finding?.fix ?? '', /guard: \{ approval: true, backup: dump \}/);

      runbook.scenarios![0]!.actions[1]!.guard = { approval: true, backup: 'dump' };
      assert.deepEqual(only(lintRunbook(runbook), 'destructive-unguarded'), []);
    });

    it('counts a maintenance task titled backup, but not steps that only list or restore backups', () => {
      const runbook = clean();
      runbook.scenarios![0]!.diagnosis!.push(step('du -sh /srv/backups/'));
      runbook.scenarios![0]!.actions = [
        step('./scripts/restore_postgres.sh backups/last.sql.gz', 'dangerous'),
        step('docker system prune -af --volumes', 'destructive', { guard: { approval: true } }),
      ];
      assert.deepEqual(only(lintRunbook(runbook), 'destructive-unguarded'), []);

      runbook.maintenance!.push({ id: 'db-backup', title: 'Database backup', schedule: '0 2 * * *' });
      const [finding] = only(lintRunbook(runbook), 'destructive-unguarded');
      assert.equal(finding?.path, 'scenarios[0].actions[1]');
      assert.match(finding?.fix ?? '', /backup: db-backup/);
    });

    it('checks procedure and maintenance steps too', () => {
      const runbook = clean();
      runbook.procedures = [
        { id: 'cleanup', title: 'Cleanup', steps: [step('find logs/ -mtime +7 -delete', 'destructive')] },
      ];
      runbook.maintenance![0]!.steps!.push(step('truncate -s 0 /var/log/app.log', 'destructive'));
      const paths = only(lintRunbook(runbook), 'destructive-unguarded').map((finding) => finding.path);
      assert.deepEqual(paths, ['maintenance[0].steps[1]', 'procedures[0].steps[0]']);
    });

    it('flags every destructive command form of the real runbooks', () => {
      const commands = [
        'docker exec sylion-redis redis-cli -a "$REDIS_PASSWORD" FLUSHDB',
        'celery -A app.worker purge',
        "DELETE FROM matches WHERE status = 'FINISHED' AND match_date < NOW() - INTERVAL '1 year';",
        'docker system prune -af --volumes',
        'find /tmp -name "*.mp4" -mtime +7 -delete',
        'sudo truncate -s 0 /var/lib/docker/containers/*/*-json.log',
        'docker-compose exec redis redis-cli DEL rq:queue:failed',
      ];
      const runbook = clean();
      runbook.scenarios![0]!.actions = commands.map((run) => step(run, 'destructive'));
      const findings = lintRunbook(runbook);
      const flagged = only(findings, 'destructive-unguarded');
      assert.deepEqual(
        flagged.map((finding) => finding.path),
        commands.map((_, index) => `scenarios[0].actions[${index}]`),
      );
      for (const [index, finding] of flagged.entries()) {
        assert.ok(finding.message.includes(commands[index]!.slice(0, 30)), finding.message);
      }
      // $REDIS_PASSWORD is a reference, not a secret written in clear.
      assert.deepEqual(only(findings, 'secret-in-clear'), []);
    });
  });

  describe('diagnosis-not-read and destructive-in-diagnosis', () => {
    it('warns about a write step in diagnosis and errs on a destructive one', () => {
      const runbook = clean();
      runbook.scenarios![0]!.diagnosis = [
        step('curl -sS https://api.example.com/health'),
        step('docker compose restart worker', 'write'),
        step('redis-cli FLUSHDB', 'destructive', { guard: { approval: true } }),
      ];
      const findings = lintRunbook(runbook);
      assert.deepEqual(
        only(findings, 'diagnosis-not-read').map((finding) => [finding.level, finding.path]),
        [['warning', 'scenarios[0].diagnosis[1]']],
      );
      assert.deepEqual(
        only(findings, 'destructive-in-diagnosis').map((finding) => [finding.level, finding.path]),
        [['error', 'scenarios[0].diagnosis[2]']],
      );
    });

    it('accepts read steps in diagnosis and non-read steps in actions', () => {
      const findings = lintRunbook(clean());
      assert.deepEqual(only(findings, 'diagnosis-not-read'), []);
      assert.deepEqual(only(findings, 'destructive-in-diagnosis'), []);
    });
  });

  describe('placeholder', () => {
    const cases: [string, string][] = [
      ["SELECT * FROM usage WHERE tenant_id = 'TENANT_UUID'", 'TENANT_UUID'],
      ['curl -X POST http://localhost:3000/admin/documents/DOC_UUID/reindex', 'DOC_UUID'],
      ['psql -c "SELECT pg_terminate_backend(<PID>);"', '<PID>'],
      ['curl -X POST https://<api-url>/admin/ingest', '<api-url>'],
      ['echo JWT_SECRET=<new_secret> >> .env', '<new_secret>'],
      ['open https://dashboard.render.com/web/srv-xxx', 'srv-xxx'],
      ['open https://console.upstash.com/redis/xxx', 'xxx'],
      ['./restore.sh backups/sylion_YYYY-MM-DD_HHMMSS.sql.gz', 'YYYY-MM-DD'],
      ['mail [contact]', '[contact]'],
      ['notify TODO', 'TODO'],
      ['psql "postgres://..." -c "SELECT 1;"', 'postgres://...'],
      ['redis-cli -u rediss://default:PASSWORD@HOST:6379 ping', 'rediss://default:PASSWORD@HOST:6379'],
    ];
    for (const [run, placeholder] of cases) {
      it(`flags ${placeholder} in a step`, () => {
        const runbook = clean();
        runbook.scenarios![0]!.actions = [step(run, 'write')];
        const findings = lintRunbook(runbook);
        const [finding, ...rest] = only(findings, 'placeholder');
        assert.equal(rest.length, 0);
        assert.equal(finding?.level, 'warning');
        assert.equal(finding?.path, 'scenarios[0].actions[0].run');
        assert.ok(finding?.message.includes(`"${placeholder}"`), finding?.message);
        assert.match(finding?.fix ?? '', /parameter|value|\$\{ENV\}/);
        // An upper-case DSN credential is a placeholder, never a secret in clear.
        assert.deepEqual(only(findings, 'secret-in-clear'), []);
      });
    }

    it('flags placeholders in services, contacts and check targets', () => {
      const runbook = clean();
      runbook.services!.api!.url = 'https://<api-url>';
      runbook.contacts = [
        { id: 'devops', name: 'À définir', role: 'On-call DevOps' },
        { id: 'lead', name: 'Lead', role: 'Tech Lead', email: 'TBD' },
        { id: 'sec', name: 'Security', phone: 'to be defined' },
        { id: 'ops', name: 'A definir' },
      ];
      runbook.escalation = { default: [{ after: '0m', notify: ['devops'] }] };
      runbook.checks![0]!.target = 'https://api.example.com/tenants/TENANT_ID/health';
      const paths = only(lintRunbook(runbook), 'placeholder').map((finding) => finding.path);
      assert.deepEqual(paths.sort(), [
        'checks[0].target',
        'contacts[0].name',
        'contacts[1].email',
        'contacts[2].phone',
        'contacts[3].name',
        'services.api.url',
      ]);
    });

    it('flags bare names a command leaves to fill in, but not the parameters its step declares', () => {
      const runbook = clean();
      runbook.scenarios![0]!.actions = [
        step('kill -9 PID', 'dangerous'),
        {
          ...step("DELETE FROM jobs WHERE tenant = '<TENANT_UUID>' AND doc = DOC_ID", 'destructive'),
          guard: { approval: true },
          params: { TENANT_UUID: { type: 'uuid' } },
        },
      ];
      const found = only(lintRunbook(runbook), 'placeholder').map((finding) => finding.message);
      assert.equal(found.length, 2, found.join('\n'));
      assert.match(found[0]!, /placeholder "PID" left in "kill -9 PID"/);
      assert.match(found[1]!, /^placeholder "DOC_ID" left/, 'the declared TENANT_UUID is not listed');
    });

    it('leaves references, assignments, prose ellipses and real values alone', () => {
      const runbook = clean();
      runbook.scenarios![0]!.actions = [
        step(
          'psql "$DATABASE_URL" -c "SELECT * FROM t WHERE tenant_id = \'${TENANT_UUID}\' AND doc = \'$DOC_ID\'"',
          'write',
        ),
        step('TENANT_ID=42 ./scripts/reindex.sh', 'write'),
        step('echo "Waiting..." && sleep 5', 'write'),
        step('curl -H "X-Tenant-ID: 7f1c" https://api.example.com/tenants', 'write'),
        { run: 'Render dashboard: click "..." then "Redeploy"', kind: 'manual', risk: 'write' },
      ];
      // Placeholders only matter where they run or reach people; prose elsewhere is left alone.
      runbook.scenarios![0]!.symptoms = ['TODO: describe'];
      assert.deepEqual(only(lintRunbook(runbook), 'placeholder'), []);
    });
  });

  describe('secret-in-clear', () => {
    const cases: [string, string, string][] = [
      ['Grafana: http://localhost:3001 (admin/admin)', '(admin/****)', 'admin)'],
      [
        'psql "postgres://sylion_dev:dev_password@localhost:5433/sylion_dev"',
        'postgres://sylion_dev:****@localhost',
        'dev_password',
      ],
      ['redis-cli -u redis://:pw123@cache:6379/0 ping', 'redis://:****@cache:6379', 'pw123'],
      ['redis-cli -a hunter2 FLUSHDB', 'redis-cli -a ****', 'hunter2'],
      [
        'curl -H "Authorization: Bearer eyJhbGciOiJIUzI1" https://api',
        'Authorization: Bearer ****',
        'eyJhbG',
      ],
      ['curl -H "api-key: 8f2b9c1d" https://qdrant', 'api-key: ****', '8f2b9c1d'],
      ['mysql --host db password=topsecret', 'password=****', 'topsecret'],
      ['echo JWT_SECRET=s3cr3t-value >> .env', 'JWT_SECRET=****', 's3cr3t'],
      ['redis-cli -h cache AUTH s3cretpw', 'redis-cli -h cache AUTH ****', 's3cretpw'],
      ['redis-cli -h cache AUTH ops s3cretpw', 'redis-cli -h cache AUTH ops ****', 's3cretpw'],
      ['mysql -u root -pS3cret shop', 'mysql -u root -p****', 'S3cret'],
      ['curl "https://api.example.com/v1?token=abc123def"', 'token=****', 'abc123def'],
      [
        'curl -H "Authorization: Basic dXNlcjpwYXNz" https://api',
        'Authorization: Basic ****',
        'dXNlcjpwYXNz',
      ],
    ];
    for (const [run, masked, secret] of cases) {
      it(`flags ${masked}`, () => {
        const runbook = clean();
        runbook.scenarios![0]!.actions = [step(run, 'write')];
        const findings = lintRunbook(runbook);
        const [finding, ...rest] = only(findings, 'secret-in-clear');
        assert.equal(rest.length, 0);
        assert.equal(finding?.level, 'error');
        assert.equal(finding?.path, 'scenarios[0].actions[0].run');
        assert.ok(finding?.message.includes(masked), finding?.message);
        assert.ok(!JSON.stringify(findings).includes(secret), 'the secret leaked into a finding');
      });
    }

    it('scans every string of the model, and masks secrets quoted by other rules', () => {
      const runbook = clean();
      runbook.scenarios![0]!.symptoms = ['login with postgres://app:Sup3rS3cret@db.internal:5432/app'];
      runbook.checklists = { 'post-incident': [{ text: 'Grafana (admin/hunter2) shows green' }] };
      runbook.scenarios![0]!.actions = [step('redis-cli -a hunter2 FLUSHDB', 'destructive')];
      const findings = lintRunbook(runbook);
      assert.deepEqual(
        only(findings, 'secret-in-clear')
          .map((finding) => finding.path)
          .sort(),
        ['checklists.post-incident[0].text', 'scenarios[0].actions[0].run', 'scenarios[0].symptoms[0]'],
      );
      assert.match(
        only(findings, 'destructive-unguarded')[0]?.message ?? '',
        /redis-cli -a \*\*\*\* FLUSHDB/,
      );
      const all = JSON.stringify(findings);
      assert.ok(!all.includes('hunter2') && !all.includes('Sup3rS3cret'), all);
    });

    it('flags label lines and default-account credentials in prose, masked', () => {
      const runbook = clean();
      runbook.scenarios![0]!.symptoms = ['Grafana: admin / s3cretGr', '**Password:** hunter2'];
      runbook.checklists = { access: [{ text: 'mot de passe : Xy12zz' }, { text: 'login admin:adm1n' }] };
      const findings = only(lintRunbook(runbook), 'secret-in-clear');
      assert.deepEqual(findings.map((finding) => finding.path).sort(), [
        'checklists.access[0].text',
        'checklists.access[1].text',
        'scenarios[0].symptoms[0]',
        'scenarios[0].symptoms[1]',
      ]);
      const all = JSON.stringify(findings);
      for (const secret of ['s3cretGr', 'hunter2', 'Xy12zz', 'adm1n']) assert.ok(!all.includes(secret), all);
      assert.ok(all.includes('admin / ****') && all.includes('Password:** ****'), all);
    });

    it('leaves ${ENV} and $VAR references, placeholders and look-alikes alone', () => {
      const runbook = clean();
      runbook.scenarios![0]!.actions = [
        step('docker exec sylion-redis redis-cli -a "$REDIS_PASSWORD" ping', 'write'),
        step('curl -H "Authorization: Bearer $GROQ_API_KEY" https://api.groq.com', 'write'),
        step('curl -H "api-key: ${QDRANT_API_KEY}" https://qdrant', 'write'),
        step('curl -u $ADMIN_USERNAME:$ADMIN_PASSWORD -X POST https://api.example.com/admin/ingest', 'write'),
        step('psql "postgres://app:${POSTGRES_PASSWORD}@db:5432/app"', 'write'),
        step('JWT_SECRET=$(openssl rand -hex 32)', 'write'),
        step('docker exec -u 1000:1000 app ls', 'write'),
        step('curl -d max_tokens=500 https://api.example.com', 'write'),
        step('chown -R postgres:postgres /var/lib/postgresql', 'write'),
        step('docker run -d postgres:15-alpine', 'write'),
      ];
      runbook.scenarios![0]!.symptoms = [
        'Step mode (read/write) flips',
        'Check for secrets written in clear',
        'Backend logs: FATAL: password authentication failed',
        'Password: see the vault entry prod-db',
      ];
      assert.deepEqual(only(lintRunbook(runbook), 'secret-in-clear'), []);
    });
  });

  describe('lintDocumentText', () => {
    it('reports each line of a document that holds a secret, with the secret masked', () => {
      const text = [
        '## Access',
        '- **Grafana**: http://localhost:3001 (admin/admin)',
        '- Password: hunter2',
        '- Backend logs: `FATAL: password authentication failed`',
        'redis-cli -a "$REDIS_PASSWORD" ping',
      ].join('\n');
      const findings = lintDocumentText(text);
      assert.deepEqual(
        findings.map((finding) => [finding.line, finding.code, finding.message]),
        [
          [2, 'secret-in-clear', 'secret written in clear: "(admin/****)"'],
          [3, 'secret-in-clear', 'secret written in clear: "Password: ****"'],
        ],
      );
      assert.match(findings[1]?.fix ?? '', /rotate the secret/);
    });
  });

  describe('scenario-without-diagnosis', () => {
    it('warns about a scenario with no or empty diagnosis', () => {
      const runbook = clean();
      runbook.scenarios!.push({ id: 'disk-full', title: 'Disk full', severity: 'SEV2' });
      runbook.scenarios!.push({ id: 'slow', title: 'Slow', severity: 'SEV3', diagnosis: [] });
      const findings = only(lintRunbook(runbook), 'scenario-without-diagnosis');
      assert.deepEqual(
        findings.map((finding) => [finding.level, finding.path]),
        [
          ['warning', 'scenarios[1]'],
          ['warning', 'scenarios[2]'],
        ],
      );
    });

    it('accepts a scenario with diagnosis steps', () => {
      assert.deepEqual(only(lintRunbook(clean()), 'scenario-without-diagnosis'), []);
    });
  });

  describe('unknown-check and unknown-scenario', () => {
    it('flags dangling references and suggests the closest id', () => {
      const runbook = clean();
      runbook.alerts![0]!.check = 'api-redy';
      runbook.alerts![0]!.scenario = 'api-dwn';
      runbook.alerts![1]!.check = 'something-else-entirely';
      const findings = lintRunbook(runbook);
      const checks = only(findings, 'unknown-check');
      assert.deepEqual(
        checks.map((finding) => [finding.level, finding.path]),
        [
          ['error', 'alerts[0].check'],
          ['error', 'alerts[1].check'],
        ],
      );
      assert.match(checks[0]?.message ?? '', /"api-redy"/);
      assert.equal(checks[0]?.fix, "did you mean 'api-ready'?");
      assert.doesNotMatch(checks[1]?.fix ?? '', /did you mean/);
      assert.match(checks[1]?.fix ?? '', /'api-ready'/);
      const [scenario] = only(findings, 'unknown-scenario');
      assert.equal(scenario?.path, 'alerts[0].scenario');
      assert.equal(scenario?.fix, "did you mean 'api-down'?");
    });

    it('accepts references to declared checks and scenarios', () => {
      const findings = lintRunbook(clean());
      assert.deepEqual(only(findings, 'unknown-check'), []);
      assert.deepEqual(only(findings, 'unknown-scenario'), []);
    });
  });

  describe('missing-severity', () => {
    it('warns about a scenario and an alert without severity', () => {
      const runbook = clean();
      delete runbook.scenarios![0]!.severity;
      runbook.alerts!.push({ id: 'queue-deep', check: 'api-ready', when: 'value > 1000' });
      const findings = only(lintRunbook(runbook), 'missing-severity');
      assert.deepEqual(
        findings.map((finding) => [finding.level, finding.path]),
        [
          // alerts[0] follows scenario api-down, which has now no severity either.
          ['warning', 'alerts[0]'],
          ['warning', 'alerts[2]'],
          ['warning', 'scenarios[0]'],
        ],
      );
    });

    it('lets an alert take the severity of its scenario', () => {
      // clean() has alert api-down without severity, following scenario api-down (SEV1).
      assert.deepEqual(only(lintRunbook(clean()), 'missing-severity'), []);
    });
  });

  describe('unknown-contact', () => {
    it('warns about a name that is no contact, suggesting the closest id', () => {
      const runbook = clean();
      runbook.escalation = { default: [{ after: '0m', notify: ['alise', 'CTO'] }] };
      const findings = only(lintRunbook(runbook), 'unknown-contact');
      assert.deepEqual(
        findings.map((finding) => [finding.level, finding.path]),
        [
          ['warning', 'escalation.default[0].notify[0]'],
          ['warning', 'escalation.default[0].notify[1]'],
        ],
      );
      assert.equal(findings[0]?.fix, "did you mean 'alice'?");
      assert.match(findings[1]?.message ?? '', /"CTO"/);
    });

    it('matches contact ids, names and roles regardless of case', () => {
      const runbook = clean();
      runbook.escalation = {
        default: [{ after: '0m', notify: ['ALICE', 'alice martin', 'tech lead', 'Bob'] }],
      };
      assert.deepEqual(only(lintRunbook(runbook), 'unknown-contact'), []);
    });
  });

  describe('duplicate-id', () => {
    it('flags the second item of a collection that reuses an id', () => {
      const runbook = clean();
      runbook.checks!.push({
        id: 'api-ready',
        probe: 'tcp',
        target: 'api.example.com:443',
        source: { line: 40 },
      });
      runbook.checks![0]!.source = { line: 12 };
      runbook.scenarios!.push({ ...runbook.scenarios![0]! });
      const findings = only(lintRunbook(runbook), 'duplicate-id');
      assert.deepEqual(
        findings.map((finding) => [finding.level, finding.path]),
        [
          ['error', 'checks[1].id'],
          ['error', 'scenarios[1].id'],
        ],
      );
      assert.match(findings[0]?.message ?? '', /"api-ready" is already used by checks\[0\] \(line 12\)/);
    });

    it('allows one id in different collections', () => {
      // clean() has alert api-down and scenario api-down.
      assert.deepEqual(only(lintRunbook(clean()), 'duplicate-id'), []);
    });
  });

  describe('lines and order', () => {
    function broken(): RunbookConfig {
      const runbook = clean();
      runbook.scenarios = Array.from({ length: 11 }, (_, index) => ({
        id: `s${index}`,
        title: `Scenario ${index}`,
        severity: 'SEV3' as const,
      }));
      runbook.alerts = runbook.alerts!.filter((alert) => alert.scenario === undefined);
      return runbook;
    }

    it('uses the deepest source line, and sorts by line then path', () => {
      const runbook = broken();
      runbook.scenarios![3]!.source = { line: 50 };
      runbook.scenarios![7]!.source = { line: 20 };
      runbook.scenarios![7]!.actions = [step('redis-cli FLUSHDB', 'destructive', { source: { line: 25 } })];
      const findings = lintRunbook(runbook);
      assert.deepEqual(
        findings.map((finding) => [finding.line, finding.path]),
        [
          [20, 'scenarios[7]'],
          [25, 'scenarios[7].actions[0]'],
          [50, 'scenarios[3]'],
          // Without a line, findings follow in path order, index 10 after index 2.
          [undefined, 'scenarios[0]'],
          [undefined, 'scenarios[1]'],
          [undefined, 'scenarios[2]'],
          [undefined, 'scenarios[4]'],
          [undefined, 'scenarios[5]'],
          [undefined, 'scenarios[6]'],
          [undefined, 'scenarios[8]'],
          [undefined, 'scenarios[9]'],
          [undefined, 'scenarios[10]'],
        ],
      );
      assert.ok(!('line' in findings[3]!), 'an unknown line is left out, not undefined');
    });

    it('prefers locate, and falls back to source lines where it does not answer', () => {
      const runbook = broken();
      runbook.scenarios![1]!.source = { line: 99 };
      const asked: string[] = [];
      const locate: Locate = (path) => {
        asked.push(path.join('/'));
        return path[1] === 1 ? undefined : 100 - Number(path[1]);
      };
      const findings = lintRunbook(runbook, locate);
      assert.ok(asked.includes('scenarios/0'));
      assert.deepEqual(
        findings.slice(0, 3).map((finding) => [finding.line, finding.path]),
        [
          [90, 'scenarios[10]'],
          [91, 'scenarios[9]'],
          [92, 'scenarios[8]'],
        ],
      );
      assert.deepEqual(findings.find((finding) => finding.path === 'scenarios[1]')?.line, 99);
    });
  });
});
