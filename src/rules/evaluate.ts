/**
 * Evaluation of a rule against a check's history at `now`, and the sentence that says what was seen.
 *
 * Semantics, decided once here:
 * - Only observations that started at or before `now` count; windows are (now - window, now].
 * - `fails N` holds when the last N observations failed; with fewer than N observations, all failed,
 *   the verdict is undefined (the runs before are unknown). Fewer than N failures in a row is a
 *   `partial` verdict: not trouble enough to fire, not clear enough to count towards a recovery.
 * - Window rules (error_rate, pNN, avg, max, min) need MIN_SAMPLES observations (numeric values for a
 *   path) in the window, else undefined. Percentiles are nearest-rank over every run, failed ones
 *   included: a run that timed out is a slow run.
 * - A condition judges the latest observation; when none of the values it reads is there (the probe
 *   got no answer), the verdict is undefined, since a missing value is no evidence either way.
 * - `for D` holds when the condition held on every observation from the first of the run to the
 *   latest, and these span at least D; before that the verdict is false, partial, with `pendingSince`.
 * - `no data for D` holds when no observation started in the window. With no observation ever, it
 *   holds once `started` (when watching began) is D old, or at once when `started` is not given.
 * - Times in explanations are UTC, `hh:mm:ss`.
 */

import {
  type Condition,
  type Dimension,
  evaluate,
  formatNumber,
  numberOf,
  readPath,
} from '../conditions/index.ts';
import { formatDuration } from '../runbook/units.ts';
import { conditionPaths } from './paths.ts';
import {
  type AggregateRule,
  type ErrorRateRule,
  type FailsRule,
  type HeldRule,
  MIN_SAMPLES,
  measureName,
  type NoDataRule,
  type Rule,
  type RuleObservation,
  type RuleVerdict,
  type WindowOperator,
} from './rule.ts';

/** EvaluateOptions tells a rule what the history cannot: when watching began. */
export interface EvaluateOptions {
  /** When observation of the check began (engine start, alert added); only `no data` reads it. */
  readonly started?: number;
}

/** evaluateRule judges a rule on a history sorted by `at`, ascending, at `now`; it never throws. */
export function evaluateRule(
  rule: Rule,
  history: readonly RuleObservation[],
  now: number,
  options: EvaluateOptions = {},
): RuleVerdict {
  // Runs that started after `now` (a clock ahead on another node) are not yet part of the past.
  const end = upperBound(history, now);
  switch (rule.kind) {
    case 'fails':
      return fails(rule, history, end);
    case 'error_rate':
      return errorRate(rule, history, end, now);
    case 'aggregate':
      return aggregate(rule, history, end, now);
    case 'condition':
      return instant(rule.condition, history, end);
    case 'held':
      return held(rule, history, end);
    case 'no_data':
      return noData(rule, history, end, now, options.started);
  }
}

function fails(rule: FailsRule, history: readonly RuleObservation[], end: number): RuleVerdict {
  const last = history[end - 1];
  if (!last) return { holds: undefined, explanation: 'no observation yet' };
  let streak = 0;
  while (streak < rule.count && streak < end && !history[end - 1 - streak]!.ok) streak++;
  const seen = `${streak} ${streak === 1 ? 'failure' : 'failures'} in a row`;
  const base = { value: streak, at: last.at };
  if (streak >= rule.count) return { ...base, holds: true, explanation: `${seen} (last: ${clock(last.at)})` };
  if (last.ok) return { ...base, holds: false, explanation: `last observation passed (${clock(last.at)})` };
  if (streak === end) {
    return {
      ...base,
      holds: undefined,
      explanation: `${seen} of the ${rule.count} needed, and no earlier observation (last: ${clock(last.at)})`,
    };
  }
  return {
    ...base,
    holds: false,
    partial: true,
    explanation: `${seen}, fewer than ${rule.count} (last: ${clock(last.at)})`,
  };
}

function errorRate(
  rule: ErrorRateRule,
  history: readonly RuleObservation[],
  end: number,
  now: number,
): RuleVerdict {
  const start = upperBound(history, now - rule.window, 0, end);
  const count = end - start;
  const at = history[end - 1]?.at;
  const over = `over ${formatDuration(rule.window)}`;
  if (count < MIN_SAMPLES) {
    return {
      holds: undefined,
      explanation: `error_rate: ${samples(count, 'observation')} in the last ${formatDuration(rule.window)}, needs ${MIN_SAMPLES}`,
      ...(at === undefined ? {} : { at }),
    };
  }
  let failed = 0;
  for (let i = start; i < end; i++) if (!history[i]!.ok) failed++;
  const rate = (failed * 100) / count;
  return {
    holds: compare(rule.operator, rate, rule.threshold.value),
    value: rate,
    explanation: `error_rate (${measure(rate, 'percent')}, ${failed} of ${count}) ${rule.operator} ${rule.threshold.text} ${over}`,
    at: at!,
  };
}

function aggregate(
  rule: AggregateRule,
  history: readonly RuleObservation[],
  end: number,
  now: number,
): RuleVerdict {
  const start = upperBound(history, now - rule.window, 0, end);
  const at = history[end - 1]?.at;
  const name = measureName(rule);
  const values: number[] = [];
  for (let i = start; i < end; i++) {
    const value = numberOf(readPath(rule.path, history[i]!));
    if (value !== undefined) values.push(value);
  }
  if (values.length < MIN_SAMPLES) {
    return {
      holds: undefined,
      explanation: `${name}: ${samples(values.length, 'sample')} in the last ${formatDuration(rule.window)}, needs ${MIN_SAMPLES}`,
      ...(at === undefined ? {} : { at }),
    };
  }
  const value = reduce(rule, values);
  const dimension = rule.threshold.dimension ?? (rule.path.root === 'latency' ? 'duration' : undefined);
  return {
    holds: compare(rule.operator, value, rule.threshold.value),
    value,
    explanation: `${name} (${measure(value, dimension)}) ${rule.operator} ${rule.threshold.text} over ${formatDuration(rule.window)}`,
    at: at!,
  };
}

function reduce(rule: AggregateRule, values: number[]): number {
  switch (rule.aggregate.fn) {
    case 'avg': {
      let sum = 0;
      for (const value of values) sum += value;
      return sum / values.length;
    }
    case 'max':
      return values.reduce((a, b) => Math.max(a, b));
    case 'min':
      return values.reduce((a, b) => Math.min(a, b));
    case 'percentile': {
      values.sort((a, b) => a - b);
      // Nearest rank: the smallest value with at least p% of the values at or below it. The epsilon
      // keeps 99.9 × 1000 / 100 from rounding up a rank through floating point.
      const rank = Math.ceil((rule.aggregate.p * values.length) / 100 - 1e-9);
      return values[Math.min(values.length, Math.max(1, rank)) - 1]!;
    }
  }
}

function instant(condition: Condition, history: readonly RuleObservation[], end: number): RuleVerdict {
  const last = history[end - 1];
  if (!last) return { holds: undefined, explanation: 'no observation yet' };
  const judged = judge(condition, last);
  if (judged === undefined) return { holds: undefined, explanation: missing(condition, last), at: last.at };
  return { ...judged, at: last.at };
}

function held(rule: HeldRule, history: readonly RuleObservation[], end: number): RuleVerdict {
  const last = history[end - 1];
  if (!last) return { holds: undefined, explanation: 'no observation yet' };
  const latest = judge(rule.condition, last);
  if (latest === undefined)
    return { holds: undefined, explanation: missing(rule.condition, last), at: last.at };
  if (!latest.holds) return { ...latest, at: last.at };
  // A run with a missing value breaks the streak: `for` asks for evidence on every run.
  let first = end - 1;
  while (first > 0 && judge(rule.condition, history[first - 1]!)?.holds === true) first--;
  const since = history[first]!.at;
  const span = last.at - since;
  if (span >= rule.for) {
    return {
      ...latest,
      explanation: `${latest.explanation} for ${measure(span, 'duration')} (since ${clock(since)})`,
      at: last.at,
    };
  }
  return {
    ...latest,
    holds: false,
    explanation: `${latest.explanation} for ${measure(span, 'duration')}, not yet ${formatDuration(rule.for)} (since ${clock(since)})`,
    at: last.at,
    partial: true,
    pendingSince: since,
  };
}

function noData(
  rule: NoDataRule,
  history: readonly RuleObservation[],
  end: number,
  now: number,
  started: number | undefined,
): RuleVerdict {
  const last = history[end - 1];
  const window = formatDuration(rule.window);
  if (last && last.at > now - rule.window) {
    return {
      holds: false,
      value: now - last.at,
      explanation: `last observation ${clock(last.at)}, ${measure(now - last.at, 'duration')} ago, within ${window}`,
      at: now,
    };
  }
  if (last) {
    return {
      holds: true,
      value: now - last.at,
      explanation: `no data for ${window} (last: ${clock(last.at)}, ${measure(now - last.at, 'duration')} ago)`,
      at: now,
    };
  }
  if (started !== undefined && now - started < rule.window) {
    return {
      holds: undefined,
      explanation: `no observation yet, watching for ${measure(Math.max(0, now - started), 'duration')} of ${window}`,
      at: now,
    };
  }
  return { holds: true, explanation: `no data for ${window} (no observation yet)`, at: now };
}

/** judge evaluates a condition on one observation; undefined when none of the values it reads is there. */
function judge(
  condition: Condition,
  observation: RuleObservation,
): { holds: boolean; explanation: string; value?: number } | undefined {
  const paths = conditionPaths(condition);
  if (paths.length > 0 && paths.every((path) => readPath(path, observation) === undefined)) return undefined;
  const verdict = evaluate(condition, {
    ok: observation.ok,
    latency: observation.latency,
    values: observation.values ?? NO_VALUES,
  });
  const value =
    condition.kind === 'compare' && condition.left.kind === 'path'
      ? numberOf(readPath(condition.left, observation))
      : undefined;
  return value === undefined
    ? { holds: verdict.pass, explanation: verdict.explanation }
    : { holds: verdict.pass, explanation: verdict.explanation, value };
}

const NO_VALUES: Readonly<Record<string, unknown>> = Object.freeze({});

function missing(condition: Condition, observation: RuleObservation): string {
  const names = [...new Set(conditionPaths(condition).map((path) => path.text))].join(', ');
  return `${names} missing from the latest observation (${clock(observation.at)})`;
}

function compare(operator: WindowOperator, a: number, b: number): boolean {
  switch (operator) {
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
  }
}

/** upperBound gives the first index in [from, to) whose `at` is after `time` (to when none is). */
function upperBound(
  history: readonly RuleObservation[],
  time: number,
  from = 0,
  to = history.length,
): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (history[mid]!.at <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const samples = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** clock writes an epoch time as UTC `hh:mm:ss`. */
function clock(at: number): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? String(at) : date.toISOString().slice(11, 19);
}

const SIZES: readonly (readonly [string, number])[] = [
  ['TB', 1e12],
  ['GB', 1e9],
  ['MB', 1e6],
  ['KB', 1e3],
];

/** measure writes a measured number in the unit of its threshold: `3.4s`, `12.5%`, `412MB`. */
export function measure(value: number, dimension: Dimension | undefined): string {
  switch (dimension) {
    case 'percent':
      return `${formatNumber(value)}%`;
    case 'duration':
      if (Math.abs(value) < 1000) return `${formatNumber(value)}ms`;
      if (Math.abs(value) < 60_000) return `${formatNumber(value / 1000)}s`;
      return formatDuration(Math.round(value / 1000) * 1000);
    case 'size':
      for (const [unit, size] of SIZES)
        if (Math.abs(value) >= size) return `${formatNumber(value / size)}${unit}`;
      return `${formatNumber(value)}B`;
    default:
      return formatNumber(value);
  }
}
