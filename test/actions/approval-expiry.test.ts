/**
 * An approval lapses: a destructive step approved by a second responder, but still waiting for its
 * backup, does not run once the approval is older than its time limit, even after the backup has
 * succeeded; a fresh approval by someone else lets it run. Driven over HTTP against a running Vigie
 * whose clock the test moves, with real shell steps.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { createToken } from '../../src/api/tokens.ts';
import { startVigie } from '../../src/engine/runtime.ts';
import { Runbook } from '../../src/runbook/schema.ts';
import { scratchDir } from '../store/support.ts';
import { fireAlert } from '../support/alerts.ts';
import { FakeClock } from '../support/clock.ts';

interface RunAnswer {
  run?: { id: number; status: string; reasons?: string[]; approvedBy?: string };
  error?: { code: string; message: string };
}

describe('approval expiry', () => {
  it('refuses a destructive step whose approval lapsed while it waited for its backup', async (t) => {
    const dir = scratchDir();
    const clock = new FakeClock(Date.now());
    const vigie = await startVigie({
      runbook: Runbook.parse({
        name: 'Expiry shop',
        scenarios: [
          {
            id: 'disk-full',
            title: 'Disk full',
            actions: [
              { id: 'snapshot', run: `touch ${join(dir, 'snapshot')}`, kind: 'shell', risk: 'write' },
              {
                id: 'prune',
                run: `touch ${join(dir, 'pruned')}`,
                kind: 'shell',
                risk: 'destructive',
                guard: { approval: true, backup: 'snapshot' },
              },
            ],
          },
        ],
      }),
      env: {},
      storePath: join(dir, 'vigie.sqlite'),
      port: 0,
      clock,
    });
    t.after(() => vigie.stop());
    const token = (name: string, role: 'responder' | 'admin' = 'responder') =>
      createToken(vigie.incidents, role, name, Date.now()).secret;
    const [alice, bob, carol, admin] = [token('alice'), token('bob'), token('carol'), token('root', 'admin')];
    fireAlert(vigie.pipeline, {
      name: 'DiskFull',
      fingerprint: 'disk',
      at: clock.now(),
      scenario: 'disk-full',
    });
    const incident = vigie.incidents.incidents()[0]!.id;
    const post = async (who: string, path: string, body: unknown = {}) => {
      const response = await request(`${vigie.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${who}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.statusCode, body: (await response.body.json()) as RunAnswer };
    };

    const asked = await post(alice, '/api/v1/actions', { scenario: 'disk-full', step: 'prune', incident });
    const id = asked.body.run!.id;
    const approved = await post(bob, `/api/v1/actions/${id}/approve`);
    assert.equal(approved.body.run!.status, 'waiting');
    assert.deepEqual(approved.body.run!.reasons, [
      'snapshot has not succeeded in this incident: run it first',
    ]);

    await clock.advance(31 * 60_000);
    const snapshot = await post(alice, '/api/v1/actions', {
      scenario: 'disk-full',
      step: 'snapshot',
      incident,
    });
    assert.equal(snapshot.body.run!.status, 'ok');
    const lapsed = await post(alice, `/api/v1/actions/${id}/retry`);
    assert.equal(lapsed.status, 200);
    assert.equal(lapsed.body.run!.status, 'waiting', 'a lapsed approval does not count');
    assert.match(lapsed.body.run!.reasons!.join(' '), /approval by bob expired 1m ago: approvals last 30m/);
    assert.ok(!existsSync(join(dir, 'pruned')), 'nothing was pruned on a lapsed approval');

    const self = await post(alice, `/api/v1/actions/${id}/approve`);
    assert.equal(self.status, 409);
    assert.equal(self.body.error!.code, 'API_CONFLICT');

    const fresh = await post(carol, `/api/v1/actions/${id}/approve`);
    assert.equal(fresh.body.run!.status, 'ok', JSON.stringify(fresh.body));
    assert.equal(fresh.body.run!.approvedBy, 'carol');
    assert.ok(existsSync(join(dir, 'pruned')));

    const audit = await request(`${vigie.url}/api/v1/audit?incident=${incident}`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    const entries = ((await audit.body.json()) as { entries: { actor: string; action: string }[] }).entries;
    assert.deepEqual(entries.map((entry) => `${entry.actor}:${entry.action}`).reverse(), [
      'alice:requested',
      'bob:approved',
      'alice:requested',
      'alice:ran',
      'alice:retried',
      'alice:approval-refused',
      'carol:approved',
      'alice:ran',
    ]);
  });
});
