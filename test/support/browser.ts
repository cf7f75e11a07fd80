/**
 * A real browser for tests: Debian's Chromium driven through playwright-core (never a downloaded
 * browser). Outside CI a missing Chromium skips the test loudly; under CI=true it fails the test.
 * Pages opened through `watchPage` record every script error, failed console message and CSP
 * violation, so a test can assert that a page ran cleanly.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { TestContext } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';

/** CHROMIUM is the browser the tests drive: Debian's package, or VIGIE_TEST_CHROMIUM. */
export const CHROMIUM = process.env.VIGIE_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** SCREENSHOTS is where tests write screenshots (ignored by git, kept by CI as an artefact). */
export const SCREENSHOTS = new URL('../../test-results/screenshots/', import.meta.url);

/** PHONE is the viewport of the 3 a.m. case; DESKTOP the one of a desk. */
export const PHONE = { width: 390, height: 844 } as const;
/** DESKTOP is a laptop-sized viewport. */
export const DESKTOP = { width: 1280, height: 900 } as const;

/** launchBrowser starts headless Chromium, closed when the test ends; undefined when skipped. */
export async function launchBrowser(t: TestContext): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM)) {
    const reason = `Chromium is not installed at ${CHROMIUM}; apt-get install chromium, or set VIGIE_TEST_CHROMIUM`;
    if (process.env.CI === 'true') throw new Error(`CI needs ${reason}`);
    console.warn(`\n!!! SKIPPED: ${reason}\n`);
    t.skip(reason);
    return undefined;
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  t.after(() => browser.close());
  return browser;
}

/** PageProblems lists what went wrong in a page: uncaught errors, console errors, CSP violations. */
export interface PageProblems {
  readonly errors: string[];
}

/**
 * watchPage records a page's uncaught errors and console errors (a CSP violation is one). A 401 or
 * 404 the page expects can be allowed by a pattern matching the console text.
 */
export function watchPage(page: Page, allowed: readonly RegExp[] = []): PageProblems {
  const problems: PageProblems = { errors: [] };
  page.on('pageerror', (error) => problems.errors.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = `${message.text()} (${message.location().url})`;
    if (!allowed.some((pattern) => pattern.test(text))) problems.errors.push(`console: ${text}`);
  });
  page.on('dialog', (dialog) => {
    problems.errors.push(`dialog: ${dialog.type()} ${dialog.message()}`);
    void dialog.dismiss();
  });
  return problems;
}

/** screenshot writes a full-page PNG under test-results/screenshots/ and gives its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = new URL(`${name}.png`, SCREENSHOTS).pathname;
  // A full-page capture keeps the scroll position: from the top, sticky headers sit where they belong.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** PATIENCE is how long a browser test waits for what a page shows (generous: never a fixed sleep). */
export const PATIENCE = 20_000;

/** signInAt opens `path`, signs in with `token` on the login page it is sent to, and waits for `path` to be ready. */
export async function signInAt(page: Page, path: string, token: string): Promise<void> {
  await page.goto(path);
  await page.waitForURL((url) => url.pathname === '/login', { timeout: PATIENCE });
  await page.fill('#token', token);
  await page.click('#signin button[type=submit]');
  await page.waitForURL((url) => url.pathname === path, { timeout: PATIENCE });
  await page.waitForSelector('main[data-ready="true"]', { timeout: PATIENCE });
}

/** textOf gives the visible text of the first element matching `selector`, once it is there. */
export async function textOf(page: Page, selector: string): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: a Playwright handle; the text as shown is the point.
  return (await page.waitForSelector(selector, { timeout: PATIENCE })).innerText();
}
