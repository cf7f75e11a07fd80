/**
 * The `expect:` condition language: `status == 200`, `body.database == true`, `latency < 2s`,
 * `output contains "PONG"`, `body.status matches /^(ok|ready)$/`, joined with `and`, `or`, `not`
 * and parentheses. Conditions are parsed once when the runbook loads (errors carry a column) and
 * evaluated against every observation of their check (verdicts carry the values seen).
 */
export type {
  AllOf,
  AnyOf,
  Comparison,
  ComparisonOperator,
  Condition,
  Contains,
  Dimension,
  Literal,
  Matches,
  Not,
  Operand,
  Path,
} from './condition.ts';
export { formatCondition, valuesPath } from './condition.ts';
export { evaluate, numberOf, type PathSource, readPath, type Verdict } from './evaluate.ts';
export { readUnit, UNITS } from './lexer.ts';
export {
  type ConditionError,
  formatConditionError,
  type IndexedConditionError,
  parseCondition,
  parseConditions,
} from './parser.ts';
export { formatNumber } from './preview.ts';
