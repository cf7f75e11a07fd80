/**
 * The outbox dispatcher against a real webhook receiver, on the real embedded store, with a fake
 * clock: a receiver down for two minutes gets every message once it is back, in order per incident,
 * none twice; a final refusal becomes a dead letter visible in the timeline.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Dispatcher } from '../../src/notify/dispatcher.ts';
import { createNotifiers, type Notification } from '../../src/notify/index.ts';
import type { IncidentStore } from '../../src/store/incidents.ts';
import { openSqliteIncidentStore } from '../../src/store/incidents-sqlite.ts';
import { scratchDir } from '../store/support.ts';
import { exampleNotification, startWebhookReceiver } from '../support/receivers.ts';

const START = 1_700_000_000_000;

function incidentOf(store: IncidentStore, title: string) {
  return store.openIncident({ dedupKey: title, title, severity: 'SEV2', labels: {}, openedAt: START });
}

describe('outbox dispatcher', () => {
  it('delivers every message after a 2-minute outage, in order per incident, none twice', async (t) => {
    const receiver = await startWebhookReceiver();
    const notifiers = createNotifiers();
    const store = openSqliteIncidentStore(join(scratchDir(), 'outbox.sqlite'));
    t.after(async () => {
      await notifiers.close();
      await receiver.close();
      store.close();
    });
    let now = START;
    const dispatcher = new Dispatcher({
      store,
      now: () => now,
      random: () => 1,
      deliver: (_channel, notification, signal) =>
        notifiers.send(notification, { type: 'webhook', url: receiver.url }, signal),
    });
    const first = incidentOf(store, 'db down');
    const second = incidentOf(store, 'disk full');
    const keys: string[] = [];
    const enqueue = (incidentId: string, n: number) => {
      const key = `${incidentId}:m${n}`;
      keys.push(key);
      const payload: Notification = exampleNotification({ idempotencyKey: key, summary: `message ${n}` });
      store.enqueue({ key, incidentId, channel: 'hook', payload, nextAt: now, createdAt: now });
    };
    receiver.setDown(true);
    for (let n = 1; n <= 3; n++) enqueue(first.id, n);
    for (let n = 1; n <= 2; n++) enqueue(second.id, n);
    assert.equal(
      store.enqueue({
        key: keys[0]!,
        incidentId: first.id,
        channel: 'hook',
        payload: {},
        nextAt: now,
        createdAt: now,
      }),
      false,
    );
    for (; now <= START + 120_000; now += 1000) {
      await dispatcher.drain();
      if (now === START + 60_000) enqueue(first.id, 4);
    }
    assert.equal(receiver.received.length, 0);
    assert.ok(receiver.rejected.length >= 2, 'it kept trying during the outage');
    receiver.setDown(false);
    for (; now <= START + 600_000 && store.outboxCounts().pending > 0; now += 1000) await dispatcher.drain();
    assert.deepEqual(store.outboxCounts(), { pending: 0, sent: 6, dead: 0 });
    const got = receiver.received.map((request) => String(request.headers['x-vigie-idempotency-key']));
    assert.equal(new Set(got).size, got.length, 'none twice');
    assert.deepEqual(new Set(got), new Set(keys));
    const order = (incident: string) => got.filter((key) => key.startsWith(`${incident}:`));
    assert.deepEqual(order(first.id), [
      `${first.id}:m1`,
      `${first.id}:m2`,
      `${first.id}:m3`,
      `${first.id}:m4`,
    ]);
    assert.deepEqual(order(second.id), [`${second.id}:m1`, `${second.id}:m2`]);
  });

  it('turns a refusal that retrying cannot fix into a dead letter on the timeline', async (t) => {
    const receiver = await startWebhookReceiver({ failWith: () => 400 });
    const notifiers = createNotifiers();
    const store = openSqliteIncidentStore(join(scratchDir(), 'dead.sqlite'));
    t.after(async () => {
      await notifiers.close();
      await receiver.close();
      store.close();
    });
    const dispatcher = new Dispatcher({
      store,
      now: () => START,
      deliver: (_channel, notification, signal) =>
        notifiers.send(notification, { type: 'webhook', url: receiver.url }, signal),
    });
    const incident = incidentOf(store, 'api down');
    store.enqueue({
      key: 'k1',
      incidentId: incident.id,
      channel: 'hook',
      payload: exampleNotification(),
      nextAt: START,
      createdAt: START,
    });
    await dispatcher.drain();
    assert.deepEqual(store.outboxCounts(), { pending: 0, sent: 0, dead: 1 });
    assert.match(store.outbox({ status: 'dead' })[0]!.lastError!, /400/);
    assert.equal(store.timeline(incident.id).at(-1)!.kind, 'notify-failed');
  });
});
