/**
 * The dashboard's pages and assets as a server sends them: the security headers of every answer, the
 * shell of each page, assets read once with validators, and scripts that never turn data into markup.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { CONTENT_SECURITY_POLICY, registerWeb } from '../../src/web/plugin.ts';

const ASSETS = new URL('../../src/web/assets/', import.meta.url);

async function server(title = 'Shop <b>&</b> "ops"') {
  const app = Fastify();
  registerWeb(app, { title });
  await app.ready();
  return app;
}

describe('web pages', () => {
  it('serves each page as a shell that loads its own module, with strict security headers', async (t) => {
    const app = await server();
    t.after(() => app.close());
    for (const [url, module] of [
      ['/', 'dashboard'],
      ['/login', 'login'],
      ['/incidents/INC-12', 'incident'],
      ['/runbook', 'runbook'],
      ['/operations', 'operations'],
    ] as const) {
      const answer = await app.inject({ url });
      assert.equal(answer.statusCode, 200, url);
      assert.match(answer.headers['content-type'] as string, /^text\/html/);
      assert.equal(answer.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
      assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/, 'no inline script, no eval');
      assert.match(CONTENT_SECURITY_POLICY, /frame-ancestors 'none'/);
      assert.equal(answer.headers['x-content-type-options'], 'nosniff');
      assert.equal(answer.headers['referrer-policy'], 'no-referrer');
      assert.ok(answer.body.includes(`<script type="module" src="/assets/${module}.js"></script>`), url);
      assert.ok(!/<script>|\son\w+=/.test(answer.body), 'no inline script or handler in a shell');
    }
  });

  it('escapes the title, the only text a shell carries, and never reflects the URL', async (t) => {
    const app = await server();
    t.after(() => app.close());
    const answer = await app.inject({ url: '/incidents/%3Cscript%3Ealert(1)%3C%2Fscript%3E' });
    assert.ok(answer.body.includes('Shop &lt;b&gt;&amp;&lt;/b&gt; &quot;ops&quot;'));
    assert.ok(!answer.body.includes('<b>'));
    assert.ok(!answer.body.includes('alert(1)'), 'the id is read by the script from the location');
  });

  it('serves every asset with its type and an ETag, and 404 for anything else', async (t) => {
    const app = await server();
    t.after(() => app.close());
    const names = readdirSync(ASSETS);
    assert.ok(names.includes('style.css') && names.includes('dashboard.js'));
    for (const name of names) {
      const answer = await app.inject({ url: `/assets/${name}` });
      assert.equal(answer.statusCode, 200, name);
      assert.equal(answer.headers['x-content-type-options'], 'nosniff');
      const type = { js: /^text\/javascript/, css: /^text\/css/, svg: /^image\/svg\+xml/ }[
        name.split('.').pop()!
      ];
      assert.match(answer.headers['content-type'] as string, type!, name);
      assert.equal(answer.body, readFileSync(new URL(name, ASSETS), 'utf8'));
      const again = await app.inject({
        url: `/assets/${name}`,
        headers: { 'if-none-match': answer.headers.etag as string },
      });
      assert.equal(again.statusCode, 304, `${name} is revalidated, not sent again`);
    }
    const missing = await app.inject({ url: '/assets/nope.js' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'API_NOT_FOUND');
    assert.equal((await app.inject({ url: '/assets/..%2Fplugin.ts' })).statusCode, 404);
  });

  it('has scripts that import only served modules and never build markup from strings', () => {
    const names = new Set(readdirSync(ASSETS));
    for (const name of names) {
      if (!name.endsWith('.js')) continue;
      const source = readFileSync(new URL(name, ASSETS), 'utf8');
      for (const [, imported] of source.matchAll(/from '\.\/([\w-]+\.js)'/g)) {
        assert.ok(names.has(imported!), `${name} imports ${imported}, which is served`);
      }
      // Data reaches the page only as text nodes and attribute values.
      assert.doesNotMatch(
        source,
        /\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function/,
        name,
      );
      const elsewhere = /(fetch\(|EventSource\(|import\(|from )\s*['"`]https?:/.test(source);
      assert.ok(!elsewhere, `${name} loads nothing from another origin`);
    }
  });
});
