import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { parseAlertmanager } from '../../src/ingest/alertmanager.ts';
import { parseJsonBody } from '../../src/ingest/json-body.ts';
import { startAlertmanager } from '../support/alertmanager.ts';

const TOKEN = 's3cret-token';

/** A webhook receiver on loopback: it refuses a wrong bearer token and queues what it accepts. */
async function receiver() {
  const bodies: unknown[] = [];
  const refused: string[] = [];
  const waiters: (() => void)[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.headers.authorization !== `Bearer ${TOKEN}`) {
        refused.push(String(request.headers.authorization));
        response.writeHead(401).end();
        return;
      }
      const parsed = parseJsonBody(Buffer.concat(chunks), 1024 * 1024);
      assert.ok(parsed.ok, JSON.stringify(parsed));
      bodies.push(parsed.value);
      response.writeHead(200).end();
      for (const wake of waiters.splice(0)) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alertmanager`,
    refused,
    /** next waits for a body that satisfies `accept`, without sleeping. */
    async next(accept: (body: unknown) => boolean): Promise<unknown> {
      for (;;) {
        const index = bodies.findIndex(accept);
        if (index >= 0) return bodies.splice(index, 1)[0];
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const statusIs = (status: string) => (body: unknown) => (body as { status?: string }).status === status;

test('a real Alertmanager payload parses, firing then resolved, with a stable fingerprint', {
  timeout: 30_000,
}, async (t) => {
  const hook = await receiver();
  t.after(hook.close);
  const alertmanager = await startAlertmanager(t, { webhookUrl: hook.url, bearerToken: TOKEN });
  if (!alertmanager) return;

  const labels = { alertname: 'DatabaseDown', severity: 'critical', instance: 'db:5432' };
  const annotations = {
    summary: 'PostgreSQL is not answering',
    runbook_url: 'https://wiki.example.com/runbook#db-down',
  };
  const startsAt = new Date(Date.now() - 60_000).toISOString();
  await alertmanager.postAlerts([
    { labels, annotations, startsAt, generatorURL: 'http://prometheus:9090/graph?g0.expr=up' },
  ]);

  const firingBody = await hook.next(statusIs('firing'));
  const firing = parseAlertmanager(firingBody);
  assert.ok(firing.ok, JSON.stringify(firing));
  assert.equal(typeof firing.batch.truncatedAlerts, 'number');
  assert.equal(firing.batch.truncatedAlerts, 0);
  assert.equal(firing.batch.receiver, 'vigie');
  assert.ok(firing.batch.groupKey);
  assert.equal(firing.batch.alerts.length, 1);
  const fired = firing.batch.alerts[0]!;
  assert.equal(fired.source, 'alertmanager');
  assert.equal(fired.status, 'firing');
  assert.equal(fired.name, 'DatabaseDown');
  assert.equal(fired.severity, 'SEV1');
  assert.equal(fired.scenario, 'db-down');
  assert.equal(fired.summary, 'PostgreSQL is not answering');
  assert.equal(fired.url, 'http://prometheus:9090/graph?g0.expr=up');
  assert.equal(fired.startsAt, Date.parse(startsAt));
  // Alertmanager sends Go's zero time as endsAt while an alert fires.
  assert.equal(fired.endsAt, undefined);
  assert.match(fired.fingerprint, /^[0-9a-f]{16}$/);

  const endsAt = new Date(Date.now() - 1_000).toISOString();
  await alertmanager.postAlerts([{ labels, annotations, startsAt, endsAt }]);
  const resolvedBody = await hook.next(statusIs('resolved'));
  const resolved = parseAlertmanager(resolvedBody);
  assert.ok(resolved.ok, JSON.stringify(resolved));
  const ended = resolved.batch.alerts[0]!;
  assert.equal(ended.status, 'resolved');
  assert.equal(ended.fingerprint, fired.fingerprint);
  assert.equal(ended.endsAt, Date.parse(endsAt));
  assert.deepEqual(hook.refused, []);
});

test('a real Alertmanager with max_alerts says how many alerts it left out', {
  timeout: 30_000,
}, async (t) => {
  const hook = await receiver();
  t.after(hook.close);
  const alertmanager = await startAlertmanager(t, {
    webhookUrl: hook.url,
    bearerToken: TOKEN,
    groupBy: ['alertname'],
    maxAlerts: 1,
  });
  if (!alertmanager) return;
  await alertmanager.postAlerts([
    { labels: { alertname: 'DiskFull', instance: 'a' } },
    { labels: { alertname: 'DiskFull', instance: 'b' } },
  ]);
  // The first flush may come before the second alert joins the group; the next one carries both.
  const body = await hook.next((b) => (b as { truncatedAlerts?: number }).truncatedAlerts === 1);
  const parsed = parseAlertmanager(body);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  assert.equal(parsed.batch.truncatedAlerts, 1);
  assert.equal(parsed.batch.alerts.length, 1);
  assert.equal(parsed.batch.alerts[0]?.name, 'DiskFull');
  assert.equal(parsed.batch.alerts[0]?.severity, undefined);
});
