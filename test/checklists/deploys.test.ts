/**
 * Deploys and tracked checklists through a running Vigie on loopback, its time driven by a fake clock:
 * a deploy opens its maintenance window (the runbook alert its failing check raises pages nobody) and
 * tracks the pre-deploy list; a responder ticks a prose item, which the audit log records; finishing
 * the deploy tracks the post-deploy list, whose check item ticks itself only once the HTTP check
 * against a real server has succeeded without a break for its `hold`, never while the server answers
 * 500; an incident that resolves gets the post-incident list, whose ticks land in its timeline.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { createToken } from '../../src/api/tokens.ts';
import { startVigie } from '../../src/engine/runtime.ts';
import { Runbook } from '../../src/runbook/schema.ts';
import type { TrackedChecklist, TrackedItem } from '../../src/store/checklists.ts';
import { scratchDir } from '../store/support.ts';
import { fireAlert } from '../support/alerts.ts';
import { callApi, openEvents } from '../support/api.ts';
import { FakeClock } from '../support/clock.ts';
import { waitFor } from '../support/receivers.ts';

const EVERY = 10_000;

/** startTarget is a real HTTP server whose /health answers the status the test sets. */
async function startTarget(t: TestContext) {
  let status = 200;
  let served = 0;
  const server = createServer((_request, response) => {
    served++;
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ ok: status === 200 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set: (next: number) => {
      status = next;
    },
    served: () => served,
  };
}

function runbookFor(target: string) {
  return Runbook.parse({
    name: 'Deploy shop',
    checks: [
      {
        id: 'api-health',
        probe: 'http',
        target: `${target}/health`,
        every: '10s',
        timeout: '2s',
        expect: ['status == 200'],
      },
    ],
    alerts: [{ id: 'api-down', check: 'api-health', when: 'fails', severity: 'SEV1' }],
    checklists: {
      'pre-deploy': {
        title: 'Checklist Pre-Deploy',
        items: ['Tests passés localement (uv run pytest)', 'Migrations testées (alembic upgrade head)'],
      },
      // Known by its French title, as a hand-written runbook may name it.
      verification: {
        title: 'Checklist Post-Déploiement',
        items: [
          { text: 'Health check OK (/health retourne 200) pendant 30 s', check: 'api-health', hold: '30s' },
          'Endpoints critiques testés à la main',
        ],
      },
      'post-incident': ['Root cause identifiée et documentée', 'Post-mortem rédigé'],
    },
  });
}

async function start(t: TestContext, target: string) {
  const clock = new FakeClock(Date.parse('2026-11-25T14:00:00Z'));
  const vigie = await startVigie({
    runbook: runbookFor(target),
    env: {},
    storePath: join(scratchDir(), 'vigie.sqlite'),
    port: 0,
    clock,
  });
  t.after(() => vigie.stop());
  const alice = createToken(vigie.incidents, 'responder', 'alice', clock.now()).secret;
  const root = createToken(vigie.incidents, 'admin', 'root', clock.now()).secret;
  const api = <T>(token: string, method: 'GET' | 'POST', path: string, body?: unknown) =>
    callApi<T>(vigie.url, token, method, path, body);
  /** runCheck moves the clock to the check's next run and waits for its result. */
  const runCheck = async () => {
    const before = vigie.board.get('api-health')?.latest?.at;
    await clock.advance(EVERY);
    await waitFor(() => {
      const at = vigie.board.get('api-health')?.latest?.at;
      return at !== undefined && at !== before;
    });
    return vigie.board.get('api-health')!.latest!;
  };
  return { clock, vigie, alice, root, api, runCheck };
}

type DeployAnswer = {
  deploy: { id: number; status: string; windowId?: string; finishedBy?: string };
  window?: { id: string; endsAt: number; matchers: string[] };
  checklists: TrackedChecklist[];
  error?: { code: string; message: string };
};
type AuditAnswer = {
  entries: { actor: string; action: string; incidentId?: string; detail: Record<string, unknown> }[];
};

describe('deploys and checklists', () => {
  it('tracks a deploy: window, pre-deploy list ticked by hand, post-deploy check item ticked by its check', async (t) => {
    const target = await startTarget(t);
    const { clock, vigie, alice, root, api, runCheck } = await start(t, target.url);
    const live = await openEvents(vigie.url, alice);
    t.after(() => live.close());

    const started = await api<DeployAnswer>(alice, 'POST', '/api/v1/deploys', {
      title: 'v2.3.0',
      duration: '1h',
    });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const deploy = started.body.deploy;
    assert.equal(deploy.status, 'running');
    assert.equal(started.body.window?.id, deploy.windowId);
    assert.equal(started.body.window?.endsAt, clock.now() + 3_600_000);
    assert.deepEqual(
      started.body.checklists.map((list) => [list.name, list.items.length]),
      [['pre-deploy', 2]],
      'the pre-deploy list only',
    );
    assert.ok(
      vigie.incidents.windows().some((window) => window.id === deploy.windowId),
      'the window is in force for the pipeline',
    );

    // The service restarts: its check fails, its runbook alert fires, and pages nobody.
    target.set(500);
    assert.equal((await runCheck()).ok, false);
    await waitFor(() => vigie.incidents.alert('rule:api-down')?.status === 'firing');
    assert.equal(vigie.incidents.alert('rule:api-down')?.quiet?.kind, 'maintenance');
    assert.equal(vigie.incidents.incidents().length, 0, 'no incident during the deploy window');

    const pre = started.body.checklists[0]!;
    const ticked = await api<{ item: TrackedItem; checklist: TrackedChecklist }>(
      alice,
      'POST',
      `/api/v1/checklists/${pre.id}/items/1`,
      { done: true, note: '412 tests green' },
    );
    assert.equal(ticked.status, 200, JSON.stringify(ticked.body));
    assert.equal(ticked.body.item.doneBy, 'alice');
    assert.equal(ticked.body.item.note, '412 tests green');
    assert.equal(ticked.body.checklist.items[1]!.doneAt, undefined, 'the other item waits');
    const twice = await api<{ error: { code: string } }>(
      alice,
      'POST',
      `/api/v1/checklists/${pre.id}/items/1`,
      {
        done: true,
      },
    );
    assert.equal(twice.status, 409);
    assert.equal(twice.body.error.code, 'API_CONFLICT');
    const missing = await api<{ error: { code: string } }>(
      alice,
      'POST',
      `/api/v1/checklists/${pre.id}/items/9`,
      {
        done: true,
      },
    );
    assert.equal(missing.status, 404);

    const finished = await api<DeployAnswer>(alice, 'POST', `/api/v1/deploys/${deploy.id}/finish`, {});
    assert.equal(finished.status, 200, JSON.stringify(finished.body));
    assert.equal(finished.body.deploy.status, 'finished');
    assert.equal(finished.body.deploy.finishedBy, 'alice');
    // The operations page hears of the deploy and of its lists without polling.
    const heard = (name: string) =>
      live.events.filter((event) => event.name === name).map((event) => event.data);
    await waitFor(() => heard('deploy').length === 2);
    assert.deepEqual(heard('deploy'), [
      { id: deploy.id, status: 'running' },
      { id: deploy.id, status: 'finished' },
    ]);
    assert.ok(
      heard('checklist').some(
        (list) => (list as { subjectKind: string; subjectId: string }).subjectId === String(deploy.id),
      ),
    );
    assert.equal(
      vigie.incidents.windows().find((window) => window.id === deploy.windowId)?.endsAt,
      clock.now(),
      'finishing the deploy ended its window',
    );
    assert.deepEqual(
      finished.body.checklists.map((list) => list.name),
      ['pre-deploy', 'verification'],
      'the post-deploy list, found by its French title, joins the pre-deploy one',
    );
    const post = finished.body.checklists[1]!;
    assert.equal(post.items[0]!.checkId, 'api-health');
    assert.equal(post.items[0]!.holdMs, 30_000);
    const again = await api<DeployAnswer>(alice, 'POST', `/api/v1/deploys/${deploy.id}/finish`, {});
    assert.equal(again.status, 409, 'a deploy finishes once');

    const item = async () =>
      (await api<DeployAnswer>(alice, 'GET', `/api/v1/deploys/${deploy.id}`)).body.checklists.find(
        (list) => list.id === post.id,
      )!.items[0]!;

    // While the server answers 500 the item never ticks, however long it waits.
    for (let run = 0; run < 5; run++) assert.equal((await runCheck()).ok, false);
    assert.equal((await item()).doneAt, undefined);
    assert.equal((await item()).passingSince, undefined);

    // Two successes, then a failure: the count starts over.
    target.set(200);
    const first = await runCheck();
    assert.equal(first.ok, true);
    assert.equal((await item()).passingSince, first.at);
    assert.equal((await item()).doneAt, undefined, 'one success is not 30 s of success');
    await runCheck();
    target.set(500);
    await runCheck();
    assert.equal((await item()).passingSince, undefined, 'a failure resets the count');
    assert.equal((await item()).doneAt, undefined);

    // 30 s of success: the runs at 0, 10, 20 s are not enough; the one at 30 s ticks it.
    target.set(200);
    const since = await runCheck();
    await runCheck();
    await runCheck();
    assert.equal((await item()).doneAt, undefined, '20 s of success is not the 30 s asked');
    await runCheck();
    const done = await item();
    assert.equal(done.doneBy, 'vigie');
    assert.ok(done.doneAt !== undefined && done.doneAt >= since.at + 30_000);
    assert.match(done.note ?? '', /check api-health succeeded without a break for 30s/);
    assert.equal((await item()).passingSince, since.at);

    const audit = await api<AuditAnswer>(root, 'GET', '/api/v1/audit');
    const actions = audit.body.entries.map((entry) => `${entry.actor} ${entry.action}`);
    for (const expected of [
      'alice deploy-started',
      'alice checklist-attached',
      'alice checklist-ticked',
      'alice deploy-finished',
      'vigie checklist-ticked',
    ]) {
      assert.ok(actions.includes(expected), `the audit log has "${expected}": ${actions.join(', ')}`);
    }
    const byHand = audit.body.entries.find(
      (entry) => entry.action === 'checklist-ticked' && entry.actor === 'alice',
    )!;
    assert.equal(byHand.detail.note, '412 tests green');
    assert.equal(byHand.detail.subject, `deploy:${deploy.id}`);
    assert.ok(target.served() >= 13, 'every run reached the real server');
  });

  it('attaches the post-incident list when an incident resolves, and records its ticks in the timeline', async (t) => {
    const target = await startTarget(t);
    const { clock, vigie, alice, root, api } = await start(t, target.url);
    fireAlert(vigie.pipeline, { name: 'DiskFull', fingerprint: 'disk', at: clock.now() });
    const incident = vigie.incidents.incidents()[0]!;
    assert.equal(incident.status, 'triggered', 'no deploy window: the alert opens an incident');
    const lists = async () =>
      (
        await api<{ checklists: TrackedChecklist[] }>(
          alice,
          'GET',
          `/api/v1/incidents/${incident.id}/checklists`,
        )
      ).body.checklists;
    await clock.advance(2000);
    assert.deepEqual(await lists(), [], 'nothing attached while the incident is open');

    const resolved = await api<unknown>(alice, 'POST', `/api/v1/incidents/${incident.id}/resolve`, {
      note: 'volume grown',
    });
    assert.equal(resolved.status, 200);
    await clock.advance(2000);
    const [list] = await lists();
    assert.ok(list, 'the post-incident list is attached once resolved');
    assert.equal(list.name, 'post-incident');
    assert.equal(list.items.length, 2);
    await clock.advance(5000);
    assert.equal((await lists()).length, 1, 'attached once');

    const ticked = await api<{ item: TrackedItem }>(alice, 'POST', `/api/v1/checklists/${list.id}/items/1`, {
      done: true,
      note: 'log rotation was off',
    });
    assert.equal(ticked.status, 200, JSON.stringify(ticked.body));
    const timeline = vigie.incidents.timeline(incident.id).map((entry) => `${entry.actor}: ${entry.text}`);
    assert.ok(
      timeline.some((text) => /^vigie: post-incident checklist attached/.test(text)),
      timeline.join('\n'),
    );
    assert.ok(
      timeline.some((text) =>
        /^alice: .*item 1 ticked: Root cause identifiée et documentée — log rotation was off/.test(text),
      ),
      timeline.join('\n'),
    );
    const audit = await api<AuditAnswer>(root, 'GET', `/api/v1/audit?incident=${incident.id}`);
    assert.ok(
      audit.body.entries.some(
        (entry) =>
          entry.action === 'checklist-ticked' && entry.actor === 'alice' && entry.incidentId === incident.id,
      ),
    );

    const unticked = await api<{ item: TrackedItem }>(
      alice,
      'POST',
      `/api/v1/checklists/${list.id}/items/1`,
      {
        done: false,
        note: 'the real cause is the cron job',
      },
    );
    assert.equal(unticked.status, 200);
    assert.equal(unticked.body.item.doneAt, undefined);
    assert.equal(unticked.body.item.note, 'the real cause is the cron job');

    await api(alice, 'POST', `/api/v1/checklists/${list.id}/items/2`, { done: true });
    // The post-mortem draft shows the list as it stands.
    const markdown = (await api<string>(alice, 'GET', `/api/v1/incidents/${incident.id}/postmortem`)).body;
    const section = markdown.slice(markdown.indexOf(`## Checklist: ${list.title}`));
    assert.match(
      section,
      /^- \[ \] Root cause identifiée et documentée \(the real cause is the cron job\)$/m,
    );
    assert.match(section, /^- \[x\] Post-mortem rédigé — by alice at /m);
  });
});
