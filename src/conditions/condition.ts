/**
 * The parsed form of an `expect:` condition. A tree is built once, when the runbook loads, and is
 * then only read: literals are already decoded into numbers in base units, paths into segments and
 * regular expressions into compiled `RegExp`s, so evaluating one costs no parsing at all.
 */

/** Dimension says what a number literal measures: milliseconds, bytes or a percentage (0–100). */
export type Dimension = 'duration' | 'size' | 'percent';

/** ComparisonOperator is one of the six comparisons of the language. */
export type ComparisonOperator = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** Literal is a value written in the condition (`200`, `2s`, `"PONG"`, `true`, `null`). */
export interface Literal {
  readonly kind: 'literal';
  /** Numbers are in base units: `2s` is 2000, `1KB` is 1000, `80%` is 80. */
  readonly value: string | number | boolean | null;
  /** Set on numbers written with a unit; explanations print the seen value in the same unit. */
  readonly dimension?: Dimension;
  /** Canonical text: the number with its unit as written (`2s`), strings double-quoted. */
  readonly text: string;
}

/** Path names a value of the observation: `latency`, `status`, `body.items[0].id`, `headers["etag"]`. */
export interface Path {
  readonly kind: 'path';
  /** `latency` reads `observation.latency`; every other path reads `observation.values`. */
  readonly root: 'latency' | 'values';
  /** Keys and indexes under the root, with a leading `values.` already dropped. */
  readonly segments: readonly (string | number)[];
  /** Canonical text, as explanations show it (`body.items[0].id`, `headers["content-type"]`). */
  readonly text: string;
  /** For `headers[...]`: the key lower-cased, tried when the key as written is absent (HTTP names are caseless). */
  readonly folded?: string;
}

const PLAIN_KEY = /^[\p{L}_][\p{L}\p{N}_]*$/u;

/**
 * valuesPath builds the Path of `segments` under `values`, with its canonical text and its folded
 * header key; `prefixed` says it was written with a leading `values.`, which the segments lack.
 */
export function valuesPath(segments: readonly (string | number)[], prefixed: boolean): Path {
  let written = prefixed ? 'values' : String(segments[0]);
  for (const segment of prefixed ? segments : segments.slice(1)) {
    if (typeof segment === 'number') written += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) written += `.${segment}`;
    else written += `[${JSON.stringify(segment)}]`;
  }
  const header = segments[0] === 'headers' ? segments[1] : undefined;
  const folded =
    typeof header === 'string' && header !== header.toLowerCase() ? header.toLowerCase() : undefined;
  return { kind: 'path', root: 'values', segments, text: written, ...(folded ? { folded } : {}) };
}

/** Operand is either side of a comparison or of `contains`. */
export type Operand = Path | Literal;

/** Comparison holds `left <operator> right`. */
export interface Comparison {
  readonly kind: 'compare';
  readonly operator: ComparisonOperator;
  readonly left: Operand;
  readonly right: Operand;
}

/** Contains holds `left contains right` (or `!contains`): a substring, or an element of an array. */
export interface Contains {
  readonly kind: 'contains';
  readonly negated: boolean;
  readonly left: Operand;
  readonly right: Operand;
}

/** Matches holds `left matches /pattern/flags` (or `!matches`) with the pattern compiled at parse time. */
export interface Matches {
  readonly kind: 'matches';
  readonly negated: boolean;
  readonly left: Operand;
  /** Never global or sticky, so `test` keeps no state between observations. */
  readonly pattern: RegExp;
  /** The pattern as written, `/^(ok|ready)$/`. */
  readonly text: string;
}

/** AllOf holds conditions joined by `and`; it holds when every part does. */
export interface AllOf {
  readonly kind: 'and';
  readonly parts: readonly Condition[];
}

/** AnyOf holds conditions joined by `or`; it holds when one part does. */
export interface AnyOf {
  readonly kind: 'or';
  readonly parts: readonly Condition[];
}

/** Not holds `not condition`. */
export interface Not {
  readonly kind: 'not';
  readonly operand: Condition;
}

/** Condition is a parsed `expect:` condition, ready to evaluate against any number of observations. */
export type Condition = Comparison | Contains | Matches | AllOf | AnyOf | Not;

/** formatCondition writes a condition in canonical form; parsing that text gives the same tree back. */
export function formatCondition(condition: Condition): string {
  return format(condition, OR);
}

// Binding strength, loosest first: a part looser than its parent needs parentheses.
const OR = 0;
const AND = 1;

function format(condition: Condition, parent: number): string {
  switch (condition.kind) {
    case 'compare':
      return `${condition.left.text} ${condition.operator} ${condition.right.text}`;
    case 'contains':
      return `${condition.left.text} ${condition.negated ? '!contains' : 'contains'} ${condition.right.text}`;
    case 'matches':
      return `${condition.left.text} ${condition.negated ? '!matches' : 'matches'} ${condition.text}`;
    case 'not':
      // Always parenthesised: `not status == 200` reads as if `not` applied to `status` alone.
      return `not (${format(condition.operand, OR)})`;
    case 'and': {
      const text = condition.parts.map((part) => format(part, AND)).join(' and ');
      return parent > AND ? `(${text})` : text;
    }
    case 'or': {
      const text = condition.parts.map((part) => format(part, OR)).join(' or ');
      return parent > OR ? `(${text})` : text;
    }
  }
}
