/**
 * The real Prometheus Alertmanager, configured with a webhook receiver pointing at Vigie's ingest
 * route: alerts posted to it become incidents with the scenario their runbook_url names, and their
 * resolution resolves them. Also: a wrong token and a broken body are refused with a clear answer.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { parse } from 'yaml';
import { createToken } from '../../src/api/tokens.ts';
import { startVigie } from '../../src/engine/runtime.ts';
import { Runbook } from '../../src/runbook/schema.ts';
import { scratchDir } from '../store/support.ts';
import { startAlertmanager } from '../support/alertmanager.ts';
import { waitFor } from '../support/receivers.ts';

const runbook = Runbook.parse(
  parse(`
name: Ingest shop
scenarios:
  - { id: db-down, title: Database unreachable, severity: SEV1 }
  - id: queue-backlog
    title: Queue backlog
    match: { alerts: [QueueTooDeep] }
`),
);

describe('Alertmanager to Vigie', () => {
  it('turns alerts into incidents and resolves them when Alertmanager does', {
    timeout: 60_000,
  }, async (t) => {
    const vigie = await startVigie({
      runbook,
      env: {},
      storePath: join(scratchDir(), 'vigie.sqlite'),
      port: 0,
    });
    t.after(() => vigie.stop());
    const { secret } = createToken(vigie.incidents, 'responder', 'alertmanager', Date.now());
    const alertmanager = await startAlertmanager(t, {
      webhookUrl: `${vigie.url}/api/v1/alerts/alertmanager`,
      bearerToken: secret,
    });
    if (!alertmanager) return;
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const db = {
      labels: { alertname: 'PostgresDown', severity: 'critical', instance: 'db:5432' },
      annotations: {
        summary: 'PostgreSQL is not answering',
        runbook_url: 'https://wiki.example.com/runbook#db-down',
      },
      startsAt,
    };
    const queue = { labels: { alertname: 'QueueTooDeep', severity: 'warning', queue: 'celery' }, startsAt };
    await alertmanager.postAlerts([db, queue]);
    await waitFor(() => vigie.incidents.incidents().length === 2, 20_000);
    const byScenario = new Map(vigie.incidents.incidents().map((incident) => [incident.scenario, incident]));
    assert.equal(byScenario.get('db-down')?.severity, 'SEV1');
    assert.equal(byScenario.get('db-down')?.title, 'Database unreachable');
    assert.equal(byScenario.get('queue-backlog')?.severity, 'SEV3', 'Prometheus "warning" is SEV3');

    // Alertmanager sends the same alert again on its next flush: it joins, it does not reopen.
    await alertmanager.postAlerts([db]);
    const endsAt = new Date(Date.now() - 1000).toISOString();
    await alertmanager.postAlerts([{ ...db, endsAt }]);
    await waitFor(() => byScenarioStatus(vigie, 'db-down') === 'resolved', 20_000);
    assert.equal(byScenarioStatus(vigie, 'queue-backlog'), 'triggered');
    assert.equal(vigie.incidents.incidents().length, 2);
  });

  it('refuses a wrong token and explains a malformed body, storing nothing', async (t) => {
    const vigie = await startVigie({
      runbook,
      env: {},
      storePath: join(scratchDir(), 'vigie.sqlite'),
      port: 0,
    });
    t.after(() => vigie.stop());
    const { secret } = createToken(vigie.incidents, 'responder', 'test', Date.now());
    const viewer = createToken(vigie.incidents, 'viewer', 'reader', Date.now()).secret;
    const post = async (token: string | undefined, body: string) => {
      const response = await request(`${vigie.url}/api/v1/alerts/alertmanager`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body,
      });
      return {
        status: response.statusCode,
        body: (await response.body.json()) as { error?: { code: string; message: string; fix: string } },
      };
    };
    assert.equal((await post(undefined, '{}')).status, 401);
    assert.equal((await post('vgt_not-a-token', '{}')).status, 401);
    assert.equal((await post(viewer, '{}')).status, 403);
    const broken = await post(secret, '{"version": "4", "alerts": [');
    assert.equal(broken.status, 400);
    assert.match(broken.body.error!.message, /line 1, column/);
    const wrong = await post(
      secret,
      JSON.stringify({ version: '4', status: 'firing', alerts: [{ status: 'firing', labels: {} }] }),
    );
    assert.equal(wrong.status, 400);
    assert.match(wrong.body.error!.message, /alerts\[0\]/);
    assert.equal(vigie.incidents.incidents().length, 0);
  });
});

function byScenarioStatus(
  vigie: { incidents: { incidents(): { scenario?: string; status: string }[] } },
  scenario: string,
) {
  return vigie.incidents.incidents().find((incident) => incident.scenario === scenario)?.status;
}
