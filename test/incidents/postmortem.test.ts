import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StepOutcome } from '../../src/actions/step.ts';
import {
  type ActionRunRecord,
  draftPostmortem,
  incidentDurations,
  type PostmortemInput,
} from '../../src/incidents/postmortem.ts';
import type { Scenario } from '../../src/runbook/schema.ts';
import type { AlertRecord, Incident, TimelineEntry, TimelineKind } from '../../src/store/incidents.ts';

const T0 = Date.UTC(2025, 2, 4, 10, 0, 0);
const MIN = 60_000;

const SCENARIO: Scenario = {
  id: 'queue-backlog',
  title: 'Mail queue backlog',
  diagnosis: [
    { run: 'redis-cli -u $REDIS_URL LLEN bull:mail:wait', kind: 'redis', risk: 'read' },
    { run: 'curl -fsS http://worker:3000/health', kind: 'shell', risk: 'read' },
  ],
  actions: [
    { id: 'restart-worker', run: 'docker restart worker', kind: 'docker', risk: 'write' },
    {
      id: 'flush-queue',
      run: 'redis-cli -u $REDIS_URL DEL bull:mail:wait',
      kind: 'redis',
      risk: 'destructive',
      guard: { approval: true },
    },
  ],
};

function incident(change: Partial<Incident> = {}): Incident {
  return {
    id: 'INC-12',
    seq: 12,
    dedupKey: 'queue-backlog',
    title: 'Mail queue backlog',
    severity: 'SEV2',
    scenario: 'queue-backlog',
    status: 'resolved',
    labels: {},
    openedAt: T0,
    acknowledgedAt: T0 + 7 * MIN,
    acknowledgedBy: 'alice',
    resolvedAt: T0 + 25 * MIN,
    resolvedBy: 'alice',
    updatedAt: T0 + 25 * MIN,
    ...change,
  };
}

function outcome(command: string, change: Partial<StepOutcome>): StepOutcome {
  return {
    status: 'ok',
    kind: 'shell',
    command,
    output: '',
    truncated: false,
    notes: [],
    startedAt: T0 + 5000,
    durationMs: 120,
    outputSha256: 'ab'.repeat(32),
    ...change,
  };
}

function timeline(entries: [number, TimelineKind, string, string, unknown?][]): TimelineEntry[] {
  return entries.map(([at, kind, actor, text, data], index) => ({
    id: index + 1,
    incidentId: 'INC-12',
    at,
    kind,
    actor,
    text,
    ...(data === undefined ? {} : { data }),
  }));
}

const ALERT: AlertRecord = {
  key: 'rule:mail-queue-high',
  source: 'rule',
  name: 'mail-queue-high',
  status: 'resolved',
  labels: {},
  summary: 'bull:mail:wait holds 12000 jobs',
  incidentId: 'INC-12',
  startedAt: T0,
  updatedAt: T0 + 20 * MIN,
  resolvedAt: T0 + 20 * MIN,
};

const RESTART: ActionRunRecord = {
  step: 'restart-worker',
  risk: 'write',
  status: 'ok',
  requestedBy: 'alice',
  startedAt: T0 + 19 * MIN + 30_000,
  durationMs: 45_000,
  outputSha256: 'cd'.repeat(32),
  exitCode: 0,
};

/** realistic is the Redis queue incident: diagnosis, paging, an acknowledgement, a fix, a recovery. */
function realistic(): PostmortemInput {
  return {
    incident: incident(),
    alerts: [ALERT],
    scenario: SCENARIO,
    actionRuns: [RESTART],
    commandsTyped: ['$ docker logs --tail 100 worker', '$ redis-cli -u $REDIS_URL LLEN bull:mail:wait'],
    checklists: [
      {
        title: 'post-incident',
        items: [
          { text: 'Queue length back under 100', done: true, by: 'vigie', at: T0 + 21 * MIN },
          { text: 'Customer support told', done: false },
        ],
      },
    ],
    now: T0 + 60 * MIN,
    timeline: timeline([
      [T0, 'opened', 'vigie', 'opened by alert mail-queue-high'],
      [T0, 'notified', 'vigie', 'paged alice via slack', { level: 1, cycle: 0, deliveries: 1 }],
      [
        T0 + 5000,
        'diagnosis',
        'vigie',
        'ok: redis-cli -u $REDIS_URL LLEN bull:mail:wait',
        outcome('redis-cli -u $REDIS_URL LLEN bull:mail:wait', {
          kind: 'redis',
          output: ['(integer) 12000', 'l2', 'l3', 'l4', 'l5', 'sixth line', 'seventh line'].join('\n'),
        }),
      ],
      [
        T0 + 6000,
        'diagnosis',
        'vigie',
        'failed: curl -fsS http://worker:3000/health (connection refused)',
        outcome('curl -fsS http://worker:3000/health', {
          status: 'failed',
          exitCode: 7,
          error: 'connection refused',
          output: 'curl: (7) Failed to connect',
        }),
      ],
      [T0 + 5 * MIN, 'escalated', 'vigie', 'escalated to level 2: bob via email', { level: 2, cycle: 0 }],
      [T0 + 6 * MIN, 'notify-failed', 'vigie', 'notification to email for bob failed: 550 mailbox full'],
      [T0 + 7 * MIN, 'acknowledged', 'alice', 'acknowledged by alice; escalation stopped'],
      [T0 + 12 * MIN, 'comment', 'alice', '$ docker logs --tail 100 worker'],
      [T0 + 20 * MIN, 'alert-resolved', 'vigie', 'alert mail-queue-high cleared'],
      [T0 + 25 * MIN, 'resolved', 'alice', 'resolved by alice'],
    ]),
  };
}

test('times to acknowledge, mitigate and resolve come from the recorded timestamps', () => {
  const input = realistic();
  assert.deepEqual(incidentDurations(input), { tta: 7 * MIN, ttm: 20 * MIN, ttr: 25 * MIN });
  const draft = draftPostmortem(input);
  assert.match(draft, /\| Time to acknowledge \(TTA\) \| 2025-03-04 10:07:00Z \| 7m \|/);
  assert.match(draft, /\| Time to mitigate \(TTM\) \| 2025-03-04 10:20:00Z \| 20m \|/);
  assert.match(draft, /\| Time to resolve \(TTR\) \| 2025-03-04 10:25:00Z \| 25m \|/);
});

test('a successful action before the alerts clear is the mitigation', () => {
  const input = {
    ...realistic(),
    actionRuns: [{ ...RESTART, startedAt: T0 + 14 * MIN, durationMs: 30_000 }],
  };
  assert.equal(incidentDurations(input).ttm, 14 * MIN + 30_000);
});

test('the mitigation is the last step that succeeded before the alerts cleared, not the first', () => {
  const restart = { ...RESTART, startedAt: T0 + 14 * MIN, durationMs: 30_000 };
  const flush = { ...RESTART, step: 'flush-queue', startedAt: T0 + 18 * MIN, durationMs: 1000 };
  const afterwards = { ...RESTART, step: 'scale-down', startedAt: T0 + 22 * MIN, durationMs: 1000 };
  const diagnosis = { ...RESTART, step: 'llen', risk: 'read', startedAt: T0 + 19 * MIN, durationMs: 10 };
  const input = { ...realistic(), actionRuns: [restart, flush, diagnosis, afterwards] };
  assert.equal(incidentDurations(input).ttm, 18 * MIN + 1000);
});

test('the draft has every section, the steps with their approvals and the checklist state', () => {
  const input = realistic();
  const flush: ActionRunRecord = {
    step: 'flush-queue',
    risk: 'destructive',
    status: 'ok',
    requestedBy: 'alice',
    approvedBy: 'bob',
    params: { QUEUE: 'mail' },
    startedAt: T0 + 22 * MIN,
    durationMs: 200,
  };
  const draft = draftPostmortem({ ...input, actionRuns: [RESTART, flush] });
  for (const heading of [
    '# Post-mortem: INC-12 — Mail queue backlog',
    '## Impact and times',
    '## Timeline',
    '## Alerts involved',
    '## Notifications',
    '## Steps run',
    '## Checklist: post-incident',
    '## Proposed runbook fixes',
    '## Root cause',
    '## What went well',
    '## What to improve',
  ]) {
    assert.ok(draft.includes(`\n${heading}\n`) || draft.startsWith(`${heading}\n`), heading);
  }
  assert.match(draft, /\*\*INC-12\*\* · SEV2 · scenario `queue-backlog` · resolved/);
  assert.equal(draft.match(/_to be written_/g)?.length, 3);
  // Diagnosis: the command and its ending, and only the first five lines of its output.
  assert.match(draft, /`\$ curl -fsS http:\/\/worker:3000\/health` → failed \(exit 7\): connection refused/);
  assert.ok(draft.includes('(integer) 12000\n  l2\n  l3\n  l4\n  l5\n  ```'));
  assert.ok(!draft.includes('sixth line'));
  // Notifications: who was paged at which level, the escalation and the failure.
  assert.match(draft, /notified \(level 1\): paged alice via slack/);
  assert.match(draft, /escalated \(level 2\): escalated to level 2: bob via email/);
  assert.match(draft, /notify-failed: notification to email for bob failed: 550 mailbox full/);
  // Actions: who asked, who approved, parameters, exit status, timing, output hash.
  assert.match(
    draft,
    /`restart-worker` — risk write, ok \(exit 0\), asked by alice, no approval, .*took 45s, output sha256 `(cd){32}`/,
  );
  assert.match(
    draft,
    /`flush-queue` — risk destructive, ok, asked by alice, approved by bob, params `QUEUE=mail`, started 2025-03-04 10:22:00Z, took 200ms/,
  );
  assert.match(draft, /- \[x\] Queue length back under 100 — by vigie at 2025-03-04 10:21:00Z/);
  assert.match(draft, /- \[ \] Customer support told/);
  assert.match(
    draft,
    /\| mail-queue-high \| rule \| resolved \| 2025-03-04 10:00:00Z \| 2025-03-04 10:20:00Z \|/,
  );
});

test('proposed fixes: the failed step, the skipped action, the command typed by hand', () => {
  const draft = draftPostmortem(realistic());
  const fixes = section(draft, 'Proposed runbook fixes');
  assert.match(
    fixes,
    /Diagnosis step `curl -fsS http:\/\/worker:3000\/health` failed \(connection refused\): fix/,
  );
  assert.match(fixes, /Action `flush-queue` \(`redis-cli -u \$REDIS_URL DEL bull:mail:wait`\) skipped/);
  assert.ok(!fixes.includes('restart-worker'), 'a step that ran and succeeded is not a fix');
  assert.match(
    fixes,
    /Command typed by hand `docker logs --tail 100 worker` is not in the runbook: add it to the scenario `queue-backlog`/,
  );
  // A typed command the runbook already has is not proposed again.
  assert.ok(!fixes.includes('typed by hand `redis-cli'));
});

test('a failed action run is proposed for a fix', () => {
  const input = realistic();
  const draft = draftPostmortem({ ...input, actionRuns: [{ ...RESTART, status: 'failed', exitCode: 125 }] });
  assert.match(
    section(draft, 'Proposed runbook fixes'),
    /Action `restart-worker` failed \(exit 125\): fix the step/,
  );
  // A failed run is no mitigation: the alerts clearing is.
  assert.equal(incidentDurations({ ...input, actionRuns: [{ ...RESTART, status: 'failed' }] }).ttm, 20 * MIN);
});

test('an incident without a scenario proposes writing one for its alert', () => {
  const { scenario: _scenario, ...input } = realistic();
  const draft = draftPostmortem({ ...input, incident: incident({ scenario: undefined }) });
  assert.match(draft, /scenario _none_/);
  const fixes = section(draft, 'Proposed runbook fixes');
  assert.match(
    fixes,
    /No scenario covered this incident: write a scenario for this alert \(`mail-queue-high`\)/,
  );
  assert.match(
    fixes,
    /Command typed by hand `docker logs --tail 100 worker` is not in the runbook: add it to the scenario\./,
  );
});

test('an unacknowledged open incident shows — for every milestone not reached', () => {
  const draft = draftPostmortem({
    incident: incident({
      status: 'triggered',
      acknowledgedAt: undefined,
      acknowledgedBy: undefined,
      resolvedAt: undefined,
      resolvedBy: undefined,
    }),
    alerts: [{ ...ALERT, status: 'firing', resolvedAt: undefined }],
    scenario: SCENARIO,
    timeline: timeline([[T0, 'opened', 'vigie', 'opened']]),
    now: T0 + 42 * MIN,
  });
  assert.match(draft, /\| Time to acknowledge \(TTA\) \| — \| — \|/);
  assert.match(draft, /\| Time to mitigate \(TTM\) \| — \| — \|/);
  assert.match(draft, /\| Time to resolve \(TTR\) \| — \| — \|/);
  assert.match(draft, /Still triggered at 2025-03-04 10:42:00Z, open for 42m\./);
  assert.match(draft, /_Nobody was paged._/);
  // Nothing ran: every scenario step is listed as skipped.
  assert.equal(section(draft, 'Proposed runbook fixes').match(/skipped/g)?.length, 4);
});

test('data cannot break out into HTML or a table cell', () => {
  const hostile = '<script>alert(1)</script> | x';
  const draft = draftPostmortem({
    ...realistic(),
    incident: incident({ title: hostile }),
    alerts: [{ ...ALERT, name: 'a|b<img src=x onerror=alert(1)>', summary: 'left | right\nnext line' }],
    timeline: timeline([
      [T0, 'comment', 'mallory|<b>', hostile],
      [
        T0 + 1,
        'diagnosis',
        'vigie',
        'ok',
        outcome('echo "<b>"', { output: '<b>bold</b>\n```\nnot a fence end' }),
      ],
    ]),
  });
  assert.match(draft, /^# Post-mortem: INC-12 — &lt;script>alert\(1\)&lt;\/script> \\\| x\n/);
  // Code blocks and code spans show `<` literally; everywhere else it must be escaped.
  const prose = draft.replace(/^ *(`{3,})\n[\s\S]*?\n *\1$/gm, '').replace(/(`+)[^`]*?\1/g, '');
  assert.ok(!prose.includes('<'), prose);
  // The output's own ``` cannot close the block: the fence is longer.
  assert.ok(draft.includes('  ````\n  <b>bold</b>\n  ```\n  not a fence end\n  ````'));
  // The alert row keeps its six cells.
  const row = draft.split('\n').find((line) => line.startsWith('| a'));
  assert.ok(row);
  assert.equal(row.split(/(?<!\\)\|/).length - 2, 6, row);
  assert.ok(row.includes('left \\| right next line'));
});

/** section gives the text under one `##` heading. */
function section(draft: string, heading: string): string {
  const start = draft.indexOf(`## ${heading}\n`);
  assert.ok(start >= 0, heading);
  const end = draft.indexOf('\n## ', start + 3);
  return draft.slice(start, end < 0 ? undefined : end);
}
