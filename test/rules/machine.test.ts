/**
 * The alert state machine driven as the engine drives it: each observation goes into the alert's
 * history, the rule is judged at `now`, and the verdict moves the state. Time is plain numbers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AlertOptions,
  type AlertState,
  type AlertTransition,
  evaluateRule,
  initialAlertState,
  nextAlertState,
  parseRecovery,
  parseRule,
  type Rule,
  RuleHistory,
  type RuleVerdict,
} from '../../src/rules/index.ts';

const T0 = 1_700_000_000_000;
const SECOND = 1000;
const MINUTE = 60_000;

interface Step {
  readonly at: number;
  readonly transition: AlertTransition;
  readonly explanation: string;
}

/** Alert wires a rule, its history and its state together, recording every transition. */
class Alert {
  readonly rule: Rule;
  readonly history: RuleHistory;
  readonly options: AlertOptions;
  state: AlertState;
  verdict: RuleVerdict | undefined;
  readonly steps: Step[] = [];

  constructor(when: string, resolve?: string, options: Omit<AlertOptions, 'recovery'> = {}) {
    const parsed = parseRule(when);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
    this.rule = parsed.rule;
    this.history = new RuleHistory(this.rule);
    let recovery: AlertOptions['recovery'];
    if (resolve !== undefined) {
      const read = parseRecovery(resolve);
      assert.ok(read.ok, read.ok ? '' : read.error.message);
      recovery = read.recovery;
    }
    this.options = recovery === undefined ? options : { ...options, recovery };
    this.state = initialAlertState(T0);
  }

  /** observe feeds a run that started `at` (seconds after T0), judged at `now` (default: its start). */
  observe(at: number, ok: boolean, values?: Record<string, unknown>, now = at): this {
    const run = { at: T0 + at * SECOND, ok, latency: 50, ...(values ? { values } : {}) };
    this.history.add(run, T0 + now * SECOND);
    return this.judge(now);
  }

  /** judge evaluates the rule at `now` (seconds after T0) without a new observation: a timer tick. */
  judge(now: number): this {
    const time = T0 + now * SECOND;
    this.verdict = evaluateRule(this.rule, this.history.observations(), time, { started: T0 });
    const step = nextAlertState(this.state, this.verdict, time, this.options);
    // The state is stored as JSON between runs: it must survive the round trip unchanged.
    assert.deepEqual(JSON.parse(JSON.stringify(step.state)), step.state);
    this.state = step.state;
    if (step.transition)
      this.steps.push({ at: now, transition: step.transition, explanation: this.verdict.explanation });
    return this;
  }

  transitions(): string[] {
    return this.steps.map((step) => `${step.at}:${step.transition}`);
  }

  count(transition: AlertTransition): number {
    return this.steps.filter((step) => step.transition === transition).length;
  }
}

describe('nextAlertState: fails 3 times, recovers after 2 successes', () => {
  it('fires on the third failure, resolves on the second success, then returns to ok', () => {
    const alert = new Alert('fails 3 times', 'recovers after 2 successes');
    alert.observe(0, true).observe(30, false).observe(60, false);
    assert.equal(alert.state.phase, 'ok');
    alert.observe(90, false);
    assert.equal(alert.state.phase, 'firing');
    assert.equal(alert.state.firedAt, T0 + 90 * SECOND);
    assert.equal(alert.steps[0]?.explanation, '3 failures in a row (last: 22:14:50)');
    alert.observe(120, true);
    assert.equal(alert.state.phase, 'firing');
    assert.equal(alert.state.clearStreak, 1);
    alert.observe(150, false).observe(180, true);
    assert.equal(alert.state.phase, 'firing', 'a failure in between starts the count again');
    alert.observe(210, true);
    assert.equal(alert.state.phase, 'resolved');
    assert.equal(alert.state.resolvedAt, T0 + 210 * SECOND);
    alert.observe(240, true);
    assert.equal(alert.state.phase, 'ok');
    assert.deepEqual(alert.transitions(), ['90:firing', '210:resolved', '240:ok']);
  });

  it('acts once per new observation: judging the same history again counts nothing twice', () => {
    const alert = new Alert('fails 3 times');
    alert.observe(0, false).observe(30, false).observe(60, false);
    assert.equal(alert.state.phase, 'firing');
    alert.observe(90, true);
    for (let tick = 95; tick < 400; tick += 5) alert.judge(tick);
    assert.equal(alert.state.phase, 'firing');
    assert.equal(alert.state.clearStreak, 1);
    alert.observe(400, true);
    assert.equal(alert.state.phase, 'resolved');
  });

  it('after a restart, the history fed back from the store does not count again', () => {
    const alert = new Alert('fails 3 times');
    const runs: [number, boolean][] = [
      [0, false],
      [30, false],
      [60, false],
      [90, true],
    ];
    for (const [at, ok] of runs) alert.observe(at, ok);
    const stored = JSON.parse(JSON.stringify(alert.state)) as AlertState;
    const restarted = new Alert('fails 3 times');
    restarted.state = stored;
    for (const [at, ok] of runs)
      restarted.history.add({ at: T0 + at * SECOND, ok, latency: 50 }, T0 + 100 * SECOND);
    restarted.judge(100);
    assert.deepEqual(restarted.state, stored);
    restarted.observe(120, true);
    assert.equal(restarted.state.phase, 'resolved');
  });
});

describe('nextAlertState: flapping', () => {
  it('an ok/fail alternation fires once and stays firing: recovery needs 2 clear in a row', () => {
    const alert = new Alert('fails');
    for (let i = 0; i < 100; i++) alert.observe(i * 30, i % 2 === 1);
    assert.equal(alert.count('firing'), 1);
    assert.equal(alert.count('resolved'), 0);
    assert.equal(alert.state.phase, 'firing');
  });

  it('with a one-success recovery, re-fires are damped after the flap limit until clear for the flap window', () => {
    const alert = new Alert('fails', 'recovers after 1 success');
    for (let i = 0; i < 100; i++) alert.observe(i * 30, i % 2 === 1);
    // The first fire, then flapLimit (3) re-fires tolerated, the fourth marks the alert flapping.
    assert.equal(alert.count('firing'), 5);
    assert.equal(alert.count('resolved'), 4);
    assert.equal(alert.state.phase, 'firing');
    assert.equal(alert.state.flapping, true);
    assert.equal(alert.state.flaps.length, 4);

    // Clear since the last run of the alternation (2970 s): not resolved before a whole flap window
    // (10 min) of calm.
    for (let s = 3000; s < 2970 + 600; s += 30) alert.observe(s, true);
    assert.equal(alert.state.phase, 'firing');
    alert.observe(3570, true);
    assert.equal(alert.state.phase, 'resolved');
    assert.equal(alert.state.flapping, false);
    assert.deepEqual(alert.state.flaps, []);
  });

  it('a fail during the calm window starts the calm over', () => {
    const alert = new Alert('fails', 'recovers after 1 success', { flapLimit: 1, flapWindow: 5 * MINUTE });
    for (let i = 0; i < 10; i++) alert.observe(i * 30, i % 2 === 1);
    assert.equal(alert.state.flapping, true);
    alert.observe(300, true).observe(500, true).observe(550, false);
    alert.observe(600, true).observe(850, true);
    assert.equal(alert.state.phase, 'firing');
    alert.observe(900, true);
    assert.equal(alert.state.phase, 'resolved');
  });

  it('re-fires spaced wider than the flap window are not flaps', () => {
    const alert = new Alert('fails', 'recovers after 1 success');
    for (let cycle = 0; cycle < 10; cycle++) {
      const start = cycle * 15 * 60;
      alert
        .observe(start, false)
        .observe(start + 30, true)
        .observe(start + 60, true);
    }
    assert.equal(alert.count('firing'), 10);
    assert.equal(alert.state.flapping, false);
    assert.deepEqual(alert.state.flaps, []);
  });
});

describe('nextAlertState: gaps in the data', () => {
  it('neither fires nor resolves while no observation comes', () => {
    const firing = new Alert('fails 3 times');
    firing.observe(0, false).observe(30, false).observe(60, false);
    for (let tick = 90; tick < 3600; tick += 30) firing.judge(tick);
    assert.equal(firing.state.phase, 'firing');
    assert.deepEqual(firing.transitions(), ['60:firing']);

    const rate = new Alert('error_rate > 5% over 5m');
    for (let s = 0; s < 300; s += 30) rate.observe(s, s !== 270);
    assert.equal(rate.state.phase, 'firing');
    // The window empties as time passes: too few samples, so the verdict is undefined, not clear.
    for (let tick = 300; tick < 1800; tick += 30) rate.judge(tick);
    assert.equal(rate.verdict?.holds, undefined);
    assert.equal(rate.state.phase, 'firing');
  });

  it('`no data for 5m` fires on the gap and resolves when data is back', () => {
    const alert = new Alert('no data for 5m');
    alert.judge(60);
    assert.equal(alert.state.phase, 'ok', 'watching for 1 minute is not 5 minutes without data');
    alert.observe(100, true);
    for (let tick = 130; tick < 400; tick += 30) alert.judge(tick);
    assert.equal(alert.state.phase, 'ok');
    alert.judge(400);
    assert.equal(alert.state.phase, 'firing');
    assert.equal(alert.steps[0]?.explanation, 'no data for 5m (last: 22:15:00, 5m ago)');
    alert.judge(430);
    assert.equal(alert.state.phase, 'firing');
    alert.observe(450, true);
    alert.judge(460);
    assert.deepEqual(alert.transitions(), ['400:firing', '460:resolved']);
  });
});

describe('nextAlertState: out-of-order observations', () => {
  it('a late old failure does not re-fire a resolved alert, nor complete a streak it is not part of', () => {
    const alert = new Alert('fails 3 times');
    alert.observe(0, false).observe(30, false).observe(60, false);
    alert.observe(90, true).observe(120, true).observe(150, true);
    assert.deepEqual(alert.transitions(), ['60:firing', '120:resolved', '150:ok']);
    // A failure from 100 s arrives late, judged at 155 s.
    alert.observe(100, false, undefined, 155);
    assert.equal(alert.state.phase, 'ok');
    alert.observe(180, false).observe(210, false);
    assert.equal(alert.state.phase, 'ok', 'by arrival it would be a third failure; by time it is not');
    alert.observe(240, false);
    assert.equal(alert.state.phase, 'firing');
    assert.deepEqual(alert.transitions(), ['60:firing', '120:resolved', '150:ok', '240:firing']);
  });

  it('a late observation still counts in its window', () => {
    const alert = new Alert('error_rate > 20% over 5m');
    for (let s = 0; s <= 300; s += 30) alert.observe(s, true);
    // Two failures of 195 s and 245 s arrive late (another node): 2 of 12 is 16.7%, not yet 20%.
    alert.observe(200 - 5, false, undefined, 305);
    alert.observe(250 - 5, false, undefined, 306);
    assert.equal(alert.state.phase, 'ok');
    // A failure from long ago arrives too: outside the window, it changes nothing.
    alert.observe(5, false, undefined, 307);
    alert.observe(330, false);
    assert.equal(alert.verdict?.explanation, 'error_rate (25%, 3 of 12) > 20% over 5m');
    assert.equal(alert.state.phase, 'firing');
  });
});

describe('nextAlertState: held for a duration', () => {
  it('value > 1000 for 2m goes pending, then firing once held for 2m', () => {
    const alert = new Alert('value > 1000 for 2m');
    alert.observe(0, true, { value: 500 });
    alert.observe(30, true, { value: 1200 });
    assert.equal(alert.state.phase, 'pending');
    assert.equal(alert.state.pendingSince, T0 + 30 * SECOND);
    for (let s = 60; s < 150; s += 30) alert.observe(s, true, { value: 1300 });
    assert.equal(alert.state.phase, 'pending');
    alert.observe(150, true, { value: 1250 });
    assert.equal(alert.state.phase, 'firing');
    assert.equal(alert.steps.at(-1)?.explanation, 'value (1250) > 1000 for 2m (since 22:13:50)');
    assert.deepEqual(alert.transitions(), ['30:pending', '150:firing']);
  });

  it('pending goes back to ok when cleared before 2m, and a new run waits its 2m again', () => {
    const alert = new Alert('value > 1000 for 2m');
    alert
      .observe(0, true, { value: 1200 })
      .observe(30, true, { value: 1200 })
      .observe(60, true, { value: 1200 });
    alert.observe(90, true, { value: 800 });
    assert.equal(alert.state.phase, 'ok');
    assert.equal(alert.state.pendingSince, undefined);
    alert.observe(120, true, { value: 1200 });
    assert.equal(alert.state.pendingSince, T0 + 120 * SECOND);
    alert.observe(180, true, { value: 1200 }).observe(210, true, { value: 1200 });
    assert.equal(alert.state.phase, 'pending');
    alert.observe(240, true, { value: 1200 });
    assert.deepEqual(alert.transitions(), ['0:pending', '90:ok', '120:pending', '240:firing']);
  });

  it('a missing value neither clears a pending alert nor moves it on', () => {
    const alert = new Alert('value > 1000 for 2m');
    alert.observe(0, true, { value: 1200 }).observe(30, false, {});
    assert.equal(alert.state.phase, 'pending');
  });

  it('resolves with clear for 5m only after 5 minutes of clear verdicts', () => {
    const alert = new Alert('value > 1000 for 1m', 'clear for 5m');
    for (let s = 0; s <= 60; s += 30) alert.observe(s, true, { value: 2000 });
    assert.equal(alert.state.phase, 'firing');
    for (let s = 90; s < 390; s += 30) alert.observe(s, true, { value: 10 });
    assert.equal(alert.state.phase, 'firing');
    alert.observe(390, true, { value: 10 });
    assert.equal(alert.state.phase, 'resolved');
  });
});

describe('initialAlertState', () => {
  it('is ok, with nothing counted', () => {
    assert.deepEqual(initialAlertState(T0), {
      phase: 'ok',
      since: T0,
      clearStreak: 0,
      flaps: [],
      flapping: false,
    });
  });
});
