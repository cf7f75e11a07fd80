/**
 * Guarded actions from the incident page, in Debian's Chromium against a whole Vigie on loopback and
 * the machine's PostgreSQL: responder alice runs a write shell step and reads its output under the
 * step; a dangerous step waits for its typed confirmation; a dry run of a destructive DELETE shows its
 * blast radius; asking for the DELETE leaves it waiting, with no Approve button for alice; responder
 * bob, in another browser, approves it; it runs, the rows are gone from PostgreSQL, and alice's page
 * shows the run done and approved by bob without a reload.
 * Screenshots land in test-results/screenshots/incident-actions*.png.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import pg from 'pg';
import type { Browser } from 'playwright-core';
import { createToken } from '../../src/api/tokens.ts';
import { startVigie } from '../../src/engine/runtime.ts';
import { Runbook } from '../../src/runbook/schema.ts';
import { scratchDir } from '../store/support.ts';
import { fireAlert } from '../support/alerts.ts';
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
import { freshDatabase } from '../support/services.ts';

const TENANT = '3f0c8a52-9d7e-4c1a-b0a4-6f1e2d3c4b5a';
const OTHER = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

function runbookFor(databaseUrl: string) {
  return Runbook.parse({
    name: 'Jobs backend',
    services: { db: { postgres: databaseUrl } },
    scenarios: [
      {
        id: 'queue-stuck',
        title: 'Job queue stuck',
        severity: 'SEV2',
        symptoms: ['jobs pile up'],
        diagnosis: [
          {
            id: 'count-jobs',
            run: 'SELECT count(*) AS jobs FROM jobs',
            kind: 'sql',
            risk: 'read',
            service: 'db',
          },
        ],
        actions: [
          { id: 'restart-worker', run: 'echo restarted', kind: 'shell', risk: 'write' },
          { id: 'flush-cache', run: 'echo flushed', kind: 'shell', risk: 'dangerous' },
          {
            id: 'purge-tenant',
            run: "DELETE FROM jobs WHERE tenant = 'TENANT'",
            kind: 'sql',
            risk: 'destructive',
            service: 'db',
            guard: { approval: true },
            params: { TENANT: { type: 'uuid', description: 'Tenant whose jobs are dropped' } },
          },
        ],
      },
    ],
  });
}

it('runs, guards and approves scenario steps from the incident page in Chromium', async (t) => {
  const browser: Browser | undefined = await launchBrowser(t);
  if (!browser) return;
  const database = await freshDatabase(t);
  if (!database) return;
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query('CREATE TABLE jobs (id serial PRIMARY KEY, tenant uuid NOT NULL)');
  await client.query('INSERT INTO jobs (tenant) SELECT $1 FROM generate_series(1, 42)', [TENANT]);
  await client.query('INSERT INTO jobs (tenant) SELECT $1 FROM generate_series(1, 8)', [OTHER]);
  const count = async (tenant: string) =>
    Number((await client.query('SELECT count(*) AS n FROM jobs WHERE tenant = $1', [tenant])).rows[0].n);

  const vigie = await startVigie({
    runbook: runbookFor(database.url),
    env: {},
    storePath: join(scratchDir(), 'vigie.sqlite'),
    port: 0,
    flushEvery: 200,
  });
  t.after(async () => {
    await vigie.stop();
    await client.end();
    await database.drop();
  });
  const alice = createToken(vigie.incidents, 'responder', 'alice', Date.now()).secret;
  const bob = createToken(vigie.incidents, 'responder', 'bob', Date.now()).secret;
  fireAlert(vigie.pipeline, {
    name: 'QueueStuck',
    fingerprint: 'queue',
    at: Date.now(),
    scenario: 'queue-stuck',
  });
  const incident = vigie.incidents.incidents()[0]!.id;
  const path = `/incidents/${incident}`;

  const aliceContext = await browser.newContext({ baseURL: vigie.url, viewport: DESKTOP });
  const page = await aliceContext.newPage();
  const problems = watchPage(page, [/status of 401/]);
  await signInAt(page, path, alice);
  let purgeRun = '';

  await t.test('each step gets Run and Dry run, numbered as the actions API counts', async () => {
    // Actions from 1, then the diagnosis: restart-worker 1, flush-cache 2, purge-tenant 3, count-jobs 4.
    for (const number of [1, 2, 3, 4]) {
      const step = `#scenario [data-step="${number}"]`;
      assert.equal(await page.locator(`${step} button[data-action="run"]`).count(), 1, `Run on ${number}`);
      assert.equal(
        await page.locator(`${step} button[data-action="dry"]`).count(),
        1,
        `Dry run on ${number}`,
      );
    }
    assert.match(await textOf(page, '#scenario [data-step="4"] .command'), /SELECT count\(\*\)/);
    assert.equal(
      await page.getAttribute('#scenario [data-step="3"] input[data-param="TENANT"]', 'placeholder'),
      'Tenant whose jobs are dropped',
    );
    assert.match(await textOf(page, '#scenario [data-step="2"] .step-run'), /Type flush-cache to confirm/);
    assert.match(await textOf(page, '#runs'), /No step has been run/);
  });

  await t.test('a write step runs on request and its output shows under it', async () => {
    await page.click('#scenario [data-step="1"] button[data-action="run"]');
    const result = '#scenario [data-step="1"] .step-result';
    await page.waitForSelector(`${result} .badge[data-status="ok"]`, { timeout: PATIENCE });
    const terminal = await textOf(page, `${result} .terminal`);
    assert.match(terminal, /^\$ echo restarted\nrestarted/, terminal);
    await page.waitForSelector('#runs-list .run[data-status="ok"]', { timeout: PATIENCE });
    assert.match(await textOf(page, '#runs-list .run'), /restart-worker[\s\S]*Asked by alice/);
  });

  await t.test('a dangerous step runs only once its confirmation is typed', async () => {
    const step = '#scenario [data-step="2"]';
    await page.click(`${step} button[data-action="run"]`);
    assert.match(await textOf(page, `${step} .step-result .problem`), /Type flush-cache to run/);
    await page.fill(`${step} input[data-confirm]`, 'flush-cache');
    await page.click(`${step} button[data-action="run"]`);
    await page.waitForSelector(`${step} .step-result .badge[data-status="ok"]`, { timeout: PATIENCE });
    assert.match(await textOf(page, `${step} .step-result .terminal`), /flushed/);
  });

  await t.test(
    'a dry run of the destructive step shows what it would delete and deletes nothing',
    async () => {
      const step = '#scenario [data-step="3"]';
      await page.click(`${step} button[data-action="dry"]`);
      assert.match(await textOf(page, `${step} .step-result .problem`), /Give TENANT/);
      await page.fill(`${step} input[data-param="TENANT"]`, TENANT);
      await page.click(`${step} button[data-action="dry"]`);
      await page.waitForSelector(`${step} .step-result .badge[data-status="dry-run"]`, { timeout: PATIENCE });
      assert.match(await textOf(page, `${step} .step-result .terminal`), /would delete 42 rows/);
      assert.equal(await count(TENANT), 42);
    },
  );

  await t.test(
    'the destructive step waits for a second responder; its requester cannot approve',
    async () => {
      const step = '#scenario [data-step="3"]';
      await page.click(`${step} button[data-action="run"]`);
      await page.waitForSelector(`${step} .step-result .badge[data-status="waiting"]`, { timeout: PATIENCE });
      const result = await textOf(page, `${step} .step-result`);
      assert.match(result, /waiting for a second responder/);
      assert.match(result, /second person must approve/);
      const run = await page.waitForSelector('#runs-list .run[data-status="waiting"]', { timeout: PATIENCE });
      purgeRun = (await run.getAttribute('data-run'))!;
      const row = `#runs-list .run[data-run="${purgeRun}"]`;
      assert.match(
        await textOf(page, row),
        /purge-tenant[\s\S]*Asked by alice[\s\S]*waiting for a second responder/,
      );
      assert.match(await textOf(page, row), new RegExp(`TENANT=${TENANT}`));
      assert.equal(
        await page.locator(`${row} button[data-approve]`).count(),
        0,
        'no Approve for the requester',
      );
      await page.click(`${row} button[data-retry]`);
      await page.waitForSelector(`${row} .retry .message:has-text("Still waiting")`, { timeout: PATIENCE });
      assert.match(
        await textOf(page, row),
        /second person must approve/,
        'trying again does not bypass the gate',
      );
      assert.equal(await count(TENANT), 42, 'nothing deleted yet');
      await screenshot(page, 'incident-actions-waiting');
    },
  );

  await t.test('bob approves in his own browser; the step runs and the rows are gone', async () => {
    const bobContext = await browser.newContext({ baseURL: vigie.url, viewport: PHONE });
    t.after(() => bobContext.close());
    const other = await bobContext.newPage();
    const otherProblems = watchPage(other, [/status of 401/]);
    await signInAt(other, path, bob);
    const row = `#runs-list .run[data-run="${purgeRun}"]`;
    assert.match(await textOf(other, row), /Asked by alice/);
    assert.equal(await other.locator(`${row} .waiting`).count(), 0, 'bob is the second responder');
    await screenshot(other, 'incident-actions-approve-phone');
    await other.click(`${row} button[data-approve]`);
    await other.waitForSelector(`${row}[data-status="ok"]`, { timeout: PATIENCE });
    assert.match(await textOf(other, `${row} .run-who`), /Asked by alice[\s\S]*approved by bob/);
    assert.equal(await count(TENANT), 0, 'the tenant jobs deleted in PostgreSQL');
    assert.equal(await count(OTHER), 8, 'no other tenant touched');
    await other.click(`${row} .run-output summary`);
    assert.match(await textOf(other, `${row} .run-output .terminal`), /DELETE 42/);
    await screenshot(other, 'incident-actions-approved-phone');
    const width = await other.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= PHONE.width, `nothing overflows a phone screen (${width}px)`);
    assert.deepEqual(otherProblems.errors, []);
  });

  await t.test("alice's page follows: the run done, approved by bob, without a reload", async () => {
    const row = `#runs-list .run[data-run="${purgeRun}"]`;
    await page.waitForSelector(`${row}[data-status="ok"]`, { timeout: PATIENCE });
    assert.match(await textOf(page, `${row} .run-who`), /approved by bob/);
    const step = '#scenario [data-step="3"]';
    await page.waitForSelector(`${step} .step-result .badge[data-status="ok"]`, { timeout: PATIENCE });
    assert.match(await textOf(page, `${step} .step-result .terminal`), /DELETE 42/);
    assert.match(await textOf(page, '#timeline-list'), /approved by bob: ok/);
    await screenshot(page, 'incident-actions');
  });

  assert.deepEqual(problems.errors, [], 'no script error, CSP violation or dialog in the page');
});
