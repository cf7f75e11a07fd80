/**
 * The web dashboard: small HTML shells for the dashboard, the sign-in form, the incident page, the
 * runbook viewer and the operations page (deploys, maintenance), and the static assets they load (one stylesheet, a few vanilla JS modules). A shell
 * carries no data: its script fetches the JSON API and inserts every text as text, under a
 * Content-Security-Policy that allows no inline script and no other origin.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** WebOptions say how the dashboard presents itself. */
export interface WebOptions {
  /** Shown in the page header and the window title: usually the runbook's name. */
  readonly title: string;
}

/** CONTENT_SECURITY_POLICY is sent with every page: scripts, styles and requests only from this origin, never framed. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

/** PageName is one of the dashboard's pages; each loads the module of the same name. */
export type PageName = 'dashboard' | 'login' | 'incident' | 'runbook' | 'operations';

const PAGES: readonly { readonly path: string; readonly name: PageName; readonly heading: string }[] = [
  { path: '/', name: 'dashboard', heading: 'Dashboard' },
  { path: '/login', name: 'login', heading: 'Sign in' },
  { path: '/incidents/:id', name: 'incident', heading: 'Incident' },
  { path: '/runbook', name: 'runbook', heading: 'Runbook' },
  { path: '/operations', name: 'operations', heading: 'Operations' },
];

/** NAV lists the pages the header links to, in order. */
const NAV: readonly { readonly href: string; readonly page: PageName; readonly label: string }[] = [
  { href: '/', page: 'dashboard', label: 'Dashboard' },
  { href: '/runbook', page: 'runbook', label: 'Runbook' },
  { href: '/operations', page: 'operations', label: 'Operations' },
];

/** loadAssets reads every file of `src/web/assets/` once, so a request never touches the disk. */
function loadAssets(): Map<string, Asset> {
  const directory = new URL('./assets/', import.meta.url);
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(directory)) {
    const type = CONTENT_TYPES[extname(name)];
    if (!type) continue;
    const body = readFileSync(new URL(name, directory));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    assets.set(name, { body, type, etag });
  }
  return assets;
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  );
}

/** importsOf lists the modules a module needs, directly or not, so the shell can ask for all at once. */
function importsOf(module: string, assets: ReadonlyMap<string, Asset>, seen = new Set<string>()): string[] {
  const source = assets.get(module)?.body.toString('utf8') ?? '';
  for (const [, imported] of source.matchAll(/^import [^;]*? from '\.\/([\w-]+\.js)';/gm)) {
    if (imported && !seen.has(imported)) {
      seen.add(imported);
      importsOf(imported, assets, seen);
    }
  }
  return [...seen];
}

/**
 * renderPage gives the HTML shell of one page; the title is the only text in it, escaped. `preload`
 * names the modules the page's module imports, fetched alongside it instead of one after the other.
 */
export function renderPage(
  title: string,
  page: PageName,
  heading: string,
  preload: readonly string[] = [],
): string {
  const name = escapeHtml(title);
  const preloads = preload
    .map((module) => `\n  <link rel="modulepreload" href="/assets/${module}">`)
    .join('');
  const nav =
    page === 'login'
      ? ''
      : `<nav class="nav">${NAV.map(
          (link) =>
            `<a href="${link.href}"${link.page === page ? ' aria-current="page"' : ''}>${link.label}</a>`,
        ).join('')}</nav>
    <span id="live" class="live" hidden></span>
    <span id="me" class="me"></span>
    <button id="signout" class="quiet" type="button" hidden>Sign out</button>`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="color-scheme" content="light dark">
  <title>${escapeHtml(heading)} · ${name}</title>
  <link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/assets/style.css">
  <script type="module" src="/assets/${page}.js"></script>${preloads}
</head>
<body data-page="${page}" data-title="${name}">
  <header class="bar">
    <a class="brand" href="/">${name}</a>
    ${nav}
  </header>
  <main id="main" class="main"><p class="loading">Loading…</p></main>
  <noscript><p class="problem">This page needs JavaScript. The public status page works without it.</p></noscript>
</body>
</html>
`;
}

// Pages are not API: they stay out of the OpenAPI document.
const HIDDEN = { hide: true };

function secure(reply: FastifyReply): FastifyReply {
  return reply.headers(SECURITY_HEADERS);
}

/**
 * registerWeb adds the dashboard's pages (`/`, `/login`, `/incidents/:id`, `/runbook`, `/operations`) and its assets
 * (`/assets/<file>`) to an API server; the pages need the JSON API of the same server.
 */
export function registerWeb(app: FastifyInstance, options: WebOptions): void {
  const assets = loadAssets();
  for (const page of PAGES) {
    const html = renderPage(options.title, page.name, page.heading, importsOf(`${page.name}.js`, assets));
    app.get(page.path, { schema: HIDDEN }, async (_request, reply) =>
      secure(reply)
        .header('content-type', 'text/html; charset=utf-8')
        // The shell holds no data, but a stale one could load scripts that no longer exist.
        .header('cache-control', 'no-cache')
        .send(html),
    );
  }
  app.get('/assets/:name', { schema: HIDDEN }, async (request, reply) => {
    const { name } = request.params as { name: string };
    const asset = assets.get(name);
    if (!asset) {
      return secure(reply)
        .code(404)
        .send({
          error: {
            code: 'API_NOT_FOUND',
            message: `no asset ${name}`,
            fix: 'load the page, which names its assets',
          },
        });
    }
    secure(reply)
      .header('cache-control', 'no-cache')
      .header('etag', asset.etag)
      .header('content-type', asset.type);
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.send(asset.body);
  });
}
