/**
 * `vigie run SCENARIO` through the API of a running Vigie: the scenario's corrective steps run in order,
 * the run stops at the first failed step unless the step says `on_failure: continue`, pauses at a step
 * that waits for an approval and resumes from where it stopped; a step printing 1 GB keeps a capped
 * output without the process growing; a step that hangs is killed at its timeout with its whole
 * process group.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createToken } from '../../src/api/tokens.ts';
import { main } from '../../src/cli/main.ts';
import { startVigie, type Vigie } from '../../src/engine/runtime.ts';
import { Runbook } from '../../src/runbook/schema.ts';
import { openSqliteIncidentStore } from '../../src/store/incidents-sqlite.ts';
import { scratchDir } from '../store/support.ts';
import { waitFor } from '../support/receivers.ts';

interface Terminal {
  readonly lines: string[];
  readonly io: { out(text: string): void; err(text: string): void };
  text(): string;
}

function terminal(): Terminal {
  const lines: string[] = [];
  return {
    lines,
    io: { out: (text) => lines.push(text), err: (text) => lines.push(text) },
    text: () => lines.join('\n'),
  };
}

async function start(t: { after(fn: () => Promise<void>): void }, scenarios: unknown[]): Promise<Vigie> {
  const vigie = await startVigie({
    runbook: Runbook.parse({ name: 'Scenario runs', scenarios }),
    env: {},
    storePath: join(scratchDir(), 'vigie.sqlite'),
    port: 0,
  });
  t.after(() => vigie.stop());
  return vigie;
}

/** alive lists the processes whose command line holds `marker`. */
function alive(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

describe('vigie run SCENARIO', () => {
  it('runs the steps in order, continues past a step that allows it and stops at the first failure', async (t) => {
    const dir = scratchDir();
    const vigie = await start(t, [
      {
        id: 'worker-stuck',
        title: 'Worker stuck',
        actions: [
          { id: 'note', run: `touch ${join(dir, 'one')}`, kind: 'shell', risk: 'write' },
          { id: 'optional', run: 'false', kind: 'shell', risk: 'write', on_failure: 'continue' },
          { id: 'restart', run: `sh -c "touch ${join(dir, 'two')}; exit 3"`, kind: 'shell', risk: 'write' },
          { id: 'never', run: `touch ${join(dir, 'three')}`, kind: 'shell', risk: 'write' },
        ],
      },
      {
        id: 'flush-cache',
        title: 'Flush the cache',
        actions: [
          {
            id: 'flush',
            run: 'redis-cli -a $VIGIE_TEST_UNSET_PASSWORD FLUSHDB',
            kind: 'shell',
            risk: 'write',
          },
          { id: 'warm', run: `touch ${join(dir, 'warm')}`, kind: 'shell', risk: 'write' },
        ],
      },
    ]);
    const token = createToken(vigie.incidents, 'responder', 'alice', Date.now()).secret;
    const shell = terminal();
    const code = await main(['run', 'worker-stuck', '--url', vigie.url, '--token', token], shell.io);
    assert.equal(code, 1, shell.text());
    assert.ok(existsSync(join(dir, 'one')), 'the first step ran');
    assert.ok(existsSync(join(dir, 'two')), 'the run went past the step that may fail');
    assert.ok(!existsSync(join(dir, 'three')), 'nothing runs after a failed step');
    assert.match(
      shell.text(),
      /step 3 failed; after fixing it, resume with: vigie run worker-stuck --from 3/,
    );

    // A dry run shows every step, past one that would fail (a variable it needs is not set).
    const dry = terminal();
    assert.equal(
      await main(['run', 'flush-cache', '--dry-run', '--json', '--url', vigie.url, '--token', token], dry.io),
      0,
    );
    const shown = JSON.parse(dry.text()) as { runs: { stepId: string; status: string }[]; stopped?: unknown };
    assert.deepEqual(
      shown.runs.map((run) => [run.stepId, run.status]),
      [
        ['flush', 'failed'],
        ['warm', 'dry-run'],
      ],
    );
    assert.equal(shown.stopped, undefined);
    assert.ok(!existsSync(join(dir, 'warm')), 'a dry run runs nothing');

    const resumed = terminal();
    const again = await main(
      ['run', 'worker-stuck', '--from', 'never', '--url', vigie.url, '--token', token],
      resumed.io,
    );
    assert.equal(again, 0, resumed.text());
    assert.ok(existsSync(join(dir, 'three')), 'resuming from a step runs it and what follows');
    assert.match(resumed.text(), /scenario worker-stuck: 1 step\(s\) done/);
  });

  it('waits at a step for a second person, across a restart, then goes on by itself', async (t) => {
    const dir = scratchDir();
    const storePath = join(dir, 'vigie.sqlite');
    const runbook = Runbook.parse({
      name: 'Scenario runs',
      scenarios: [
        {
          id: 'queue-full',
          title: 'Queue full',
          actions: [
            { id: 'restart-worker', run: `touch ${join(dir, 'restarted')}`, kind: 'shell', risk: 'write' },
            {
              id: 'purge',
              run: `touch ${join(dir, 'purged')}`,
              kind: 'shell',
              risk: 'destructive',
              guard: { approval: true },
            },
            { id: 'kill-sessions', run: `touch ${join(dir, 'killed')}`, kind: 'shell', risk: 'dangerous' },
          ],
        },
      ],
    });
    let vigie = await startVigie({ runbook, env: {}, storePath, port: 0 });
    let stopped = false;
    t.after(() => (stopped ? undefined : vigie.stop()));
    const alice = createToken(vigie.incidents, 'responder', 'alice', Date.now()).secret;
    const bob = createToken(vigie.incidents, 'responder', 'bob', Date.now()).secret;
    const first = terminal();
    assert.equal(await main(['run', 'queue-full', '--url', vigie.url, '--token', alice], first.io), 0);
    assert.ok(existsSync(join(dir, 'restarted')));
    assert.ok(!existsSync(join(dir, 'purged')), 'a destructive step waits for its approval');
    const paused = /scenario run (\d+) of queue-full waits at step 2 for run (\d+)/.exec(first.text());
    assert.ok(paused, first.text());
    const [scenarioRun, purgeRun] = [Number(paused[1]), paused[2]!];

    // Vigie restarts while the scenario waits: the wait is in the store, not in memory.
    stopped = true;
    await vigie.stop();
    vigie = await startVigie({ runbook, env: {}, storePath, port: 0 });
    stopped = false;
    assert.equal(vigie.incidents.scenarioRuns.get(scenarioRun)?.status, 'waiting');

    const self = terminal();
    assert.notEqual(await main(['approve', purgeRun, '--url', vigie.url, '--token', alice], self.io), 0);
    assert.match(self.text(), /alice asked for run \d+ and cannot approve it/);
    const approval = terminal();
    assert.equal(await main(['approve', purgeRun, '--url', vigie.url, '--token', bob], approval.io), 0);
    assert.ok(existsSync(join(dir, 'purged')), 'the approved step ran');
    assert.match(
      approval.text(),
      new RegExp(
        `scenario run ${scenarioRun} of queue-full (goes on by itself|went on by itself, and now waits at step 3)`,
      ),
    );
    assert.doesNotMatch(approval.text(), /needs:/, 'an approved run that ran needs nothing');

    // It went on to the dangerous step, which waits for the requester's typed confirmation.
    await waitFor(() => {
      const record = vigie.incidents.scenarioRuns.get(scenarioRun);
      return record?.status === 'waiting' && record.waitingRun !== Number(purgeRun);
    });
    assert.ok(!existsSync(join(dir, 'killed')), 'a dangerous step needs its typed confirmation');
    const killRun = String(vigie.incidents.scenarioRuns.get(scenarioRun)!.waitingRun);
    const confirmed = terminal();
    const code = await main(
      ['retry', killRun, '--confirm', 'kill-sessions', '--url', vigie.url, '--token', alice],
      confirmed.io,
    );
    assert.equal(code, 0, confirmed.text());
    await waitFor(() => vigie.incidents.scenarioRuns.get(scenarioRun)?.status === 'done');
    assert.ok(existsSync(join(dir, 'killed')));
    assert.deepEqual(
      vigie.incidents
        .actionRunsOf(scenarioRun)
        .map((run) => [run.stepId, run.status, run.requestedBy, run.approvedBy ?? '']),
      [
        ['restart-worker', 'ok', 'alice', ''],
        ['purge', 'ok', 'alice', 'bob'],
        ['kill-sessions', 'ok', 'alice', ''],
      ],
    );
  });

  it('marks a scenario run cut by a restart in the middle of a step as interrupted, saying where to resume', async (t) => {
    const dir = scratchDir();
    const storePath = join(dir, 'vigie.sqlite');
    const runbook = Runbook.parse({
      name: 'Scenario runs',
      scenarios: [
        { id: 'disk-full', title: 'Disk full', actions: [{ run: 'true', kind: 'shell', risk: 'write' }] },
      ],
    });
    const before = openSqliteIncidentStore(storePath);
    const cut = before.scenarioRuns.add({
      scenario: 'disk-full',
      requestedBy: 'alice',
      requestedAt: Date.now(),
      params: {},
      confirmations: [],
      dryRun: false,
      nextStep: 1,
      status: 'running',
    });
    before.close();
    const vigie = await startVigie({ runbook, env: {}, storePath, port: 0 });
    t.after(() => vigie.stop());
    const record = vigie.incidents.scenarioRuns.get(cut.id)!;
    assert.equal(record.status, 'interrupted', 'a step cut by a restart is not run again by itself');
    assert.ok(record.finishedAt !== undefined);
  });

  it('checks every step parameter before the first step runs', async (t) => {
    const dir = scratchDir();
    const vigie = await start(t, [
      {
        id: 'tenant-purge',
        title: 'Tenant purge',
        actions: [
          { id: 'mark', run: `touch ${join(dir, 'marked')}`, kind: 'shell', risk: 'write' },
          {
            id: 'show',
            run: 'echo TENANT',
            kind: 'shell',
            risk: 'write',
            params: { TENANT: { type: 'uuid' } },
          },
        ],
      },
    ]);
    const token = createToken(vigie.incidents, 'responder', 'alice', Date.now()).secret;
    const shell = terminal();
    const code = await main(
      ['run', 'tenant-purge', '--param', 'TENANT=; rm -rf /', '--url', vigie.url, '--token', token],
      shell.io,
    ).catch((error: Error) => {
      shell.lines.push(error.message);
      return 2;
    });
    assert.notEqual(code, 0);
    assert.match(shell.text(), /step show: TENANT/);
    assert.ok(!existsSync(join(dir, 'marked')), 'no step ran while a later one had a bad parameter');
  });

  it("shows a slow step's output in the terminal while it runs, and not twice", async (t) => {
    const dir = scratchDir();
    const vigie = await start(t, [
      {
        id: 'slow-restart',
        title: 'Slow restart',
        actions: [
          {
            id: 'restart',
            // The second line is printed only once the first has reached the terminal.
            run: `sh -c 'echo stopping worker; while [ ! -e ${join(dir, 'seen')} ]; do sleep 0.05; done; echo worker started'`,
            kind: 'shell',
            risk: 'write',
            timeout: '20s',
          },
        ],
      },
    ]);
    const token = createToken(vigie.incidents, 'responder', 'alice', Date.now()).secret;
    const lines: string[] = [];
    const io = {
      out: (text: string) => {
        lines.push(text);
        if (text === 'stopping worker') writeFileSync(join(dir, 'seen'), '');
      },
      err: (text: string) => lines.push(text),
    };
    const code = await main(['run', 'slow-restart', '--url', vigie.url, '--token', token], io);
    assert.equal(code, 0, lines.join('\n'));
    const report = lines.findIndex((line) =>
      /^run \d+: slow-restart step restart \(write\) — ok$/.test(line),
    );
    assert.ok(report > 0, lines.join('\n'));
    assert.match(lines[0]!, /^── run \d+: slow-restart step 1, live:$/);
    assert.deepEqual(lines.slice(1, report), ['stopping worker', 'worker started']);
    assert.ok(lines.includes('(its output is shown above, as it ran)'), lines.join('\n'));
  });

  it('caps a 1 GB output without growing, and kills a hanging step with its process group', async (t) => {
    const marker = `4242.${process.pid}${Date.now() % 1000}`;
    const vigie = await start(t, [
      {
        id: 'noisy',
        title: 'Noisy and stuck',
        actions: [
          { id: 'flood', run: 'head -c 1073741824 /dev/zero', kind: 'shell', risk: 'write' },
          {
            id: 'hang',
            run: `sh -c "sleep ${marker} & sleep ${marker}"`,
            kind: 'shell',
            risk: 'write',
            timeout: '1s',
          },
        ],
      },
    ]);
    const token = createToken(vigie.incidents, 'responder', 'alice', Date.now()).secret;
    const before = process.memoryUsage().rss;
    const shell = terminal();
    const code = await main(['run', 'noisy', '--json', '--url', vigie.url, '--token', token], shell.io);
    const grown = process.memoryUsage().rss - before;
    assert.equal(code, 0, shell.text());
    const answer = JSON.parse(shell.text()) as {
      runs: { status: string; outcome: { output: string; truncated: boolean; error?: string } }[];
      stopped?: { step: number; reason: string };
    };
    const [flood, hang] = answer.runs;
    assert.equal(flood!.status, 'ok');
    assert.equal(flood!.outcome.truncated, true);
    assert.ok(flood!.outcome.output.length <= 70 * 1024, `kept ${flood!.outcome.output.length} characters`);
    assert.ok(grown < 256 * 1024 * 1024, `the process grew by ${Math.round(grown / 2 ** 20)} MB`);
    assert.equal(hang!.status, 'timeout', JSON.stringify(hang));
    assert.deepEqual(answer.stopped, { step: 2, reason: 'failed', resumeFrom: 2 });
    await waitFor(() => alive(marker).length === 0, 5000);
    assert.deepEqual(alive(marker), [], 'the sleep started in the background died with its group');
  });
});
