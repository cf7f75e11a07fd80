/**
 * Alert rules: the `when:` of an alert (`fails 3 times`, `error_rate > 5% over 5m`,
 * `p99(latency) > 3s over 5m`, `value > 1000 for 2m`, `no data for 5m`) and its `resolve:` clause,
 * parsed once with errors that carry a column, judged as pure functions of an observation history and
 * `now`, and the alert state machine with hysteresis and flap damping those verdicts drive.
 */
export { type EvaluateOptions, evaluateRule } from './evaluate.ts';
export { HISTORY_LIMIT, RuleHistory } from './history.ts';
export {
  type AlertOptions,
  type AlertPhase,
  type AlertState,
  type AlertStep,
  type AlertTransition,
  DEFAULT_FLAP_LIMIT,
  DEFAULT_FLAP_WINDOW,
  initialAlertState,
  nextAlertState,
} from './machine.ts';
export { parseRecovery, parseRule } from './parse.ts';
export {
  type Aggregate,
  type AggregateRule,
  type ConditionRule,
  DEFAULT_RECOVERY,
  describeRecovery,
  describeRule,
  type ErrorRateRule,
  type FailsRule,
  type HeldRule,
  MIN_SAMPLES,
  type NoDataRule,
  type Recovery,
  type Rule,
  type RuleError,
  type RuleObservation,
  type RuleVerdict,
  ruleDepth,
  ruleWindow,
  type Threshold,
  type WindowOperator,
} from './rule.ts';
