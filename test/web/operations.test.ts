/**
 * The operations page and the incident page's newer controls, in Debian's Chromium against a whole
 * Vigie on loopback. On /operations responder alice starts a deploy (its maintenance window opens and
 * its pre-deploy list shows), ticks an item with a note, finishes it (the window ends, the post-deploy
 * list shows, its check item says which check ticks it and since when the check holds), and runs a
 * maintenance task now: its real shell step writes a file in a scratch directory, and the run shows
 * ok with its output. On an incident page alice runs the whole scenario: it stops at the destructive
 * step, waiting for a second responder; bob approves it in his own browser; the scenario goes on by
 * itself up to a step that fails, which alice resumes once its cause is fixed. Every effect is checked where it lands: files on disk and the API's state. Once the
 * incident resolves its post-incident list is ticked from the page.
 * Screenshots land in test-results/screenshots/operations*.png and scenario-run*.png.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createToken } from '../../src/api/tokens.ts';
import { startVigie, type Vigie } from '../../src/engine/runtime.ts';
import { Runbook } from '../../src/runbook/schema.ts';
import type { TrackedChecklist } from '../../src/store/checklists.ts';
import { scratchDir } from '../store/support.ts';
import { fireAlert } from '../support/alerts.ts';
import { callApi } from '../support/api.ts';
import {
  DESKTOP,
  launchBrowser,
  PATIENCE,
  PHONE,
  screenshot,
  signInAt,
  textOf,
  watchPage,
} from '../support/browser.ts';

/** fitsPhone says nothing makes a phone screen scroll sideways. */
async function assertFitsPhone(page: Page): Promise<void> {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `nothing overflows a phone screen (${width}px)`);
}

/** apiOf reads and writes the API with a token, as another client would. */
function apiOf(vigie: Vigie, token: string) {
  return async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const answer = await callApi<T>(vigie.url, token, method, path, body);
    assert.ok(answer.status < 300, `${method} ${path}: ${answer.status} ${answer.text}`);
    return answer.body;
  };
}

/** startHealth is a real HTTP server whose /health always answers 200. */
async function startHealth(t: TestContext): Promise<string> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

type DeployView = {
  deploy: { id: number; status: string; finishedBy?: string; windowId?: string };
  checklists: TrackedChecklist[];
};
type MaintenanceRunView = {
  id: number;
  status: string;
  trigger: string;
  requestedBy?: string;
  steps: { output: string; status: string }[];
};
type TasksView = { tasks: { id: string; runs: MaintenanceRunView[] }[] };
type ActionRunsView = {
  runs: { stepIndex: number; stepId?: string; status: string; requestedBy: string; approvedBy?: string }[];
};

describe('operations and incident pages in Chromium', () => {
  it('starts and finishes a deploy with its checklists, and runs a maintenance task now', async (t) => {
    const browser: Browser | undefined = await launchBrowser(t);
    if (!browser) return;
    const health = await startHealth(t);
    const dir = scratchDir();
    const vigie = await startVigie({
      runbook: Runbook.parse({
        name: 'Shop backend',
        checks: [
          {
            id: 'api-health',
            probe: 'http',
            target: `${health}/health`,
            every: '2s',
            timeout: '1s',
            expect: ['status == 200'],
          },
        ],
        maintenance: [
          {
            id: 'nightly-backup',
            title: 'Nightly database backup',
            schedule: '0 2 * * *',
            timezone: 'Europe/Paris',
            duration: '20m',
            steps: [
              {
                id: 'dump',
                run: "sh -c 'echo backed up; echo dump-of-shop > backup.sql'",
                kind: 'shell',
                risk: 'write',
                workdir: dir,
              },
            ],
          },
        ],
        checklists: {
          'pre-deploy': {
            title: 'Before deploying',
            items: ['Tests pass locally (uv run pytest)', 'Migrations tested (alembic upgrade head)'],
          },
          'post-deploy': {
            title: 'After deploying',
            items: [
              { text: '/health returns 200 for 5 minutes', check: 'api-health', hold: '5m' },
              'Critical endpoints tried by hand',
            ],
          },
        },
      }),
      env: {},
      storePath: join(dir, 'vigie.sqlite'),
      port: 0,
      flushEvery: 200,
    });
    t.after(() => vigie.stop());
    const alice = createToken(vigie.incidents, 'responder', 'alice', Date.now()).secret;
    const viewer = createToken(vigie.incidents, 'viewer', 'watcher', Date.now()).secret;
    const api = apiOf(vigie, alice);

    const context = await browser.newContext({ baseURL: vigie.url, viewport: DESKTOP });
    t.after(() => context.close());
    const page = await context.newPage();
    const problems = watchPage(page, [/status of 401/]);
    await signInAt(page, '/operations', alice);
    let deployId = 0;

    await t.test('the header links to the page, marked as the current one', async () => {
      assert.equal(await page.getAttribute('.nav a[aria-current="page"]', 'href'), '/operations');
      assert.match(await textOf(page, '#deploys'), /No deploy yet/);
    });

    await t.test('starting a deploy opens its window and shows its pre-deploy list', async () => {
      await page.fill('#deploy-title', 'v2.4 hotfix');
      await page.fill('#deploy-duration', '45m');
      await page.click('#deploy-start');
      const card = await page.waitForSelector('#deploys-list .deploy[data-status="running"]', {
        timeout: PATIENCE,
      });
      deployId = Number(await card.getAttribute('data-deploy'));
      const deploy = `#deploys-list .deploy[data-deploy="${deployId}"]`;
      assert.match(
        await textOf(page, deploy),
        /#\d+ v2\.4 hotfix[\s\S]*Started by alice[\s\S]*Alerts quiet until/,
      );
      await page.waitForSelector(`${deploy} .tracked[data-name="pre-deploy"]`, { timeout: PATIENCE });
      assert.match(
        await textOf(page, `${deploy} .tracked[data-name="pre-deploy"]`),
        /Before deploying[\s\S]*0 of 2 done[\s\S]*Tests pass locally[\s\S]*Migrations tested/,
      );
      const view = await api<DeployView>('GET', `/api/v1/deploys/${deployId}`);
      assert.equal(view.deploy.status, 'running');
      const window = vigie.incidents.windows().find((candidate) => candidate.id === view.deploy.windowId);
      assert.ok(window, 'the deploy opened a maintenance window');
      assert.equal(window.endsAt - window.startsAt, 45 * 60_000, 'for the 45 minutes asked');
    });

    await t.test('ticking a pre-deploy item with a note reaches the tracker', async () => {
      const list = `.deploy[data-deploy="${deployId}"] .tracked[data-name="pre-deploy"]`;
      await page.fill(`${list} input[data-note="1"]`, '412 tests green');
      await page.click(`${list} button[data-tick="1"]`);
      const item = `${list} .tracked-item[data-position="1"][data-done="true"]`;
      await page.waitForSelector(item, { timeout: PATIENCE });
      assert.match(await textOf(page, item), /Ticked by alice[\s\S]*412 tests green/);
      assert.match(await textOf(page, `${list} .progress`), /1 of 2 done/);
      const view = await api<DeployView>('GET', `/api/v1/deploys/${deployId}`);
      const ticked = view.checklists[0]!.items[0]!;
      assert.equal(ticked.doneBy, 'alice');
      assert.equal(ticked.note, '412 tests green');
      assert.equal(view.checklists[0]!.items[1]!.doneAt, undefined, 'the other item waits');
      await screenshot(page, 'operations-deploy');
    });

    await t.test('finishing the deploy ends its window and shows the post-deploy list', async () => {
      const deploy = `.deploy[data-deploy="${deployId}"]`;
      await page.click(`${deploy} button[data-finish]`);
      await page.waitForSelector(`${deploy}[data-status="finished"]`, { timeout: PATIENCE });
      assert.match(await textOf(page, `${deploy} .deploy-who`), /finished by alice/);
      assert.equal(await page.locator(`${deploy} button[data-finish]`).count(), 0, 'finished once');
      const post = `${deploy} .tracked[data-name="post-deploy"]`;
      assert.match(
        await textOf(page, post),
        /After deploying[\s\S]*\/health returns 200 for 5 minutes[\s\S]*Ticks itself once check api-health has succeeded without a break for 5m/,
      );
      const view = await api<DeployView>('GET', `/api/v1/deploys/${deployId}`);
      assert.equal(view.deploy.status, 'finished');
      assert.equal(view.deploy.finishedBy, 'alice');
      assert.deepEqual(
        view.checklists.map((list) => list.name),
        ['pre-deploy', 'post-deploy'],
      );
      const window = vigie.incidents.windows().find((candidate) => candidate.id === view.deploy.windowId);
      assert.ok(window && window.endsAt <= Date.now(), 'finishing ended the window');
      // The check keeps succeeding against the real server; the page reads the hold as it grows.
      await page.waitForSelector(`${post} .tracked-item[data-position="1"] .holding`, { timeout: PATIENCE });
      const held = await api<DeployView>('GET', `/api/v1/deploys/${deployId}`);
      assert.ok(held.checklists[1]!.items[0]!.passingSince !== undefined, 'the API says it holds too');
      assert.equal(held.checklists[1]!.items[0]!.doneAt, undefined, 'not ticked before its 5 minutes');
    });

    await t.test('a maintenance task runs now, writes its file, and shows ok with its output', async () => {
      const task = '#tasks-list .task[data-task="nightly-backup"]';
      assert.match(
        await textOf(page, task),
        /Nightly database backup[\s\S]*0 2 \* \* \*[\s\S]*Europe\/Paris[\s\S]*Next due[\s\S]*No run yet/,
      );
      assert.equal(existsSync(join(dir, 'backup.sql')), false);
      await page.click(`${task} button[data-run-now]`);
      const run = `${task} .task-run[data-status="ok"]`;
      await page.waitForSelector(run, { timeout: PATIENCE });
      assert.match(await textOf(page, run), /run by alice/);
      await page.waitForSelector(`${task} button[data-run-now]:not([disabled])`, { timeout: PATIENCE });
      await page.click(`${run} details.run-output summary`);
      const terminal = await textOf(page, `${run} .run-step-list .terminal`);
      assert.match(
        terminal,
        /^\$ sh -c 'echo backed up; echo dump-of-shop > backup\.sql'\nbacked up/,
        terminal,
      );
      assert.equal(readFileSync(join(dir, 'backup.sql'), 'utf8'), 'dump-of-shop\n', 'the step really ran');
      const tasks = await api<TasksView>('GET', '/api/v1/maintenance');
      const [latest] = tasks.tasks[0]!.runs;
      assert.equal(latest?.status, 'ok');
      assert.equal(latest?.trigger, 'manual');
      assert.equal(latest?.requestedBy, 'alice');
      await screenshot(page, 'operations');
    });

    await t.test('on a phone the page fits and a viewer sees no controls', async () => {
      const phone = await browser.newContext({ baseURL: vigie.url, viewport: PHONE });
      t.after(() => phone.close());
      const other = await phone.newPage();
      const otherProblems = watchPage(other, [/status of 401/]);
      await signInAt(other, '/operations', viewer);
      await other.waitForSelector(`.deploy[data-deploy="${deployId}"] .tracked[data-name="post-deploy"]`, {
        timeout: PATIENCE,
      });
      await other.waitForSelector('.task-run[data-status="ok"]', { timeout: PATIENCE });
      for (const control of [
        '#deploy-start',
        'button[data-run-now]',
        'button[data-tick]',
        'button[data-untick]',
      ]) {
        assert.equal(await other.locator(control).count(), 0, `no ${control} for a viewer`);
      }
      await other.click('.task-run details.run-output summary');
      await other.waitForSelector('.task-run .run-step-list .terminal', { timeout: PATIENCE });
      await screenshot(other, 'operations-phone');
      await assertFitsPhone(other);
      assert.deepEqual(otherProblems.errors, []);
    });

    assert.deepEqual(problems.errors, [], 'no script error, CSP violation or dialog in the page');
  });

  it('runs a whole scenario from the incident page, resumes it after an approval, and ticks the post-incident list', async (t) => {
    const browser: Browser | undefined = await launchBrowser(t);
    if (!browser) return;
    const dir = scratchDir();
    writeFileSync(join(dir, 'emails.jobs'), 'stuck job\n');
    writeFileSync(join(dir, 'invoices.jobs'), 'another queue\n');
    const log = join(dir, 'actions.log');
    const vigie = await startVigie({
      runbook: Runbook.parse({
        name: 'Jobs backend',
        scenarios: [
          {
            id: 'queue-stuck',
            title: 'Job queue stuck',
            severity: 'SEV2',
            symptoms: ['jobs pile up'],
            actions: [
              {
                id: 'restart-worker',
                run: "sh -c 'echo restarted >> actions.log'",
                kind: 'shell',
                risk: 'write',
                workdir: dir,
              },
              {
                id: 'purge-queue',
                run: 'rm QUEUE.jobs',
                kind: 'shell',
                risk: 'destructive',
                workdir: dir,
                params: { QUEUE: { type: 'identifier', description: 'Queue whose jobs are dropped' } },
              },
              {
                id: 'restart-api',
                run: "sh -c 'echo api restarted >> actions.log'",
                kind: 'shell',
                risk: 'dangerous',
                workdir: dir,
              },
              {
                id: 'warm-queue',
                run: 'touch QUEUE.warm',
                kind: 'shell',
                risk: 'write',
                workdir: dir,
                params: { QUEUE: { type: 'identifier' } },
              },
              {
                id: 'check-drained',
                run: 'test -f drained.flag',
                kind: 'shell',
                risk: 'read',
                workdir: dir,
              },
            ],
          },
        ],
        checklists: {
          'post-incident': ['Root cause identified and documented', 'Post-mortem written'],
        },
      }),
      env: {},
      storePath: join(dir, 'vigie.sqlite'),
      port: 0,
      flushEvery: 200,
    });
    t.after(() => vigie.stop());
    const alice = createToken(vigie.incidents, 'responder', 'alice', Date.now()).secret;
    const bob = createToken(vigie.incidents, 'responder', 'bob', Date.now()).secret;
    const api = apiOf(vigie, alice);
    fireAlert(vigie.pipeline, {
      name: 'QueueStuck',
      fingerprint: 'queue',
      at: Date.now(),
      scenario: 'queue-stuck',
    });
    const incident = vigie.incidents.incidents()[0]!.id;
    const path = `/incidents/${incident}`;
    const runs = async () => (await api<ActionRunsView>('GET', `/api/v1/incidents/${incident}/actions`)).runs;

    const context = await browser.newContext({ baseURL: vigie.url, viewport: DESKTOP });
    t.after(() => context.close());
    const page = await context.newPage();
    const problems = watchPage(page, [/status of 401/]);
    await signInAt(page, path, alice);
    let waitingRun = '';

    await t.test('the form asks for each parameter once and each dangerous step’s confirmation', async () => {
      assert.equal(await page.isVisible('#scenario-run-form'), false, 'closed until asked');
      await page.click('#run-scenario');
      await page.waitForSelector('#scenario-run-form', { state: 'visible', timeout: PATIENCE });
      assert.equal(await page.locator('#scenario-run-form input[data-param]').count(), 1, 'QUEUE once');
      assert.match(await textOf(page, '#scenario-run-form'), /QUEUE identifier, for steps 2, 4/);
      assert.match(
        await textOf(page, '#scenario-run-form'),
        /Type restart-api to confirm step 3 \(dangerous\)/,
      );
      assert.match(
        await textOf(page, '#scenario-run-form'),
        /Step 2 \(purge-queue\) will wait for a second responder/,
      );
      await page.click('#scenario-run-form button[data-action="run-all"]');
      assert.match(await textOf(page, '#scenario-run-result .problem'), /Give QUEUE/);
      await page.fill('#scenario-param-QUEUE', 'emails');
      await page.click('#scenario-run-form button[data-action="run-all"]');
      assert.match(
        await textOf(page, '#scenario-run-result .problem'),
        /Type restart-api to run the dangerous step/,
      );
      assert.deepEqual(await runs(), [], 'nothing was asked of the server');
    });

    await t.test('the run stops at the destructive step, waiting for a second responder', async () => {
      await page.fill('#scenario-run-form input[data-confirm="restart-api"]', 'restart-api');
      await page.click('#scenario-run-form button[data-action="run-all"]');
      const stopped = '#scenario-run-result .stopped[data-stopped="waiting"]';
      await page.waitForSelector(stopped, { timeout: PATIENCE });
      const answer = await textOf(page, '#scenario-run-result');
      assert.match(answer, /restart-worker\s+ok/);
      assert.match(answer, /purge-queue\s+waiting/);
      const waiting = await page.waitForSelector(
        '#scenario-run-result .scenario-step-run[data-status="waiting"]',
      );
      waitingRun = (await waiting.getAttribute('data-run'))!;
      assert.match(
        await textOf(page, stopped),
        new RegExp(`Waits at step 2 \\(purge-queue\\): a second responder must approve run #${waitingRun}`),
      );
      assert.match(await textOf(page, stopped), /the scenario goes on by itself with step 3/);
      assert.equal(
        await page.locator(`${stopped} button[data-resume]`).count(),
        0,
        'nothing to resume by hand',
      );
      // What really happened: the write step ran, the queue file is still there.
      assert.equal(readFileSync(log, 'utf8'), 'restarted\n');
      assert.ok(existsSync(join(dir, 'emails.jobs')), 'nothing purged before the approval');
      assert.deepEqual(
        (await runs()).map((run) => [run.stepIndex, run.status]),
        [
          [1, 'ok'],
          [2, 'waiting'],
        ],
      );
      await page.waitForSelector(`#runs-list .run[data-run="${waitingRun}"][data-status="waiting"]`, {
        timeout: PATIENCE,
      });
      await screenshot(page, 'scenario-run-waiting');
    });

    await t.test('bob approves in his own browser; the purge runs', async () => {
      const phone = await browser.newContext({ baseURL: vigie.url, viewport: PHONE });
      t.after(() => phone.close());
      const other = await phone.newPage();
      const otherProblems = watchPage(other, [/status of 401/]);
      await signInAt(other, path, bob);
      const row = `#runs-list .run[data-run="${waitingRun}"]`;
      await other.click(`${row} button[data-approve]`);
      await other.waitForSelector(`${row}[data-status="ok"]`, { timeout: PATIENCE });
      assert.equal(existsSync(join(dir, 'emails.jobs')), false, 'the emails queue is purged');
      assert.ok(existsSync(join(dir, 'invoices.jobs')), 'no other queue touched');
      await screenshot(other, 'scenario-run-approved-phone');
      await assertFitsPhone(other);
      assert.deepEqual(otherProblems.errors, []);
    });

    await t.test(
      "the scenario goes on by itself on alice's page; a failed step stops it and is resumed once fixed",
      async () => {
        await page.waitForSelector(`#runs-list .run[data-run="${waitingRun}"][data-status="ok"]`, {
          timeout: PATIENCE,
        });
        const failed = '#scenario-run-result .stopped[data-stopped="failed"]';
        await page.waitForSelector(failed, { timeout: PATIENCE });
        const answer = await textOf(page, '#scenario-run-result');
        assert.match(answer, /Run: 5 steps, one failed/);
        assert.match(answer, /restart-api\s+ok[\s\S]*warm-queue\s+ok[\s\S]*check-drained\s+failed/);
        assert.match(await textOf(page, failed), /Stopped: step 5 \(check-drained\) failed/);
        const output = await textOf(page, '#scenario-run-result .scenario-step-run[data-step="5"] .outcome');
        assert.match(
          output,
          /\$ test -f drained\.flag[\s\S]*failed · exit 1/,
          'the failed output shows unasked',
        );
        assert.equal(readFileSync(log, 'utf8'), 'restarted\napi restarted\n');
        assert.ok(existsSync(join(dir, 'emails.warm')), 'the parameter reached step 4');
        await screenshot(page, 'scenario-run-failed');

        writeFileSync(join(dir, 'drained.flag'), '');
        await page.click(`${failed} button[data-resume="5"]`);
        await page.waitForSelector('#scenario-run-result .stopped[data-stopped="none"]', {
          timeout: PATIENCE,
        });
        assert.match(
          await textOf(page, '#scenario-run-result'),
          /from step 5: 1 step[\s\S]*check-drained\s+ok[\s\S]*Every step ran/,
        );
        const all = await runs();
        assert.deepEqual(
          all.map((run) => [run.stepIndex, run.status]),
          [
            [1, 'ok'],
            [2, 'ok'],
            [3, 'ok'],
            [4, 'ok'],
            [5, 'failed'],
            [5, 'ok'],
          ],
        );
        assert.equal(all[1]!.approvedBy, 'bob');
        assert.equal(
          readFileSync(log, 'utf8'),
          'restarted\napi restarted\n',
          'nothing before step 5 ran again',
        );
        await page.waitForSelector('#runs-list .run[data-status="ok"] >> nth=4', { timeout: PATIENCE });
        await screenshot(page, 'scenario-run');
      },
    );

    await t.test(
      'once resolved, the post-incident list shows and an item is ticked with a note',
      async () => {
        assert.match(await textOf(page, '#checklists'), /attached when the incident resolves/);
        await page.click('#resolve');
        const list = '#checklists .tracked[data-name="post-incident"]';
        await page.waitForSelector(list, { timeout: PATIENCE });
        await page.fill(`${list} input[data-note="1"]`, 'a poison job blocked the worker');
        await page.click(`${list} button[data-tick="1"]`);
        const item = `${list} .tracked-item[data-position="1"][data-done="true"]`;
        await page.waitForSelector(item, { timeout: PATIENCE });
        assert.match(await textOf(page, item), /Ticked by alice[\s\S]*a poison job blocked the worker/);
        const [tracked] = (
          await api<{ checklists: TrackedChecklist[] }>('GET', `/api/v1/incidents/${incident}/checklists`)
        ).checklists;
        assert.equal(tracked?.items[0]?.doneBy, 'alice');
        assert.equal(tracked?.items[0]?.note, 'a poison job blocked the worker');
        await page.waitForSelector('#timeline-list .entry[data-kind="checklist"]:has-text("item 1 ticked")', {
          timeout: PATIENCE,
        });
        // Unticking says why, and the page follows.
        await page.fill(`${list} input[data-note="1"]`, 'the real cause is elsewhere');
        await page.click(`${list} button[data-untick="1"]`);
        await page.waitForSelector(`${list} .tracked-item[data-position="1"][data-done="false"]`, {
          timeout: PATIENCE,
        });
        assert.match(
          await textOf(page, `${list} .tracked-item[data-position="1"]`),
          /Note: the real cause is elsewhere/,
        );
        await page.fill(`${list} input[data-note="1"]`, 'worker memory leak, fixed in v2.4.1');
        await page.click(`${list} button[data-tick="1"]`);
        await page.waitForSelector(`${list} .tracked-item[data-position="1"][data-done="true"]`, {
          timeout: PATIENCE,
        });
        await page.setViewportSize(PHONE);
        await screenshot(page, 'scenario-run-checklist-phone');
        await assertFitsPhone(page);
      },
    );

    assert.deepEqual(problems.errors, [], 'no script error, CSP violation or dialog in the page');
  });
});
