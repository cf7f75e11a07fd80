/**
 * The Sylion runbook's "Incident 3: Redis down / Queue bloquée" driven end to end on loopback, the way
 * issue 6 accepts it, with a real Redis, a real running Vigie and real processes: the BullMQ queue of
 * WhatsApp messages grows past its threshold → the queue check fails, its alert fires and an incident
 * opens with the runbook's read-only diagnosis attached (PING, INFO memory, the `bull:*` keys, the
 * queue length) → a responder acknowledges and restarts the worker (a write step: a real process is
 * stopped and a new one started) → the queue is still stuck, so they ask to flush it (destructive, a
 * DEL of the wait list): their own approval is refused, a second responder's lets it run → the queue
 * is empty, the check recovers, the alert clears and the incident resolves by itself → the post-mortem
 * draft lists the steps, the approver and the times to acknowledge, mitigate and resolve, computed
 * from the recorded timestamps.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createToken } from '../../src/api/tokens.ts';
import { main } from '../../src/cli/main.ts';
import { startVigie } from '../../src/engine/runtime.ts';
import { Runbook } from '../../src/runbook/schema.ts';
import { formatDuration } from '../../src/runbook/units.ts';
import { scratchDir } from '../store/support.ts';
import { callApi } from '../support/api.ts';
import { waitFor } from '../support/receivers.ts';
import { freshRedis } from '../support/services.ts';

const SUPERVISOR = fileURLToPath(new URL('../fixtures/sylion/supervisor.ts', import.meta.url));
const RESTART_WORKER = fileURLToPath(new URL('../fixtures/sylion/restart-worker.ts', import.meta.url));

/** The runbook's "queue depth > 1000", and how many messages pile up behind the stuck worker. */
const THRESHOLD = 1000;
const STUCK_JOBS = 1200;

/** Generous bounds for waits on real processes and the 250 ms check; a pass takes a few seconds. */
const PATIENCE_MS = 20_000;

interface StepOutcomeView {
  readonly status: string;
  readonly command: string;
  readonly output: string;
  readonly exitCode?: number;
  readonly startedAt: number;
  readonly durationMs: number;
}

interface ActionRunView {
  readonly id: number;
  readonly status: string;
  readonly stepId?: string;
  readonly requestedBy: string;
  readonly approvedBy?: string;
  readonly reasons?: readonly string[];
  readonly outcome?: StepOutcomeView;
  readonly finishedAt?: number;
}

interface IncidentDetail {
  readonly incident: {
    readonly id: string;
    readonly status: 'triggered' | 'acknowledged' | 'resolved';
    readonly scenario?: string;
    readonly severity: string;
    readonly title: string;
    readonly openedAt: number;
    readonly acknowledgedAt?: number;
    readonly acknowledgedBy?: string;
    readonly resolvedAt?: number;
    readonly resolvedBy?: string;
  };
  readonly alerts: readonly { key: string; status: string; summary?: string; resolvedAt?: number }[];
  readonly timeline: readonly { at: number; kind: string; actor: string; text: string; data?: unknown }[];
}

/** readPid gives the pid a process wrote to its pid file, or undefined before it has. */
function readPid(pidfile: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidfile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** alive says whether a process with this pid exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** sinceOpening reads the "Since opening" cell of a milestone in the post-mortem's times table. */
function sinceOpening(markdown: string, milestone: string): string | undefined {
  const line = markdown.split('\n').find((text) => text.startsWith(`| ${milestone} |`));
  return line?.split('|')[3]?.trim();
}

/** section gives the lines under a heading of the post-mortem, up to the next heading. */
function section(markdown: string, heading: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) return [];
  const end = lines.findIndex((line, index) => index > start && line.startsWith('#'));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

describe('the Sylion Redis incident, end to end', () => {
  it('opens with diagnosis, restarts the worker, flushes the queue on a second approval, resolves and drafts the post-mortem', async (t) => {
    const redis = await freshRedis(t);
    if (!redis) return;
    const client = new Redis(redis.url);
    // BullMQ's own key layout under a prefix of this test's: `<prefix>:<queue>:wait` holds waiting job ids.
    const queue = `${redis.prefix}bull:whatsapp-messages`;
    const waitList = `${queue}:wait`;
    const depth = () => client.llen(waitList);

    // The worker runs under a supervisor, as the backend runs under Docker; both are this test's children.
    const dir = scratchDir();
    const workerPid = () => readPid(join(dir, 'worker.pid'));
    const supervisor: ChildProcess = spawn(process.execPath, [SUPERVISOR, '--dir', dir], { stdio: 'ignore' });
    const supervisorExit = once(supervisor, 'exit');
    const workers = new Set<number>();
    let stopVigie = async (): Promise<void> => {};
    t.after(async () => {
      await stopVigie();
      if (supervisor.exitCode === null && supervisor.signalCode === null) {
        supervisor.kill('SIGTERM');
        await supervisorExit;
      }
      // A backstop: the supervisor stops its worker, but a worker this test saw must not outlive it.
      for (const pid of workers) if (alive(pid)) process.kill(pid, 'SIGTERM');
      await redis.clean();
      client.disconnect();
    });
    await waitFor(() => readPid(join(dir, 'supervisor.pid')) === supervisor.pid, PATIENCE_MS);
    await waitFor(() => workerPid() !== undefined, PATIENCE_MS);
    const firstWorker = workerPid()!;
    workers.add(firstWorker);

    const vigie = await startVigie({
      runbook: Runbook.parse({
        name: 'Sylion Backend',
        services: { redis: { description: 'sylion-redis: cache and BullMQ queues', redis: '${REDIS_URL}' } },
        checks: [
          {
            id: 'whatsapp-queue',
            name: 'WhatsApp message queue',
            probe: 'queue',
            queue: 'bullmq',
            service: 'redis',
            target: queue,
            every: '250ms',
            timeout: '2s',
            expect: [`waiting <= ${THRESHOLD}`],
          },
        ],
        alerts: [
          {
            id: 'whatsapp-queue-stuck',
            name: 'WhatsApp queue stuck',
            check: 'whatsapp-queue',
            when: `waiting > ${THRESHOLD}`,
            severity: 'SEV2',
            scenario: 'redis-queue-stuck',
          },
        ],
        incidents: { auto_resolve: true },
        scenarios: [
          {
            id: 'redis-queue-stuck',
            title: 'Redis down / Queue bloquée',
            severity: 'SEV2',
            symptoms: ['Messages WhatsApp non traités (queue bloquée)', 'Latence anormale'],
            causes: ['worker bloqué', 'queue corrompue', 'Redis indisponible'],
            diagnosis: [
              { run: 'redis-cli ping', kind: 'shell', risk: 'read', service: 'redis', expect: 'PONG' },
              { run: 'redis-cli info memory', kind: 'shell', risk: 'read', service: 'redis' },
              {
                run: `redis-cli keys '${redis.prefix}bull:*'`,
                kind: 'shell',
                risk: 'read',
                service: 'redis',
              },
              { run: `redis-cli llen ${waitList}`, kind: 'shell', risk: 'read', service: 'redis' },
            ],
            actions: [
              {
                id: 'restart-worker',
                description: 'Restart the backend worker once Redis answers',
                run: '"$SYLION_NODE" "$SYLION_RESTART_WORKER" --dir "$SYLION_WORKER_DIR"',
                kind: 'shell',
                risk: 'write',
              },
              {
                id: 'flush-queue',
                description: 'Si queue corrompue, vider (PERTE DE MESSAGES EN ATTENTE)',
                when: 'queue corrompue, messages non critiques',
                run: `redis-cli DEL ${waitList}`,
                kind: 'shell',
                risk: 'destructive',
                service: 'redis',
                guard: { approval: true },
              },
            ],
            restore_backup: { answer: 'no', text: 'Redis est un cache/queue — pas de restore' },
          },
        ],
      }),
      env: {
        REDIS_URL: redis.url,
        SYLION_NODE: process.execPath,
        SYLION_RESTART_WORKER: RESTART_WORKER,
        SYLION_WORKER_DIR: dir,
      },
      storePath: join(dir, 'vigie.sqlite'),
      port: 0,
      flushEvery: 200,
    });
    stopVigie = () => vigie.stop();

    const alice = createToken(vigie.incidents, 'responder', 'alice', Date.now()).secret;
    const bob = createToken(vigie.incidents, 'responder', 'bob', Date.now()).secret;
    const call = <T>(token: string, method: 'GET' | 'POST', path: string, body?: unknown) =>
      callApi<T & { error?: { code: string; message: string } }>(vigie.url, token, method, path, body);
    const incidentOf = async (id: string) => {
      const answer = await call<IncidentDetail>(alice, 'GET', `/api/v1/incidents/${id}`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body;
    };
    const checkState = async () =>
      (await call<{ status: string }>(alice, 'GET', '/api/v1/checks/whatsapp-queue')).body.status;

    // A healthy, empty queue: the check passes and nothing opens.
    await waitFor(() => vigie.engine.stats().runs >= 3, PATIENCE_MS);
    assert.equal(await checkState(), 'ok');
    assert.equal(vigie.incidents.incidents().length, 0, 'an empty queue opens nothing');

    // The worker stops taking jobs; WhatsApp messages pile up as BullMQ job ids in the wait list.
    const ids = Array.from({ length: STUCK_JOBS }, (_, index) => String(index + 1));
    for (let at = 0; at < ids.length; at += 500) await client.lpush(waitList, ...ids.slice(at, at + 500));
    assert.equal(await depth(), STUCK_JOBS);

    await waitFor(() => vigie.incidents.incidents().length === 1, PATIENCE_MS);
    const incidentId = vigie.incidents.incidents()[0]!.id;
    assert.match(incidentId, /^INC-\d+$/);
    const open = await call<{ incidents: { id: string }[] }>(alice, 'GET', '/api/v1/incidents?status=open');
    assert.deepEqual(
      open.body.incidents.map((incident) => incident.id),
      [incidentId],
      'the responder sees one open incident',
    );
    let detail = await incidentOf(incidentId);
    assert.equal(detail.incident.scenario, 'redis-queue-stuck');
    assert.equal(detail.incident.severity, 'SEV2');
    assert.equal(detail.incident.title, 'Redis down / Queue bloquée');
    assert.equal(detail.alerts.length, 1);
    assert.equal(detail.alerts[0]!.status, 'firing');
    assert.equal(
      detail.alerts[0]!.summary,
      `waiting (${STUCK_JOBS}) > ${THRESHOLD}`,
      'the alert says what it saw',
    );
    assert.equal(await checkState(), 'failing', 'the queue check fails past its threshold');

    // The read-only diagnosis ran by itself, against the real Redis, and its output is in the timeline.
    const diagnosisOf = (timeline: IncidentDetail['timeline']) =>
      timeline
        .filter((entry) => entry.kind === 'diagnosis')
        .map((entry) => ({ ...(entry.data as StepOutcomeView), actor: entry.actor }));
    await waitFor(
      () => vigie.incidents.timeline(incidentId).filter((e) => e.kind === 'diagnosis').length === 4,
      PATIENCE_MS,
    );
    detail = await incidentOf(incidentId);
    const diagnosis = diagnosisOf(detail.timeline);
    const byCommand = (start: string) => {
      const found = diagnosis.find((outcome) => outcome.command.startsWith(start));
      assert.ok(found, `diagnosis step ${start}… in the timeline: ${JSON.stringify(diagnosis)}`);
      assert.equal(found.status, 'ok', JSON.stringify(found));
      assert.equal(found.actor, 'vigie');
      return found.output;
    };
    assert.equal(byCommand('redis-cli ping').trim(), 'PONG');
    assert.match(byCommand('redis-cli info memory'), /^used_memory:\d+$/m);
    assert.match(byCommand('redis-cli keys'), new RegExp(`"${waitList}"`));
    assert.equal(
      byCommand('redis-cli llen').trim(),
      `(integer) ${STUCK_JOBS}`,
      'the queue length is attached',
    );

    // The responder on call takes the incident.
    const ack = await call<{ incident: { status: string } }>(
      alice,
      'POST',
      `/api/v1/incidents/${incidentId}/acknowledge`,
      {},
    );
    assert.equal(ack.status, 200, JSON.stringify(ack.body));
    assert.equal(ack.body.incident.status, 'acknowledged');

    // "restart backend": a write step runs on the responder's word, and really restarts the worker.
    const restart = await call<{ run: ActionRunView }>(alice, 'POST', '/api/v1/actions', {
      scenario: 'redis-queue-stuck',
      step: 'restart-worker',
      incident: incidentId,
    });
    assert.equal(restart.status, 200, JSON.stringify(restart.body));
    assert.equal(restart.body.run.status, 'ok', JSON.stringify(restart.body.run));
    assert.equal(restart.body.run.outcome!.exitCode, 0);
    const secondWorker = workerPid();
    assert.ok(secondWorker !== undefined && secondWorker !== firstWorker, 'a new worker wrote its pid');
    workers.add(secondWorker);
    assert.equal(alive(firstWorker), false, 'the old worker is gone');
    assert.ok(alive(secondWorker), 'the new worker runs after the step ended');
    assert.equal(
      restart.body.run.outcome!.output.trim(),
      `worker ${firstWorker} stopped; worker ${secondWorker} started`,
    );
    const events = readFileSync(join(dir, 'worker.journal'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' ').slice(0, 2).join(' '));
    assert.deepEqual(
      events,
      [`started ${firstWorker}`, `stopped ${firstWorker}`, `started ${secondWorker}`],
      'the old worker stopped on its SIGTERM before the new one started',
    );

    // The restart does not drain a corrupted queue: the alert still fires, the incident stays open.
    assert.equal(await depth(), STUCK_JOBS);
    assert.equal((await incidentOf(incidentId)).incident.status, 'acknowledged');

    // "flush the queue" loses messages: a dry run shows the blast radius and touches nothing…
    const flush = { scenario: 'redis-queue-stuck', step: 'flush-queue', incident: incidentId };
    const dry = await call<{ run: ActionRunView }>(alice, 'POST', '/api/v1/actions', {
      ...flush,
      dry_run: true,
    });
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.equal(dry.body.run.status, 'dry-run');
    assert.match(dry.body.run.outcome!.output, /would delete 1 key/);
    assert.equal(await depth(), STUCK_JOBS, 'a dry run deletes nothing');

    // …the real request waits for a second person, and the requester cannot be that person.
    const asked = await call<{ run: ActionRunView }>(alice, 'POST', '/api/v1/actions', flush);
    assert.equal(asked.status, 200, JSON.stringify(asked.body));
    assert.equal(asked.body.run.status, 'waiting');
    assert.match(asked.body.run.reasons!.join(' '), /second person must approve/);
    const runId = asked.body.run.id;
    const self = await call<{ run: ActionRunView }>(alice, 'POST', `/api/v1/actions/${runId}/approve`, {});
    assert.equal(self.status, 409, 'the requester cannot approve their own flush');
    assert.equal(self.body.error!.code, 'API_CONFLICT');
    assert.match(self.body.error!.message, /alice asked for run \d+ and cannot approve it/);
    const still = await call<{ run: ActionRunView }>(alice, 'GET', `/api/v1/actions/${runId}`);
    assert.equal(still.body.run.status, 'waiting');
    assert.equal(await depth(), STUCK_JOBS, 'nothing is flushed on a self-approval');

    const approved = await call<{ run: ActionRunView }>(bob, 'POST', `/api/v1/actions/${runId}/approve`, {});
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal(approved.body.run.status, 'ok', JSON.stringify(approved.body.run));
    assert.equal(approved.body.run.approvedBy, 'bob');
    assert.equal(approved.body.run.outcome!.output.trim(), '(integer) 1', 'one key, the wait list, deleted');
    assert.equal(await depth(), 0, 'the queue is empty');
    assert.equal(await client.exists(waitList), 0);

    // The check recovers, the alert clears and the incident resolves without anyone closing it.
    await waitFor(() => vigie.incidents.incident(incidentId)?.status === 'resolved', PATIENCE_MS);
    detail = await incidentOf(incidentId);
    assert.equal(detail.incident.status, 'resolved');
    assert.equal(detail.incident.resolvedBy, 'vigie', 'resolved by the recovery, not by a person');
    assert.equal(detail.alerts[0]!.status, 'resolved');
    assert.equal(await checkState(), 'ok', 'the queue check recovered');
    const flushedAt = approved.body.run.finishedAt!;
    assert.ok(detail.incident.resolvedAt! >= flushedAt, 'resolved after the flush, not before');

    // The post-mortem draft, over HTTP and through the CLI.
    const draft = await call<string>(bob, 'GET', `/api/v1/incidents/${incidentId}/postmortem`);
    assert.equal(draft.status, 200);
    const markdown = draft.body;
    const lines: string[] = [];
    const io = { out: (text: string) => lines.push(text), err: (text: string) => lines.push(text) };
    const code = await main(['postmortem', incidentId, '--url', vigie.url, '--token', bob], io);
    assert.equal(code, 0, lines.join('\n'));
    assert.equal(lines.join('\n').trim(), markdown.trim(), 'the CLI prints the same draft');

    assert.match(markdown, new RegExp(`^# Post-mortem: ${incidentId} `, 'm'));
    assert.match(markdown, /scenario `redis-queue-stuck` · resolved/);
    assert.match(markdown, /Acknowledged by alice\./);
    assert.match(markdown, /Resolved by vigie\./);
    assert.match(markdown, new RegExp(`^- \`\\$ redis-cli llen ${waitList}\` — ok`, 'm'));
    assert.match(markdown, new RegExp(`\\(integer\\) ${STUCK_JOBS}`), 'the diagnosis output is quoted');
    const actionLine = (step: string) => {
      const found = markdown.split('\n').find((line) => line.startsWith(`- \`${step}\` — `));
      assert.ok(found, `${step} in the steps run:\n${markdown}`);
      return found;
    };
    const restartLine = actionLine('restart-worker');
    assert.match(restartLine, /risk write, ok \(exit 0\), asked by alice, no approval/);
    const flushLine = actionLine('flush-queue');
    assert.match(flushLine, /risk destructive, ok, asked by alice, approved by bob/);
    const actionsRun = section(markdown, '### Actions').filter((line) => line.startsWith('- '));
    assert.deepEqual(
      actionsRun,
      [restartLine, flushLine],
      'the dry run and the refused approval ran nothing',
    );

    // The durations are the recorded timestamps' differences, and in the order things happened. The
    // mitigation is the flush: the restart before it succeeded but left the queue full.
    const { openedAt, acknowledgedAt, resolvedAt } = detail.incident;
    const finished = (run: ActionRunView) => run.outcome!.startedAt + run.outcome!.durationMs;
    const cleared = Math.max(...detail.timeline.filter((e) => e.kind === 'alert-resolved').map((e) => e.at));
    assert.ok(finished(approved.body.run) <= cleared, 'the alert cleared after the flush');
    const span = (ms: number) => formatDuration(Math.max(0, Math.round(ms)));
    const tta = acknowledgedAt! - openedAt;
    const ttm = finished(approved.body.run) - openedAt;
    const ttr = resolvedAt! - openedAt;
    assert.ok(0 <= tta && tta <= ttm && ttm <= ttr, `TTA ${tta} ≤ TTM ${ttm} ≤ TTR ${ttr}`);
    assert.ok(ttr < 5 * 60_000, 'the whole incident took a few seconds of real time');
    assert.equal(sinceOpening(markdown, 'Time to acknowledge (TTA)'), span(tta));
    assert.equal(sinceOpening(markdown, 'Time to mitigate (TTM)'), span(ttm));
    assert.equal(sinceOpening(markdown, 'Time to resolve (TTR)'), span(ttr));
  });
});
