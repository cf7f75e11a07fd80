/**
 * A destructive step waiting for a second responder tells the people paged for its incident, through
 * the same channels and outbox as a page: who asks, what, and how to approve it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createToken } from '../../src/api/tokens.ts';
import { startVigie } from '../../src/engine/runtime.ts';
import { Runbook } from '../../src/runbook/schema.ts';
import { scratchDir } from '../store/support.ts';
import { fireAlert } from '../support/alerts.ts';
import { callApi } from '../support/api.ts';
import { startWebhookReceiver, waitFor } from '../support/receivers.ts';

interface Delivered {
  event: string;
  incident: { id: string };
  summary?: string;
}

describe('approval notices', () => {
  it('page the incident responders when a step waits for a second approval', async (t) => {
    const hook = await startWebhookReceiver();
    t.after(() => hook.close());
    const dir = scratchDir();
    const vigie = await startVigie({
      runbook: Runbook.parse({
        name: 'Notice shop',
        channels: { hook: { type: 'webhook', url: hook.url } },
        escalation: { default: [{ after: '0s', notify: ['hook'] }] },
        scenarios: [
          {
            id: 'queue-full',
            title: 'Queue full',
            actions: [
              {
                id: 'purge-queue',
                run: `touch ${join(dir, 'purged')}`,
                kind: 'shell',
                risk: 'destructive',
                guard: { approval: true },
              },
            ],
          },
        ],
      }),
      env: {},
      storePath: join(dir, 'vigie.sqlite'),
      port: 0,
    });
    t.after(() => vigie.stop());
    fireAlert(vigie.pipeline, {
      name: 'QueueFull',
      fingerprint: 'queue',
      at: Date.now(),
      scenario: 'queue-full',
    });
    const incident = vigie.incidents.incidents()[0]!.id;
    const events = () => hook.received.map((request) => request.body as Delivered);
    await waitFor(() => events().some((body) => body.event === 'triggered'), 10_000);

    const alice = createToken(vigie.incidents, 'responder', 'alice', Date.now()).secret;
    const asked = await callApi<{ run: { id: number; status: string } }>(
      vigie.url,
      alice,
      'POST',
      '/api/v1/actions',
      {
        scenario: 'queue-full',
        step: 'purge-queue',
        incident,
      },
    );
    assert.equal(asked.body.run.status, 'waiting');
    await waitFor(() => events().some((body) => body.event === 'approval-needed'), 10_000);
    const notice = events().find((body) => body.event === 'approval-needed')!;
    assert.equal(notice.incident.id, incident);
    assert.match(
      notice.summary ?? '',
      new RegExp(
        `^alice asks to run queue-full step purge-queue \\(destructive\\): touch .*purged\\. Another responder approves it on the incident page, or with: vigie approve ${asked.body.run.id}$`,
      ),
    );
  });
});
