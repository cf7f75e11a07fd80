/**
 * The incident pipeline end to end on loopback, with the real parts: a runbook whose HTTP check
 * watches a test server; the server starts answering 503 → an incident opens with the scenario and
 * severity the runbook gives → the read-only diagnosis lands in the timeline → a signed webhook and an
 * email reach real local receivers → nobody acknowledges, the next level is paged at its delay →
 * `vigie incidents ack` stops escalation → the server recovers → the incident resolves by itself.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { createToken } from '../../src/api/tokens.ts';
import { main } from '../../src/cli/main.ts';
import { startVigie } from '../../src/engine/runtime.ts';
import { verifySignature } from '../../src/notify/index.ts';
import { Runbook } from '../../src/runbook/schema.ts';
import { scratchDir } from '../store/support.ts';
import { startSmtpReceiver, startWebhookReceiver, waitFor } from '../support/receivers.ts';

const SECRET = 'hook-signing-key-8f2a';

async function startTarget() {
  let status = 200;
  const server = createServer((request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({ status: status === 200 ? 'ok' : 'database unreachable', path: request.url }),
    );
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

function runbookFor(target: string, hook: string, smtp: string) {
  return Runbook.parse(
    parse(`
name: E2E shop
services:
  api: { url: "${target}" }
checks:
  - { id: api-ready, probe: http, target: "\${services.api.url}/health/ready", every: 1s, timeout: 2s, expect: ["status == 200"] }
alerts:
  - { id: api-down, check: api-ready, when: "fails 2 times", severity: SEV1, scenario: api-down }
scenarios:
  - id: api-down
    title: API completely down
    severity: SEV2
    diagnosis:
      - { run: "curl -sS ${target}/health/ready", kind: http, risk: read }
      - { run: "systemctl restart api", kind: shell, risk: write }
channels:
  hook: { type: webhook, url: "${hook}", secret: "\${HOOK_SECRET}" }
  mail: { type: email, smtp: "${smtp}", from: "vigie@example.com" }
contacts:
  - { id: alice, name: Alice, email: alice@example.com, channels: [mail, hook] }
  - { id: bob, name: Bob, email: bob@example.com, channels: [mail] }
  - { id: carol, name: Carol, email: carol@example.com, channels: [mail] }
escalation:
  default:
    - { after: 0s, notify: [alice] }
    - { after: 3s, notify: [bob] }
    - { after: 9s, notify: [carol] }
incidents: { link: "http://vigie.example" }
`),
  );
}

describe('incident pipeline end to end', () => {
  it('opens, diagnoses, pages, escalates, stops on ack and resolves on recovery', async (t) => {
    const target = await startTarget();
    const hook = await startWebhookReceiver({ secret: SECRET });
    const smtp = await startSmtpReceiver();
    const vigie = await startVigie({
      runbook: runbookFor(target.url, hook.url, smtp.url),
      env: { HOOK_SECRET: SECRET },
      storePath: join(scratchDir(), 'vigie.sqlite'),
      port: 0,
      flushEvery: 200,
    });
    t.after(async () => {
      await vigie.stop();
      await Promise.all([target.close(), hook.close(), smtp.close()]);
    });
    const { secret: token } = createToken(vigie.incidents, 'responder', 'e2e', Date.now());
    const mails = (to: string) => smtp.messages.filter((mail) => mail.to.includes(to));

    await waitFor(() => vigie.engine.stats().runs >= 2, 10_000);
    assert.equal(vigie.incidents.incidents().length, 0, 'a healthy target opens nothing');

    target.set(503);
    await waitFor(() => vigie.incidents.incidents().length === 1, 10_000);
    const incident = vigie.incidents.incidents()[0]!;
    assert.equal(incident.severity, 'SEV1', "the alert's severity wins over the scenario's");
    assert.equal(incident.scenario, 'api-down');
    assert.equal(incident.title, 'API completely down');

    await waitFor(
      () => vigie.incidents.timeline(incident.id).some((entry) => entry.kind === 'diagnosis'),
      10_000,
    );
    const diagnosis = vigie.incidents.timeline(incident.id).filter((entry) => entry.kind === 'diagnosis');
    assert.equal(diagnosis.length, 1, 'only the read step runs; the write step does not');
    assert.match(String((diagnosis[0]!.data as { output: string }).output), /database unreachable/);

    await waitFor(() => hook.received.length >= 1 && mails('alice@example.com').length >= 1, 10_000);
    const delivered = hook.received[0]!;
    assert.equal(
      verifySignature(
        SECRET,
        String(delivered.headers['x-vigie-timestamp']),
        delivered.raw,
        String(delivered.headers['x-vigie-signature']),
      ),
      true,
    );
    assert.equal((delivered.body as { event: string }).event, 'triggered');
    assert.equal((delivered.body as { link: string }).link, `http://vigie.example/incidents/${incident.id}`);
    assert.ok(!delivered.raw.includes(SECRET), 'the signing key never travels');
    assert.match(mails('alice@example.com')[0]!.subject, /SEV1/);
    assert.equal(mails('bob@example.com').length, 0, 'level 2 waits for its delay');

    await waitFor(() => mails('bob@example.com').length >= 1, 10_000);
    const escalatedAt = Date.now();
    assert.ok(
      escalatedAt - incident.openedAt >= 3000,
      'bob is paged no sooner than 3 s after the incident opened',
    );

    const lines: string[] = [];
    const io = { out: (text: string) => lines.push(text), err: (text: string) => lines.push(text) };
    assert.equal(
      await main(['incidents', 'ack', incident.id, '--url', vigie.url, '--token', token], io),
      0,
      lines.join('\n'),
    );
    assert.equal(vigie.incidents.incident(incident.id)!.status, 'acknowledged');
    assert.equal(vigie.incidents.pendingTimers(incident.id).length, 0, 'acknowledgement stops escalation');

    target.set(200);
    await waitFor(() => vigie.incidents.incident(incident.id)!.status === 'resolved', 10_000);
    const kinds = vigie.incidents.timeline(incident.id).map((entry) => entry.kind);
    for (const kind of [
      'opened',
      'diagnosis',
      'notified',
      'escalated',
      'acknowledged',
      'alert-resolved',
      'resolved',
    ] as const) {
      assert.ok(kinds.includes(kind), `timeline has ${kind}: ${kinds.join(', ')}`);
    }
    await waitFor(() => mails('alice@example.com').some((mail) => /resolved/i.test(mail.subject)), 10_000);
    assert.equal(mails('carol@example.com').length, 0, 'level 3 never pages once acknowledged');

    lines.length = 0;
    assert.equal(await main(['incidents', 'show', incident.id, '--url', vigie.url, '--token', token], io), 0);
    assert.match(lines.join('\n'), /acknowledged\s+e2e/);
    assert.ok(!lines.join('\n').includes(SECRET));
  });
});
