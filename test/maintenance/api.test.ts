/**
 * The maintenance routes on a running Vigie: a viewer reads the tasks and their runs, only a
 * responder runs one, a task is never run twice at once, and a secret of a step never reaches an
 * answer.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as pause } from 'node:timers/promises';
import { createToken } from '../../src/api/tokens.ts';
import { startVigie, type Vigie } from '../../src/engine/runtime.ts';
import { scratchDir } from '../store/support.ts';
import { callApi, openEvents } from '../support/api.ts';
import { waitFor } from '../support/receivers.ts';
import { runbookOf } from './harness.ts';

const SECRET = 'bkp-s3cret-77a1';

interface RunAnswer {
  readonly id: number;
  readonly status: string;
  readonly trigger: string;
  readonly requestedBy?: string;
  readonly error?: string;
  readonly steps: readonly { readonly output: string }[];
}

/** Answer is any answer of the maintenance routes; each call reads the part its route gives. */
interface Answer {
  readonly tasks: readonly {
    readonly id: string;
    readonly timezone: string;
    readonly grace: string;
    readonly nextDueAt: number;
    readonly runningId?: number;
    readonly steps: readonly { readonly run: string }[];
  }[];
  readonly run: RunAnswer;
  readonly error: { readonly message: string };
}

async function call(vigie: Vigie, token: string, method: 'GET' | 'POST', path: string, body?: unknown) {
  const answer = await callApi<Answer>(vigie.url, token, method, path, body);
  return { status: answer.status, text: answer.text, json: answer.body };
}

describe('maintenance API', () => {
  it('lists tasks with their next due time, runs one for a responder, and keeps secrets out', async (t) => {
    const dir = scratchDir();
    const vigie = await startVigie({
      runbook: runbookOf(`
name: API maintenance
services:
  store: { url: "https://backup:\${BACKUP_PASSWORD}@backups.example/upload" }
maintenance:
  - id: nightly
    title: Nightly export
    schedule: "30 1 * * *"
    timezone: Europe/Paris
    steps:
      - { id: export, run: "sh -c 'echo exporting with \${BACKUP_PASSWORD}; sleep 1'", kind: shell, risk: write }
`),
      env: { BACKUP_PASSWORD: SECRET },
      storePath: join(dir, 'vigie.sqlite'),
      port: 0,
    });
    t.after(() => vigie.stop());
    const viewer = createToken(vigie.incidents, 'viewer', 'watcher', Date.now()).secret;
    const responder = createToken(vigie.incidents, 'responder', 'alice', Date.now()).secret;

    const live = await openEvents(vigie.url, viewer);
    t.after(() => live.close());
    const listed = await call(vigie, viewer, 'GET', '/api/v1/maintenance');
    assert.equal(listed.status, 200);
    const task = listed.json.tasks[0]!;
    assert.equal(task.id, 'nightly');
    assert.equal(task.timezone, 'Europe/Paris');
    assert.equal(task.grace, '5m');
    assert.equal(task.nextDueAt, vigie.maintenance.task('nightly')?.nextDueAt);
    assert.equal(new Date(task.nextDueAt).getUTCMinutes(), 30);
    assert.match(
      task.steps[0]?.run ?? '',
      /\$\{BACKUP_PASSWORD\}/,
      'the step as written, reference unresolved',
    );

    const forbidden = await call(vigie, viewer, 'POST', '/api/v1/maintenance/nightly/run', {});
    assert.equal(forbidden.status, 403);
    const unknown = await call(vigie, responder, 'POST', '/api/v1/maintenance/weekly/run', {});
    assert.equal(unknown.status, 404);
    assert.match(unknown.json.error.message, /no maintenance task weekly; the runbook has: nightly/);

    const started = await call(vigie, responder, 'POST', '/api/v1/maintenance/nightly/run', {});
    assert.equal(started.status, 200);
    assert.equal(started.json.run.status, 'running');
    assert.equal(started.json.run.trigger, 'manual');
    assert.equal(started.json.run.requestedBy, 'alice');
    const twice = await call(vigie, responder, 'POST', '/api/v1/maintenance/nightly/run', {});
    assert.equal(twice.status, 409, 'a task never runs twice at once');
    assert.match(twice.json.error.message, /is running \(run \d+\)/);
    const running = await call(vigie, viewer, 'GET', '/api/v1/maintenance');
    assert.equal(running.json.tasks[0]?.runningId, started.json.run.id);

    let run = started.json.run;
    while (run.status === 'running') {
      await pause(20);
      run = (await call(vigie, viewer, 'GET', `/api/v1/maintenance/runs/${run.id}`)).json.run;
    }
    assert.equal(run.status, 'ok', run.error);
    assert.match(run.steps[0]?.output ?? '', /exporting with \*+/);
    // The operations page hears of the run as it goes, without polling.
    const heard = () =>
      live.events
        .filter((event) => event.name === 'maintenance')
        .map((event) => event.data as { id: number; task: string; status: string })
        .filter((event) => event.id === run.id)
        .map((event) => `${event.task} ${event.status}`);
    await waitFor(() => heard().includes('nightly ok'));
    assert.equal(heard()[0], 'nightly running');

    const waited = await call(vigie, responder, 'POST', '/api/v1/maintenance/nightly/run', { wait: true });
    assert.equal(waited.json.run.status, 'ok');
    assert.equal(waited.json.run.steps.length, 1);
    assert.equal((await call(vigie, viewer, 'GET', '/api/v1/maintenance/runs/999')).status, 404);

    const answers = [listed, running, waited, await call(vigie, viewer, 'GET', '/api/v1/maintenance')];
    for (const answer of answers) assert.equal(answer.text.includes(SECRET), false);
    const audit = vigie.incidents.audit().find((entry) => entry.action === 'maintenance-requested');
    assert.equal(audit?.actor, 'alice');
  });
});
