/**
 * The scheduler with a fake clock: intervals kept, phases spread, the concurrency bound held, no
 * check overlapping itself, lag measured.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstDue, phaseOf, Scheduler } from '../../src/engine/scheduler.ts';
import { FakeClock } from '../support/clock.ts';

/** drain stops the scheduler while letting the fake time run, so runs under way can finish. */
async function drain(
  scheduler: Scheduler<{ id: string; interval: number }>,
  clock: FakeClock,
): Promise<void> {
  const stopping = scheduler.stop();
  await clock.advance(60_000);
  await stopping;
}

const checks = (count: number, interval: number) =>
  Array.from({ length: count }, (_, i) => ({ id: `check-${i}`, interval }));

describe('Scheduler', () => {
  it('runs every check at its interval, keeping its phase', async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const runs = new Map<string, number[]>();
    const scheduler = new Scheduler(
      checks(3, 10_000),
      async (check) => {
        runs.set(check.id, [...(runs.get(check.id) ?? []), clock.now() - start]);
      },
      { concurrency: 10, clock },
    );
    scheduler.start();
    await clock.advance(60_000);
    await drain(scheduler, clock);
    for (const [id, times] of runs) {
      assert.equal(times[0], phaseOf(id, 10_000), 'first run at its phase');
      assert.ok(times.length >= 5 && times.length <= 6, `${id} ran ${times.length} times`);
      for (let i = 1; i < times.length; i++) assert.equal(times[i]! - times[i - 1]!, 10_000);
    }
  });

  it('spreads first runs over the interval', () => {
    const phases = new Set(checks(1000, 10_000).map((check) => Math.floor(phaseOf(check.id, 10_000) / 100)));
    assert.ok(phases.size > 90, `1,000 checks fall into ${phases.size} of 100 slots`);
  });

  it('never runs more than `concurrency` at once, and never one check twice at once', async () => {
    const clock = new FakeClock();
    let running = 0;
    let peak = 0;
    const active = new Set<string>();
    const scheduler = new Scheduler(
      checks(50, 10_000),
      async (check) => {
        assert.ok(!active.has(check.id), `${check.id} overlaps itself`);
        active.add(check.id);
        running++;
        peak = Math.max(peak, running);
        await clock.sleep(4_000);
        running--;
        active.delete(check.id);
      },
      { concurrency: 5, clock },
    );
    scheduler.start();
    await clock.advance(120_000);
    await drain(scheduler, clock);
    assert.equal(peak, 5);
    assert.ok(scheduler.stats().lagMax > 0, 'with 50 runs of 4 s through 5 slots, some start late');
  });

  it('a run longer than the interval skips the slots it missed instead of piling up', async () => {
    const clock = new FakeClock();
    const starts: number[] = [];
    const start = clock.now();
    const [check] = checks(1, 10_000);
    const scheduler = new Scheduler(
      [check!],
      async () => {
        starts.push(clock.now() - start);
        await clock.sleep(25_000);
      },
      { concurrency: 4, clock },
    );
    scheduler.start();
    await clock.advance(100_000);
    await drain(scheduler, clock);
    const phase = phaseOf(check!.id, 10_000);
    assert.deepEqual(
      starts.slice(0, 3),
      [phase, phase + 30_000, phase + 60_000],
      'each run starts at the first slot after the previous one ended',
    );
  });

  it('measures lag: with one slot, the second of two due checks starts one run later', async () => {
    const clock = new FakeClock();
    const scheduler = new Scheduler(
      [
        { id: 'a', interval: 60_000 },
        { id: 'b', interval: 60_000 },
      ].map((check) => ({ ...check })),
      () => clock.sleep(1_000),
      { concurrency: 1, clock },
    );
    scheduler.start();
    await clock.advance(59_000);
    await drain(scheduler, clock);
    const stats = scheduler.stats();
    assert.equal(stats.runs, 2);
    const gap = Math.abs(phaseOf('a', 60_000) - phaseOf('b', 60_000));
    assert.equal(stats.lagMax, Math.max(0, 1_000 - gap));
  });

  it('after a restart, resumes each check within three quarters of an interval, catching up at once on missed runs', () => {
    const check = { id: 'api', interval: 10_000 };
    const now = 1_700_000_123_456;
    assert.equal(firstDue(check, now, now - 4_000), now + 4_500, 'ran 4 s before: due in 6 s, run in 4.5 s');
    assert.equal(firstDue(check, now, now), now + 7_500, 'ran just before: within 0.75 of an interval');
    const overdue = firstDue(check, now, now - 60_000);
    assert.ok(overdue >= now && overdue < now + 2_000, 'missed while down: runs within the catch-up window');
    const fresh = firstDue(check, now);
    assert.ok(fresh >= now && fresh < now + 10_000);
    assert.equal(
      (fresh - phaseOf('api', 10_000)) % 10_000,
      0,
      'a check never seen runs at its fixed phase of the clock',
    );
  });

  it('stop waits for the runs under way and starts no new one', async () => {
    const clock = new FakeClock();
    let finished = 0;
    let started = 0;
    const scheduler = new Scheduler(
      [{ id: 'x', interval: 1_000 }],
      async () => {
        started++;
        await clock.sleep(500);
        finished++;
      },
      { concurrency: 1, clock },
    );
    scheduler.start();
    await clock.advance(phaseOf('x', 1_000) + 100);
    assert.equal(started, 1);
    const stopping = scheduler.stop();
    await clock.advance(1_000);
    await stopping;
    assert.equal(finished, 1);
    await clock.advance(5_000);
    assert.equal(started, 1);
  });
});
