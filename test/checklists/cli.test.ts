/**
 * `vigie deploy` and `vigie checklist` against a running Vigie on loopback: a deploy starts with its
 * window and pre-deploy list, an item is ticked from the terminal, `deploy finish` without an id
 * finishes the one running and shows the post-deploy list, the list of deploys shows it finished; an
 * incident resolved from the terminal gets its post-incident list; mistakes say how to fix them.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { startVigie } from '../../src/engine/runtime.ts';
import { Runbook } from '../../src/runbook/schema.ts';
import { scratchDir } from '../store/support.ts';
import { fireAlert } from '../support/alerts.ts';
import { FakeClock } from '../support/clock.ts';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { out: (text: string) => out.push(text), err: (text: string) => err.push(text) },
    out: () => out.join('\n'),
    err: () => err.join('\n'),
  };
}

describe('vigie deploy and vigie checklist', () => {
  it('start, tick, finish, list and the post-incident list, from the terminal', async (t) => {
    const clock = new FakeClock(Date.parse('2026-11-25T14:00:00Z'));
    const storePath = join(scratchDir(), 'vigie.sqlite');
    const vigie = await startVigie({
      runbook: Runbook.parse({
        name: 'CLI deploy shop',
        checks: [{ id: 'api-health', probe: 'http', target: 'http://127.0.0.1:1/health', every: '1h' }],
        checklists: {
          'pre-deploy': ['Tests pass (npm test)', 'Migrations reviewed'],
          'post-deploy': [
            { text: 'Health check OK for 30 s', check: 'api-health', hold: '30s' },
            'Endpoints tested',
          ],
          'post-incident': ['Root cause documented'],
        },
      }),
      env: {},
      storePath,
      port: 0,
      clock,
    });
    t.after(() => vigie.stop());
    const made = capture();
    assert.equal(
      await main(['token', 'create', '--role', 'responder', '--name', 'ops', '--store', storePath], made.io),
      0,
    );
    const connection = ['--url', vigie.url, '--token', made.out().trim()];
    const run = async (...args: string[]) => {
      const io = capture();
      const code = await main([...args, ...connection], io.io);
      return { code, out: io.out(), err: io.err() };
    };

    const bad = await run('deploy', 'start', 'v2.4', '--duration', 'soon');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /'soon' is not a duration[\s\S]*fix: write it like 30s, 15m/);

    const started = await run('deploy', 'start', 'v2.4', 'hotfix', '--duration', '15m');
    assert.equal(started.code, 0, started.err);
    assert.match(started.out, /^deploy 1: v2\.4 hotfix — running/);
    assert.match(started.out, /maintenance window win_\w+ until 2026-11-25T14:15:00Z \(quiet: every alert\)/);
    const pre = /checklist (\d+) \(pre-deploy\): pre-deploy — 0\/2 done/.exec(started.out);
    assert.ok(pre, started.out);
    assert.match(started.out, /\[ \] {2}1\. Tests pass \(npm test\)/);

    const ticked = await run('checklist', 'tick', pre[1]!, '1', '--note', 'tests green');
    assert.equal(ticked.code, 0, ticked.err);
    assert.match(
      ticked.out,
      /^\[x\] {2}1\. Tests pass \(npm test\) — ops at 2026-11-25T14:00:00Z\n\s+tests green/,
    );
    const undone = await run('checklist', 'tick', pre[1]!, '2', '--undo');
    assert.equal(undone.code, 2);
    assert.match(undone.err, /is not ticked/);

    const finished = await run('deploy', 'finish');
    assert.equal(finished.code, 0, finished.err);
    assert.match(finished.out, /deploy 1: v2\.4 hotfix — finished/);
    assert.match(finished.out, /pre-deploy — 1\/2 done/);
    assert.match(finished.out, /\(post-deploy\): post-deploy — 0\/2 done/);
    assert.match(finished.out, /Health check OK for 30 s \(ticks itself when check api-health holds 30s\)/);
    const none = await run('deploy', 'finish');
    assert.equal(none.code, 2);
    assert.match(none.err, /no deploy is running[\s\S]*fix: start one with vigie deploy start/);

    const listed = await run('deploy', 'list');
    assert.equal(listed.code, 0, listed.err);
    assert.match(listed.out, /^ID\s+STATUS\s+STARTED/);
    assert.match(
      listed.out,
      /\n1\s+finished\s+2026-11-25T14:00:00Z\s+ops\s+2026-11-25T14:00:00Z\s+v2\.4 hotfix/,
    );

    fireAlert(vigie.pipeline, { name: 'DiskFull', fingerprint: 'late', at: clock.now() });
    // Finishing the deploy ended its window before its 15 minutes: the alert pages at once.
    await clock.advance(1000);
    const incident = vigie.incidents.incidents()[0];
    assert.ok(incident, 'the deploy is over: an alert opens an incident');
    assert.equal((await run('checklist', 'show', '--incident', incident.id)).out, 'no checklists');
    assert.equal((await run('incidents', 'resolve', incident.id, '--note', 'cleaned')).code, 0);
    await clock.advance(1000);
    const shown = await run('checklist', 'show', '--incident', incident.id);
    assert.equal(shown.code, 0, shown.err);
    assert.match(
      shown.out,
      /\(post-incident\): post-incident — 0\/1 done\n {2}\[ \] {2}1\. Root cause documented/,
    );
  });
});
