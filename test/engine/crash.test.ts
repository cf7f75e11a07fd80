/**
 * Crash test: `vigie serve` is killed with SIGKILL while an incident escalates, then started again on
 * the same store. The incident, its timeline and its pending timer survive; the next level pages once,
 * at its scheduled time; nothing already sent is sent again.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Notification } from '../../src/notify/index.ts';
import { openSqliteIncidentStore } from '../../src/store/incidents-sqlite.ts';
import { scratchDir } from '../store/support.ts';
import { startWebhookReceiver, waitFor } from '../support/receivers.ts';

const NODE = process.execPath;
const BIN = join(import.meta.dirname, '../../bin/vigie.js');

function serve(runbook: string, store: string): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(NODE, [BIN, 'serve', runbook, '--port', '0', '--store', store], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const found = /"msg":"serving".*?"url":"([^"]+)"/.exec(log);
      if (found) resolve(found[1]!);
    });
    child.once('exit', (code) => reject(new Error(`vigie serve exited ${code}:\n${log}`)));
  });
  return { child, url };
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

describe('crash and restart', () => {
  it('keeps incidents, timelines and timers across SIGKILL and pages the next level once, on time', async (t) => {
    const target = createServer((_request, response) => {
      response.writeHead(503);
      response.end('down');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const hook = await startWebhookReceiver();
    const dir = scratchDir();
    const store = join(dir, 'vigie.sqlite');
    const runbook = join(dir, 'vigie.yaml');
    writeFileSync(
      runbook,
      `name: Crash shop
checks:
  - { id: api, probe: http, target: "http://127.0.0.1:${(target.address() as AddressInfo).port}/health", every: 1s, timeout: 1s, expect: ["status == 200"] }
alerts:
  - { id: api-down, check: api, when: "fails 2 times", severity: SEV1 }
channels:
  hook: { type: webhook, url: "${hook.url}" }
contacts:
  - { id: alice, name: Alice, channels: [hook] }
  - { id: bob, name: Bob, channels: [hook] }
escalation:
  default:
    - { after: 0s, notify: [alice] }
    - { after: 6s, notify: [bob] }
`,
    );
    let running = serve(runbook, store);
    t.after(async () => {
      running.child.kill('SIGKILL');
      await exited(running.child);
      await hook.close();
      await new Promise<void>((resolve) => target.close(() => resolve()));
    });
    await running.url;
    const to = (who: string) =>
      hook.received.filter((request) => (request.body as Notification).recipient?.id === who);
    await waitFor(() => to('alice').length === 1, 15_000);
    // Killed between two pages, once the first is recorded as sent: the crash lands mid-escalation.
    // (A kill between a receiver's 200 and that record can only resend, with the same idempotency key.)
    const watcher = openSqliteIncidentStore(store);
    await waitFor(() => watcher.outboxCounts().sent === 1, 15_000);
    watcher.close();
    running.child.kill('SIGKILL');
    await exited(running.child);
    const killedAt = Date.now();

    const before = openSqliteIncidentStore(store);
    const [incident] = before.incidents();
    assert.ok(incident, 'the incident is on disk');
    const timelineBefore = before.timeline(incident.id).map((entry) => entry.kind);
    const timers = before.pendingTimers(incident.id);
    before.close();
    assert.deepEqual(timelineBefore, ['opened', 'notified']);
    assert.equal(timers.length, 1, 'the level-2 timer was stored before the crash');
    assert.ok(killedAt < timers[0]!.dueAt, 'killed before level 2 was due');

    running = serve(runbook, store);
    await running.url;
    await waitFor(() => to('bob').length === 1, 15_000);
    const pagedAt = Date.now();
    assert.ok(pagedAt >= timers[0]!.dueAt, 'level 2 pages at its time, not at restart');
    assert.ok(
      pagedAt - timers[0]!.dueAt < 5000,
      `level 2 pages soon after it is due (${pagedAt - timers[0]!.dueAt} ms)`,
    );
    // Give a doubled page every chance to show.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    running.child.kill('SIGTERM');
    await exited(running.child);

    assert.equal(to('alice').length, 1, 'alice is not paged again after the restart');
    assert.equal(to('bob').length, 1, 'bob is paged once');
    const keys = hook.received.map((request) => String(request.headers['x-vigie-idempotency-key']));
    assert.equal(new Set(keys).size, keys.length, 'no notification twice');
    const after = openSqliteIncidentStore(store);
    assert.equal(after.incidents().length, 1, 'the restart joined the same incident');
    const timelineAfter = after.timeline(incident.id).map((entry) => entry.kind);
    after.close();
    assert.deepEqual(timelineAfter.slice(0, 2), timelineBefore, 'the timeline survived as it was');
    assert.ok(timelineAfter.includes('escalated'));
  });
});
