/**
 * The parsed form of an alert's `when:` rule and `resolve:` clause, and what evaluating one gives.
 * A rule names trouble: when it holds, the alert moves towards firing. Rules are parsed once when the
 * runbook loads (`parse.ts`), judged against a check's recent observations (`evaluate.ts`), and their
 * verdicts drive the alert's state machine (`machine.ts`).
 */
import type { Condition, Dimension, Path } from '../conditions/index.ts';
import { formatCondition } from '../conditions/index.ts';
import { formatDuration } from '../runbook/units.ts';

/** RuleObservation is one run of a check as rules read it; a store's `StoredObservation` is one. */
export interface RuleObservation {
  /** When the run started, epoch milliseconds. */
  readonly at: number;
  /** Whether the check passed. */
  readonly ok: boolean;
  /** Milliseconds the run took. */
  readonly latency: number;
  /** Named values the probe saw, read by paths such as `value` or `body.depth`. */
  readonly values?: Readonly<Record<string, unknown>>;
}

/** WindowOperator is a comparison a measure over a window may use. */
export type WindowOperator = '>' | '>=' | '<' | '<=';

/** Threshold is the number a measure is compared with, in base units (ms, bytes, percent 0–100). */
export interface Threshold {
  readonly value: number;
  /** Set when written with a unit; explanations print the measured value in the same unit. */
  readonly dimension?: Dimension;
  /** Canonical text: digits and unit (`3s`, `5%`, `1000`). */
  readonly text: string;
}

/** FailsRule holds when the last `count` observations all failed: `fails 3 times`. */
export interface FailsRule {
  readonly kind: 'fails';
  readonly count: number;
}

/** ErrorRateRule compares the share of failed observations in a window: `error_rate > 5% over 5m`. */
export interface ErrorRateRule {
  readonly kind: 'error_rate';
  readonly operator: WindowOperator;
  /** A percentage (5 for 5%). */
  readonly threshold: Threshold;
  /** Milliseconds back from `now`; the window is (now - window, now]. */
  readonly window: number;
}

/** Aggregate is how a window's values reduce to one number: a nearest-rank percentile, the mean, max or min. */
export type Aggregate =
  | { readonly fn: 'percentile'; readonly p: number }
  | { readonly fn: 'avg' | 'max' | 'min' };

/** AggregateRule compares an aggregate of a path over a window: `p99(latency) > 3s over 5m`. */
export interface AggregateRule {
  readonly kind: 'aggregate';
  readonly aggregate: Aggregate;
  /** `latency`, or a path into the observation's values (`depth`, `values.depth`, `body.queue.size`). */
  readonly path: Path;
  readonly operator: WindowOperator;
  readonly threshold: Threshold;
  readonly window: number;
}

/** ConditionRule holds when a condition holds on the latest observation: `value > 1000`. */
export interface ConditionRule {
  readonly kind: 'condition';
  /** Written in the `expect:` language, but here it names trouble: holding means alert. */
  readonly condition: Condition;
}

/** HeldRule holds when a condition held on every observation for at least `for`: `value > 1000 for 2m`. */
export interface HeldRule {
  readonly kind: 'held';
  readonly condition: Condition;
  /** Milliseconds the condition must have held, from the first observation of the run to the latest. */
  readonly for: number;
}

/** NoDataRule holds when no observation started in the window: `no data for 5m`. */
export interface NoDataRule {
  readonly kind: 'no_data';
  readonly window: number;
}

/** Rule is a parsed `when:` rule. */
export type Rule = FailsRule | ErrorRateRule | AggregateRule | ConditionRule | HeldRule | NoDataRule;

/** Recovery is a parsed `resolve:` clause: how much calm ends a firing alert. */
export type Recovery =
  | { readonly kind: 'successes'; readonly count: number }
  | { readonly kind: 'clear_for'; readonly duration: number };

/** DEFAULT_RECOVERY is the recovery of an alert without `resolve:`: two clear verdicts in a row. */
export const DEFAULT_RECOVERY: Recovery = { kind: 'successes', count: 2 };

/**
 * MIN_SAMPLES is the fewest observations a window rule (error_rate, percentiles, avg/max/min) judges:
 * with fewer, its verdict is `holds: undefined`, so one failed run at start-up is no 100% error rate.
 * A check must run at least this often per window for the rule to ever decide.
 */
export const MIN_SAMPLES = 2;

/** RuleVerdict is what a rule says of a history at `now`, with the values it saw. */
export interface RuleVerdict {
  /** True: trouble. False: clear. Undefined: not enough data to judge (a gap, too few samples). */
  readonly holds: boolean | undefined;
  /** The measured number (error rate in %, percentile, failures in a row, value, ms without data). */
  readonly value?: number;
  /** What was seen, Gatus style: `error_rate (12.5%, 1 of 8) > 5% over 5m`. */
  readonly explanation: string;
  /**
   * The evidence: the start of the newest observation judged (`now` for `no data` rules). The state
   * machine acts once per new evidence, so judging the same history twice counts once.
   */
  readonly at?: number;
  /**
   * Some trouble is seen though the rule does not hold: fewer failures in a row than needed, a held
   * condition not yet held long enough. It fires nothing, but it is no clear verdict either: it
   * breaks a firing alert's recovery.
   */
  readonly partial?: boolean;
  /** Held rules only: the condition holds, but not yet for long enough; the run started here. */
  readonly pendingSince?: number;
}

/** RuleError says why a rule or recovery text does not parse, where (1-based column) and how to fix it. */
export interface RuleError {
  readonly message: string;
  readonly column: number;
  readonly fix: string;
  readonly text: string;
}

/** ruleWindow is how many milliseconds of history evaluating the rule needs, back from `now`. */
export function ruleWindow(rule: Rule): number {
  switch (rule.kind) {
    case 'fails':
    case 'condition':
      return 0;
    case 'held':
      return rule.for;
    case 'error_rate':
    case 'aggregate':
    case 'no_data':
      return rule.window;
  }
}

/** ruleDepth is how many of the newest observations evaluating the rule needs, however old they are. */
export function ruleDepth(rule: Rule): number {
  return rule.kind === 'fails' ? rule.count : 1;
}

/** describeRule writes a rule in canonical form; parsing that text gives the same rule back. */
export function describeRule(rule: Rule): string {
  switch (rule.kind) {
    case 'fails':
      return rule.count === 1 ? 'fails' : `fails ${rule.count} times`;
    case 'error_rate':
      return `error_rate ${rule.operator} ${rule.threshold.text} over ${formatDuration(rule.window)}`;
    case 'aggregate':
      return `${measureName(rule)} ${rule.operator} ${rule.threshold.text} over ${formatDuration(rule.window)}`;
    case 'condition':
      return formatCondition(rule.condition);
    case 'held':
      return `${formatCondition(rule.condition)} for ${formatDuration(rule.for)}`;
    case 'no_data':
      return `no data for ${formatDuration(rule.window)}`;
  }
}

/** describeRecovery writes a recovery clause in canonical form, as `parseRecovery` reads it. */
export function describeRecovery(recovery: Recovery): string {
  return recovery.kind === 'successes'
    ? `recovers after ${recovery.count} ${recovery.count === 1 ? 'success' : 'successes'}`
    : `clear for ${formatDuration(recovery.duration)}`;
}

/** measureName writes an aggregate rule's measure: `p99(latency)`, `avg(depth)`. */
export function measureName(rule: AggregateRule): string {
  const fn = rule.aggregate.fn === 'percentile' ? `p${rule.aggregate.p}` : rule.aggregate.fn;
  return `${fn}(${rule.path.text})`;
}
