/**
 * The dashboard in Debian's Chromium against a whole Vigie on loopback: a responder signs in with a
 * token; a check whose target starts answering 503 turns red and its incident appears without a
 * reload; acknowledging it in the incident page shows in the timeline and in `vigie incidents show`;
 * HTML in the incident title and in command output shows as text; a viewer gets no buttons; the
 * runbook viewer shows every part of the runbook; and when the event stream is cut, the page polls.
 * Screenshots of the dashboard and the incident page land in test-results/screenshots/.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { parse } from 'yaml';
import { createToken } from '../../src/api/tokens.ts';
import { main } from '../../src/cli/main.ts';
import { startVigie } from '../../src/engine/runtime.ts';
import { Runbook } from '../../src/runbook/schema.ts';
import { scratchDir } from '../store/support.ts';
import { DESKTOP, launchBrowser, PHONE, screenshot, watchPage } from '../support/browser.ts';
import { startWebhookReceiver } from '../support/receivers.ts';

const HOSTILE_TITLE = 'API down <img src=x onerror=alert(1)>';
const HOSTILE_OUTPUT = '<script>window.pwned = true</script> database unreachable';
/** Generous: the browser waits for what the page shows, never for a fixed time. */
const PATIENCE = 20_000;

async function startTarget() {
  let status = 200;
  const server = createServer((_request, response) => {
    response.writeHead(status, { 'content-type': status === 200 ? 'application/json' : 'text/html' });
    response.end(status === 200 ? '{"status":"ok"}' : HOSTILE_OUTPUT);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set: (next: number) => {
      status = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function runbookFor(target: string, hook: string) {
  return Runbook.parse(
    parse(`
name: Web shop
services:
  api: { url: "${target}" }
checks:
  - { id: api-ready, name: API readiness, probe: http, target: "\${services.api.url}/health/ready", every: 1s, timeout: 2s, expect: ["status == 200"] }
  - { id: api-port, name: API port, probe: tcp, target: "${new URL(target).host}", every: 1s, timeout: 2s }
status_page:
  title: Web shop status
  components:
    - { id: checkout, name: Checkout, checks: [api-ready, api-port] }
alerts:
  - { id: api-down, check: api-ready, when: "fails", severity: SEV1, scenario: api-down }
scenarios:
  - id: api-down
    title: "${HOSTILE_TITLE}"
    severity: SEV2
    symptoms: ["/health/ready answers 503"]
    causes: ["database unreachable", "deploy in progress"]
    diagnosis:
      - { run: "curl -sS ${target}/health/ready", kind: http, risk: read }
    actions:
      - { run: "systemctl restart api", kind: shell, risk: write }
      - { run: "systemctl restart postgresql", kind: shell, risk: dangerous }
      - { run: "docker system prune --volumes -f", kind: shell, risk: destructive, guard: { approval: true } }
channels:
  hook: { type: webhook, url: "${hook}" }
contacts:
  - { id: alice, name: Alice, channels: [hook] }
escalation:
  default:
    - { after: 0s, notify: [alice] }
  night:
    levels:
      - { after: 0s, notify: [alice] }
      - { after: 15m, notify: [hook] }
    repeat: 2
    ack_timeout: 30m
maintenance:
  - id: db-backup
    title: Database backup
    schedule: "0 2 * * *"
    steps:
      - { run: "pg_dump shop > /backups/shop.sql", kind: shell, risk: read }
checklists:
  post-incident: ["Root cause identified and documented"]
  pre-deploy:
    title: Before a deploy
    items: ["Tests are green", { text: "A backup ran today" }]
`),
  );
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.fill('#token', token);
  await page.click('#signin button[type=submit]');
}

/** text gives the visible text of the first element matching `selector`, once it is there. */
async function text(page: Page, selector: string): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: a Playwright handle; the text as shown is the point.
  return (await page.waitForSelector(selector, { timeout: PATIENCE })).innerText();
}

it('runs an incident from the dashboard in Chromium', async (t) => {
  const browser: Browser | undefined = await launchBrowser(t);
  if (!browser) return;
  const target = await startTarget();
  const hook = await startWebhookReceiver({});
  const vigie = await startVigie({
    runbook: runbookFor(target.url, hook.url),
    env: {},
    storePath: join(scratchDir(), 'vigie.sqlite'),
    port: 0,
    flushEvery: 200,
  });
  t.after(async () => {
    await vigie.stop();
    await Promise.all([target.close(), hook.close()]);
  });
  const shell = await fetch(`${vigie.url}/`);
  assert.equal(shell.status, 200, 'vigie serve serves the dashboard (registerWeb through ApiOptions.web)');
  const responder = createToken(vigie.incidents, 'responder', 'alice', Date.now()).secret;
  const viewer = createToken(vigie.incidents, 'viewer', 'victor', Date.now()).secret;

  const context = await browser.newContext({ baseURL: vigie.url, viewport: PHONE });
  const page = await context.newPage();
  // Before signing in the API answers 401, and Chromium logs each refused request; nothing else may fail.
  const problems = watchPage(page, [/status of 401/]);
  let incidentId = '';

  await t.test('an unknown visitor is sent to sign in, and a wrong token is refused', async () => {
    await page.goto('/');
    await page.waitForURL((url) => url.pathname === '/login' && url.searchParams.get('next') === '/', {
      timeout: PATIENCE,
    });
    await signIn(page, 'vgt_not-a-real-token');
    assert.match(await text(page, '.problem'), /unknown or revoked/);
    assert.equal(new URL(page.url()).pathname, '/login');
  });

  await t.test('a responder signs in and sees the check ok, updated live', async () => {
    await signIn(page, responder);
    await page.waitForURL((url) => url.pathname === '/', { timeout: PATIENCE });
    assert.match(await text(page, '#me'), /alice · responder/);
    await page.waitForSelector('[data-check="api-ready"][data-status="ok"]', { timeout: PATIENCE });
    assert.match(await text(page, '[data-check="api-ready"]'), /API readiness/);
    assert.equal(await page.locator('#live').getAttribute('data-state'), 'live');
    assert.match(await text(page, '#open-incidents'), /No open incidents/);
  });

  await t.test('a failing target turns the check red and opens an incident without a reload', async () => {
    await page.evaluate(() => {
      (window as unknown as { sameDocument: boolean }).sameDocument = true;
    });
    const runsBefore = vigie.engine.stats().runs;
    target.set(503);
    await page.waitForSelector('[data-check="api-ready"][data-status="failing"]', { timeout: PATIENCE });
    const row = await page.waitForSelector('[data-incident][data-sev="SEV1"]', { timeout: PATIENCE });
    const runs = vigie.engine.stats().runs - runsBefore;
    // The first failing run opens the incident; one run may have been in flight at the switch, and one
    // more may start while the page renders: within 2 intervals of the switch.
    assert.ok(runs <= 3, `the incident showed within 2 intervals of the switch (${runs} runs)`);
    t.diagnostic(`incident visible after ${runs} runs of a 1 s check`);
    assert.equal(
      await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument),
      true,
      'the page was not reloaded',
    );
    incidentId = (await row.getAttribute('data-incident'))!;
    assert.match(
      await text(page, `[data-incident="${incidentId}"]`),
      /API down <img src=x onerror=alert\(1\)>/,
    );
    assert.match(await page.title(), /^\(1\) /, 'the tab title counts open incidents');
  });

  await t.test('the status page shows the component degraded, with JavaScript disabled', async () => {
    const visitor = await browser.newContext({
      baseURL: vigie.url,
      viewport: PHONE,
      javaScriptEnabled: false,
    });
    const status = await visitor.newPage();
    // The public page is rebuilt at most every 10 s; the failing run must also have reached the store.
    const deadline = Date.now() + PATIENCE;
    let body = '';
    while (Date.now() < deadline) {
      await status.goto('/status');
      body = (await status.textContent('body')) ?? '';
      if (/degraded/i.test(body)) break;
      await status.waitForTimeout(500);
    }
    assert.match(body, /Checkout/);
    assert.match(body, /degraded/i, body);
    assert.equal(await status.locator('script').count(), 0, 'the status page needs no script');
    await screenshot(status, 'status-degraded-phone');
    await visitor.close();
  });

  await t.test('HTML in a title or in command output is shown as text, never run', async () => {
    await page.click(`[data-incident="${incidentId}"] a`);
    await page.waitForURL((url) => url.pathname === `/incidents/${incidentId}`, { timeout: PATIENCE });
    assert.equal(await text(page, '#incident-title'), HOSTILE_TITLE);
    const terminal = await text(page, '[data-kind="diagnosis"] .terminal');
    assert.ok(terminal.startsWith(`$ curl -sS ${target.url}/health/ready`), terminal);
    assert.ok(terminal.includes(HOSTILE_OUTPUT), terminal);
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'no <img> was made from the title');
    assert.equal(await page.locator('main script, body > script').count(), 0, 'no <script> from the output');
    assert.equal(await page.evaluate(() => 'pwned' in window), false);
    assert.match(await text(page, '#scenario'), /database unreachable/);
    for (const risk of ['read', 'write', 'dangerous', 'destructive']) {
      assert.equal(await page.locator(`#scenario .badge[data-risk="${risk}"]`).count(), 1, risk);
    }
  });

  await t.test('acknowledging in the page shows in the timeline and in vigie incidents show', async () => {
    assert.equal(await page.isDisabled('#acknowledge'), false);
    await page.click('#acknowledge');
    const entry = await text(page, '#timeline-list [data-kind="acknowledged"]');
    assert.match(entry, /alice/);
    await page.waitForSelector('.incident-head .badge[data-status="acknowledged"]', { timeout: PATIENCE });
    assert.equal(await page.isDisabled('#acknowledge'), true, 'nothing left to acknowledge');
    assert.equal(await page.isDisabled('#resolve'), false);
    const kinds = await page
      .locator('#timeline-list > li')
      .evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.kind));
    assert.equal(kinds[0], 'opened', 'oldest first');
    assert.equal(kinds.at(-1), 'acknowledged', 'newest last');

    const lines: string[] = [];
    const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) };
    const code = await main(['incidents', 'show', incidentId, '--url', vigie.url, '--token', responder], io);
    assert.equal(code, 0, lines.join('\n'));
    assert.match(lines.join('\n'), /acknowledged\s+alice/);
  });

  await t.test('a comment with markup is added as text', async () => {
    await page.fill('#comment-text', 'rolled back <b>v2</b>');
    await page.click('#comment button[type=submit]');
    assert.match(await text(page, '#timeline-list [data-kind="comment"]'), /rolled back <b>v2<\/b>/);
    assert.equal(await page.locator('#timeline-list b').count(), 0);
    await screenshot(page, 'incident-phone');
    await page.setViewportSize(DESKTOP);
    await screenshot(page, 'incident');
  });

  await t.test('the dashboard lists the acknowledged incident first, on a phone and a desk', async () => {
    await page.goto('/');
    await page.waitForSelector(`[data-incident="${incidentId}"][data-status="acknowledged"]`, {
      timeout: PATIENCE,
    });
    await page.waitForSelector('[data-check="api-ready"][data-status="failing"] .check-error', {
      timeout: PATIENCE,
    });
    const order = await page
      .locator('main section')
      .evaluateAll((sections) => sections.map((section) => section.id));
    assert.deepEqual(order, ['open-incidents', 'checks'], 'open incidents come first');
    await screenshot(page, 'dashboard');
    await page.setViewportSize(PHONE);
    await screenshot(page, 'dashboard-phone');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= PHONE.width, `nothing overflows a phone screen (${width}px)`);
  });

  await t.test(
    'the runbook viewer shows scenarios, checks, alerts, escalation, maintenance, checklists',
    async () => {
      await page.goto('/runbook');
      await page.waitForSelector('main[data-ready="true"]', { timeout: PATIENCE });
      const sections = await page
        .locator('main section')
        .evaluateAll((items) => items.map((item) => item.id));
      for (const id of ['scenarios', 'checks', 'alerts', 'escalation', 'maintenance', 'checklists']) {
        assert.ok(sections.includes(id), `${id} in ${sections.join(', ')}`);
      }
      assert.equal(await page.locator('#scenarios .badge[data-risk="destructive"]').count(), 1);
      assert.match(await text(page, '#scenario-api-down h3'), /API down <img src=x onerror=alert\(1\)>/);
      assert.match(await text(page, '#escalation-default'), /after 0s → alice/);
      const night = await text(page, '#escalation-night');
      assert.match(night, /after 15m → hook/);
      assert.match(night, /2 times/);
      assert.match(night, /30m/);
      assert.match(await text(page, '#maintenance-db-backup'), /0 2 \* \* \*/);
      assert.match(await text(page, '#checklist-pre-deploy'), /Before a deploy[\s\S]*A backup ran today/);
      assert.match(await text(page, '#checklist-post-incident'), /Root cause identified/);
      assert.match(await text(page, '#alert-api-down'), /fails/);
      await screenshot(page, 'runbook-phone');
    },
  );

  await t.test('a viewer reads the incident but gets no buttons, and signs out', async () => {
    const viewing = await browser.newContext({ baseURL: vigie.url, viewport: PHONE });
    t.after(() => viewing.close());
    const other = await viewing.newPage();
    const otherProblems = watchPage(other, [/status of 401/]);
    await other.goto(`/incidents/${incidentId}`);
    await other.waitForURL((url) => url.pathname === '/login', { timeout: PATIENCE });
    await signIn(other, viewer);
    await other.waitForURL((url) => url.pathname === `/incidents/${incidentId}`, { timeout: PATIENCE });
    await other.waitForSelector('main[data-ready="true"]', { timeout: PATIENCE });
    assert.equal(await other.locator('#acknowledge, #resolve, #comment').count(), 0);
    await other.click('#signout');
    await other.waitForURL((url) => url.pathname === '/login', { timeout: PATIENCE });
    await other.goto('/');
    await other.waitForURL((url) => url.pathname === '/login', { timeout: PATIENCE });
    assert.deepEqual(otherProblems.errors, []);
  });

  await t.test('with the event stream cut, the dashboard polls and still follows the check', async () => {
    const polling = await browser.newContext({ baseURL: vigie.url, viewport: DESKTOP });
    t.after(() => polling.close());
    await polling.route('**/api/v1/events', (route) => route.abort());
    const cut = await polling.newPage();
    const cutProblems = watchPage(cut, [/status of 401/, /net::ERR_FAILED/]);
    await cut.goto('/login');
    await signIn(cut, responder);
    await cut.waitForSelector('[data-check="api-ready"][data-status="failing"]', { timeout: PATIENCE });
    await cut.waitForSelector('#live[data-state="polling"]', { timeout: PATIENCE });
    target.set(200);
    await cut.waitForSelector('[data-check="api-ready"][data-status="ok"]', { timeout: PATIENCE });
    assert.deepEqual(cutProblems.errors, []);
  });

  assert.deepEqual(problems.errors, [], 'no script error, CSP violation or dialog in the pages');
});
