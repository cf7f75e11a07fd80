/**
 * The API as a whole, on loopback against a running Vigie: the OpenAPI document validates and names
 * every route, and each route is called; access is checked at the edge (no token 401, viewer 403 on a
 * change, a browser session's change without its CSRF token or from another site refused); and a
 * secret from the runbook's environment never appears in any answer, page or log line.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { request } from 'undici';
import { parse } from 'yaml';
import { createToken } from '../../src/api/tokens.ts';
import { startVigie, type Vigie } from '../../src/engine/runtime.ts';
import { Runbook } from '../../src/runbook/schema.ts';
import { scratchDir } from '../store/support.ts';
import { fireAlert } from '../support/alerts.ts';

const SECRET = 'sup3r-s3cret-p4ssw0rd';
const HOOK_KEY = 'hmac-signing-k3y-9931';

const runbook = Runbook.parse(
  parse(`
name: API shop
services:
  db: { postgres: "postgres://app:\${DB_PASSWORD}@127.0.0.1:1/shop" }
checks:
  - { id: db, probe: postgres, target: "\${services.db.postgres}", every: 1s, timeout: 500ms }
  - { id: api, probe: http, target: "http://127.0.0.1:1/health", every: 1s, timeout: 500ms, headers: { Authorization: "Bearer \${DB_PASSWORD}" } }
alerts:
  - { id: db-down, check: db, when: fails, severity: SEV1, scenario: db-down }
scenarios:
  - id: db-down
    title: Database down
    diagnosis:
      - { run: "SELECT count(*) FROM pg_stat_activity", kind: sql, risk: read, service: db }
channels:
  hook: { type: webhook, url: "http://127.0.0.1:1/hook", secret: "\${HOOK_KEY}" }
status_page:
  title: API shop status
  components:
    - { id: database, name: Database, checks: [db] }
`),
);

async function start(t: import('node:test').TestContext) {
  const logs: string[] = [];
  const vigie = await startVigie({
    runbook,
    env: { DB_PASSWORD: SECRET, HOOK_KEY },
    storePath: join(scratchDir(), 'vigie.sqlite'),
    port: 0,
    flushEvery: 200,
    log: (level, msg, fields) => logs.push(JSON.stringify({ level, msg, ...fields })),
  });
  t.after(() => vigie.stop());
  return { vigie, logs };
}

async function call(
  vigie: Vigie,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const response = await request(`${vigie.url}${path}`, {
    method: method as 'GET',
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.body.text();
  return { status: response.statusCode, text, headers: response.headers };
}

describe('API', () => {
  it('documents every route in a valid OpenAPI 3.1 document, and answers each without leaking a secret', async (t) => {
    const { vigie, logs } = await start(t);
    const { secret: token } = createToken(vigie.incidents, 'admin', 'root', Date.now());
    // Something to show: the db check fails, its alert opens an incident with a diagnosis.
    const deadline = Date.now() + 15_000;
    while (vigie.incidents.incidents().length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const incident = vigie.incidents.incidents()[0];
    assert.ok(incident, 'an incident opened');

    const document = JSON.parse((await call(vigie, 'GET', '/openapi.json')).text);
    assert.equal(document.openapi, '3.1.0');
    const validation = await new Validator().validate(document);
    assert.equal(validation.valid, true, JSON.stringify(validation.errors));

    const silence = JSON.parse(
      (
        await call(vigie, 'POST', '/api/v1/silences', {
          token,
          body: { matchers: ['alert=x'], duration: '1h', comment: 'test' },
        })
      ).text,
    ).silence;
    const ids: Record<string, string> = {
      '/api/v1/incidents/{id}': incident.id,
      '/api/v1/silences/{id}': silence.id,
    };
    const bodies: Record<string, unknown> = {
      'POST /api/v1/alerts/alertmanager': {
        version: '4',
        status: 'firing',
        receiver: 'vigie',
        groupKey: 'g',
        truncatedAlerts: 0,
        alerts: [],
      },
      'POST /api/v1/alerts': { alerts: [{ name: 'DiskFull', severity: 'P2' }] },
      'POST /api/v1/silences': { matchers: ['alert=y'], duration: '1h', comment: 'x' },
      'POST /api/v1/windows': { title: 'upgrade', duration: '1h' },
      'POST /api/v1/incidents/{id}/comments': { text: 'looking' },
      'POST /api/v1/incidents/{id}/resolve': { note: 'done' },
      'POST /api/v1/session': { token },
    };
    const order = (path: string) => (path.endsWith('/resolve') ? 2 : path.endsWith('/acknowledge') ? 1 : 0);
    const routes = Object.entries(document.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => ({ path, method: method.toUpperCase() })),
      )
      .sort(
        (a, b) =>
          order(a.path) - order(b.path) || (a.method === 'DELETE' ? 1 : 0) - (b.method === 'DELETE' ? 1 : 0),
      );
    const expected = [
      'GET /healthz',
      'GET /readyz',
      'GET /metrics',
      'GET /api/v1/checks',
      'GET /api/v1/incidents',
      'GET /api/v1/incidents/{id}',
      'POST /api/v1/incidents/{id}/acknowledge',
      'POST /api/v1/alerts/alertmanager',
      'GET /api/v1/status',
      'GET /api/v1/events',
      'POST /api/v1/session',
    ];
    for (const route of expected) {
      assert.ok(
        routes.some((r) => `${r.method} ${r.path}` === route),
        `the document covers ${route}`,
      );
    }
    for (const { path, method } of routes) {
      if (method === 'HEAD') continue;
      const concrete = path
        .replace(
          '{id}',
          ids[path.replace(/\/(acknowledge|resolve|comments|history)$/, '')] ?? ids[path] ?? 'db',
        )
        .replace(/\{id\}/, 'db');
      const url = path === '/api/v1/events' ? null : concrete;
      if (url === null) {
        const controller = new AbortController();
        const response = await request(`${vigie.url}/api/v1/events`, {
          headers: { authorization: `Bearer ${token}` },
          signal: controller.signal,
        });
        assert.equal(response.statusCode, 200);
        assert.match(String(response.headers['content-type']), /text\/event-stream/);
        controller.abort();
        await response.body.text().catch(() => undefined);
        continue;
      }
      const answer = await call(vigie, method, url, {
        token,
        body: bodies[`${method} ${path}`] ?? (method === 'GET' || method === 'DELETE' ? undefined : {}),
      });
      assert.ok(answer.status < 500, `${method} ${url} answered ${answer.status}: ${answer.text}`);
      assert.ok(!answer.text.includes(SECRET), `${method} ${url} leaks the database password`);
      assert.ok(!answer.text.includes(HOOK_KEY), `${method} ${url} leaks the webhook key`);
    }
    for (const page of ['/status', '/docs', '/api/v1/runbook', '/metrics']) {
      const answer = await call(vigie, 'GET', page, { token });
      assert.ok(!answer.text.includes(SECRET) && !answer.text.includes(HOOK_KEY), `${page} leaks a secret`);
    }
    const detail = JSON.parse((await call(vigie, 'GET', `/api/v1/incidents/${incident.id}`, { token })).text);
    assert.ok(detail.timeline.length > 0);
    assert.ok(logs.length > 0, 'something was logged');
    for (const line of logs)
      assert.ok(!line.includes(SECRET) && !line.includes(HOOK_KEY), `a log line leaks a secret: ${line}`);
  });

  it('checks roles at the edge and refuses cross-site changes from a browser session', async (t) => {
    const { vigie } = await start(t);
    const viewer = createToken(vigie.incidents, 'viewer', 'watcher', Date.now()).secret;
    const responder = createToken(vigie.incidents, 'responder', 'alice', Date.now()).secret;
    fireAlert(vigie.pipeline, { name: 'DiskFull', fingerprint: 'f', at: Date.now() });
    const id = vigie.incidents.incidents()[0]!.id;
    assert.equal((await call(vigie, 'GET', '/api/v1/incidents')).status, 401);
    assert.equal((await call(vigie, 'GET', '/api/v1/incidents', { token: 'vgt_forged' })).status, 401);
    assert.equal((await call(vigie, 'GET', '/api/v1/incidents', { token: viewer })).status, 200);
    const forbidden = await call(vigie, 'POST', `/api/v1/incidents/${id}/acknowledge`, {
      token: viewer,
      body: {},
    });
    assert.equal(forbidden.status, 403);
    assert.equal(JSON.parse(forbidden.text).error.code, 'API_FORBIDDEN');

    const signIn = await call(vigie, 'POST', '/api/v1/session', { body: { token: responder } });
    assert.equal(signIn.status, 200);
    const setCookie = String(signIn.headers['set-cookie']);
    assert.match(setCookie, /HttpOnly/i);
    assert.match(setCookie, /SameSite=Strict/i);
    const cookie = setCookie.split(';')[0]!;
    const { csrf } = JSON.parse(signIn.text);
    const forged = await call(vigie, 'POST', `/api/v1/incidents/${id}/acknowledge`, {
      headers: { cookie },
      body: {},
    });
    assert.equal(forged.status, 403, 'a cross-site POST carries the cookie but not the CSRF token');
    assert.equal(JSON.parse(forged.text).error.code, 'API_CSRF');
    const otherSite = await call(vigie, 'POST', `/api/v1/incidents/${id}/acknowledge`, {
      headers: { cookie, 'x-csrf-token': csrf, origin: 'https://evil.example' },
      body: {},
    });
    assert.equal(otherSite.status, 403);
    assert.equal(vigie.incidents.incident(id)!.status, 'triggered', 'nothing changed');
    const real = await call(vigie, 'POST', `/api/v1/incidents/${id}/acknowledge`, {
      headers: { cookie, 'x-csrf-token': csrf },
      body: {},
    });
    assert.equal(real.status, 200, real.text);
    assert.equal(vigie.incidents.incident(id)!.acknowledgedBy, 'alice');
    assert.equal(
      (await call(vigie, 'DELETE', '/api/v1/session', { headers: { cookie, 'x-csrf-token': csrf } })).status,
      204,
    );
    assert.equal(
      (await call(vigie, 'GET', '/api/v1/session', { headers: { cookie } })).status,
      401,
      'signed out',
    );
  });
});
