/**
 * The public status page's HTML: a complete document with no script at all, every text escaped, 90
 * cells per uptime bar, and `GET /status` served by Fastify with a CSP that allows only its own style.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import type { StatusDay, StatusModel } from '../../src/status/model.ts';
import {
  escapeHtml,
  formatUptime,
  registerStatusPage,
  renderStatusPage,
  STATUS_CSP,
  STATUS_CSS,
} from '../../src/web/status-page.ts';
import { DESKTOP, launchBrowser, PHONE, screenshot, watchPage } from '../support/browser.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 24, 12, 30);
const TODAY = Date.UTC(2026, 10, 24);

function days(uptime: (i: number) => number | undefined): StatusDay[] {
  return Array.from({ length: 90 }, (_, i) => {
    const value = uptime(i);
    const date = new Date(TODAY - (89 - i) * DAY).toISOString().slice(0, 10);
    const state =
      value === undefined
        ? 'unknown'
        : value >= 0.999
          ? 'operational'
          : value >= 0.95
            ? 'degraded'
            : 'outage';
    return { date, ...(value === undefined ? {} : { uptime: value }), state };
  });
}

const model: StatusModel = {
  title: 'Shop <status>',
  generatedAt: NOW,
  overall: 'degraded',
  components: [
    {
      id: 'api',
      name: 'API',
      state: 'degraded',
      uptime90d: 0.99871,
      days: days((i) => (i === 89 ? 0.9995 : i === 87 ? 0.97 : i < 60 ? undefined : 1)),
    },
    {
      id: 'evil',
      name: '<script>alert("x")</script>',
      state: 'operational',
      uptime90d: 1,
      days: days(() => 1),
    },
    { id: 'jobs', name: 'Jobs', state: 'unknown', days: days(() => undefined) },
  ],
  incidents: [
    {
      id: 'INC-7',
      title: 'Partial outage affecting API',
      severity: 'SEV2',
      status: 'identified',
      openedAt: NOW - 2 * 3_600_000,
      updates: [
        { at: NOW - 2 * 3_600_000, text: 'Investigating — We are investigating a problem affecting API.' },
        { at: NOW - 3_600_000, text: 'Fix on its way <img src=x onerror=alert(1)> & more' },
      ],
    },
    {
      id: 'INC-5',
      title: 'Major outage affecting Website',
      severity: 'SEV1',
      status: 'resolved',
      openedAt: NOW - 3 * DAY,
      resolvedAt: NOW - 3 * DAY + 3_600_000,
      updates: [{ at: NOW - 3 * DAY + 3_600_000, text: 'Resolved — This incident has been resolved.' }],
    },
  ],
  maintenance: [
    { id: 'reindex@1', title: 'Search "index" rebuild', start: NOW + DAY, end: NOW + DAY + 3_600_000 },
  ],
};

describe('renderStatusPage', () => {
  const html = renderStatusPage(model);

  it('is a complete HTML document without any script', () => {
    assert.match(html, /^<!doctype html>\n<html lang="en">/);
    assert.match(html, /<\/html>\n$/);
    assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /javascript:/i);
    assert.doesNotMatch(html, /<[^>]*\son[a-z]+=/i, 'no event handler attributes');
    assert.doesNotMatch(
      html,
      /<[^>]*\sstyle=/i,
      'no style attributes: the CSP allows the stylesheet by hash only',
    );
  });

  it('escapes every text', () => {
    assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
    assert.ok(html.includes('<title>Shop &lt;status&gt;</title>'));
    assert.ok(html.includes('Fix on its way &lt;img src=x onerror=alert(1)&gt; &amp; more'));
    assert.ok(html.includes('Search &quot;index&quot; rebuild'));
    assert.equal(
      escapeHtml(`<a href="x" title='y'>&</a>`),
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('draws 90 day cells per component with a dated tooltip', () => {
    assert.equal(html.match(/<li class="day day-/g)?.length, 90 * model.components.length);
    assert.ok(html.includes('<li class="day day-operational" title="2026-11-24: 99.95%"></li>'));
    assert.ok(html.includes('<li class="day day-degraded" title="2026-11-22: 97.00%"></li>'));
    assert.ok(html.includes('<li class="day day-unknown" title="2026-08-27: no data"></li>'));
    assert.ok(html.includes('99.87% uptime'));
  });

  it('shows the banner, states, incidents with updates newest first, maintenance and the update time', () => {
    assert.ok(
      html.includes('<section class="banner banner-degraded" role="status"><p>Some systems are degraded</p>'),
    );
    assert.ok(html.includes('<span class="state state-degraded">Degraded</span>'));
    assert.ok(html.includes('<span class="state state-unknown">No data</span>'));
    const current = html.indexOf('Current incidents');
    const past = html.indexOf('Past incidents');
    assert.ok(current > 0 && past > current);
    assert.ok(html.indexOf('Partial outage affecting API') > current);
    assert.ok(html.indexOf('Major outage affecting Website') > past);
    assert.ok(html.indexOf('Fix on its way') < html.indexOf('We are investigating'), 'newest update first');
    assert.ok(html.includes('<span class="phase">Identified</span>'));
    assert.ok(html.includes('<time datetime="2026-11-25T12:30:00.000Z">2026-11-25 12:30 UTC</time>'));
    assert.ok(
      html.includes('Last updated <time datetime="2026-11-24T12:30:00.000Z">2026-11-24 12:30 UTC</time>'),
    );
  });

  it('says so when there is nothing to report', () => {
    const quiet = renderStatusPage({
      ...model,
      overall: 'operational',
      components: [],
      incidents: [],
      maintenance: [],
    });
    assert.ok(quiet.includes('All systems operational'));
    assert.ok(quiet.includes('No maintenance scheduled in the next 7 days.'));
    assert.ok(quiet.includes('No incidents in the last 7 days.'));
    assert.ok(!quiet.includes('Current incidents'));
  });

  it('keeps class names to known states whatever the model holds', () => {
    const odd = renderStatusPage({
      ...model,
      overall: 'x" onclick="y' as StatusModel['overall'],
      components: [{ ...model.components[0]!, state: 'constructor' as 'unknown' }],
    });
    assert.ok(odd.includes('banner-operational'));
    assert.ok(odd.includes('state-unknown'));
    assert.doesNotMatch(odd, /onclick/);
  });

  it('rounds uptime down so an imperfect day never reads 100.00%', () => {
    assert.equal(formatUptime(1), '100%');
    assert.equal(formatUptime(0.99999), '99.99%');
    assert.equal(formatUptime(0.5), '50.00%');
  });

  it('allows exactly its stylesheet by hash in the CSP', () => {
    const inline = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1];
    assert.equal(inline, STATUS_CSS);
    const hash = createHash('sha256').update(inline!).digest('base64');
    assert.ok(STATUS_CSP.includes(`style-src 'sha256-${hash}'`));
    assert.ok(STATUS_CSP.includes("default-src 'none'"));
    assert.ok(!STATUS_CSP.includes('script-src'), 'no script source at all');
  });
});

describe('GET /status', () => {
  it('serves the page uncached with its CSP, no token needed', async (t) => {
    const app = Fastify();
    t.after(() => app.close());
    registerStatusPage(app, { model: async () => model });
    const response = await app.inject({ method: 'GET', url: '/status' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.equal(response.headers['content-security-policy'], STATUS_CSP);
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
    assert.equal(response.body, renderStatusPage(model));
    const head = await app.inject({ method: 'HEAD', url: '/status' });
    assert.equal(head.statusCode, 200);
  });

  it('answers 503 with a plain page, and tells the caller why, when the model fails', async (t) => {
    const app = Fastify();
    t.after(() => app.close());
    const errors: unknown[] = [];
    registerStatusPage(app, {
      model: async () => {
        throw new Error('SQLITE_BUSY at /var/lib/vigie/vigie.sqlite');
      },
      onError: (error) => errors.push(error),
    });
    const response = await app.inject({ method: 'GET', url: '/status' });
    assert.equal(response.statusCode, 503);
    assert.equal(response.headers['content-security-policy'], STATUS_CSP);
    assert.ok(response.body.includes('temporarily unavailable'));
    assert.ok(!response.body.includes('SQLITE'));
    assert.equal(errors.length, 1);
  });
});

describe('/status in Chromium with JavaScript disabled', () => {
  it('renders every component, its 90-day bar and the incidents, runs nothing, fits a phone', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = Fastify();
    t.after(() => app.close());
    registerStatusPage(app, { model: async () => model });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });

    const desk = await browser.newContext({ javaScriptEnabled: false, viewport: DESKTOP });
    t.after(() => desk.close());
    const page = await desk.newPage();
    const problems = watchPage(page);
    const response = await page.goto(`${url}/status`);
    assert.equal(response?.status(), 200);
    assert.equal(await page.locator('h1').textContent(), 'Shop <status>');
    assert.equal(await page.locator('.banner').textContent(), 'Some systems are degraded');
    assert.equal(await page.locator('.component h3').nth(1).textContent(), '<script>alert("x")</script>');
    assert.equal(await page.locator('.component').nth(0).locator('.state').textContent(), 'Degraded');
    assert.equal(await page.locator('.component').nth(0).locator('.day').count(), 90);
    assert.equal(await page.locator('.day:visible').count(), 90 * model.components.length);
    assert.ok(
      (await page.locator('.incident').first().textContent())?.includes('Partial outage affecting API'),
    );
    // The stylesheet applied (the CSP allowed it by hash): bars are laid out in a row.
    const cell = await page.locator('.day').first().boundingBox();
    assert.ok(
      cell && Math.round(cell.height) === 32 && cell.width > 2,
      `a day cell is drawn: ${JSON.stringify(cell)}`,
    );
    await screenshot(page, 'status');
    assert.deepEqual(problems.errors, []);

    const phone = await browser.newContext({ javaScriptEnabled: false, viewport: PHONE, isMobile: true });
    t.after(() => phone.close());
    const small = await phone.newPage();
    const phoneProblems = watchPage(small);
    await small.goto(`${url}/status`);
    assert.equal(
      await small.locator('.day:visible').count(),
      30 * model.components.length,
      'a phone shows 30 days',
    );
    const width = await small.locator('main').boundingBox();
    assert.ok(width && width.width <= PHONE.width, 'no horizontal scrolling');
    await screenshot(small, 'status-phone');
    assert.deepEqual(phoneProblems.errors, []);
  });
});
