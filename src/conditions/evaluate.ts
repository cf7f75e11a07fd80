/**
 * Evaluation of a parsed condition against one observation, and the sentence that explains the
 * verdict with the values seen, Gatus style: `status (503) == 200`.
 *
 * Semantics, decided once here:
 * - `latency` is `observation.latency` in milliseconds; every other path reads `observation.values`.
 * - Units are already gone: `2s` is 2000, `1KB` is 1000 and `80%` is 80, since probes report
 *   milliseconds, bytes and percentages from 0 to 100.
 * - A number and a string that holds a number (`"200"`, `"42\n"` from a command) compare as numbers,
 *   in either order, because probes that read text (Redis INFO, command output) cannot know which
 *   fields are numeric. Two strings compare as strings; nothing else is coerced (`"true"` is not true).
 * - `== null` holds for a missing path or a null value; `!=` is always the negation of `==`.
 * - `<`, `<=`, `>`, `>=` hold only between two numbers (or numeric strings against a number) or two
 *   strings; a missing path fails them and the explanation shows `(missing)`.
 * - `contains` looks for a substring in a string and for an equal element in an array; `matches`
 *   tests strings, and numbers or booleans written as text (`status matches /^2/`). `!contains` and
 *   `!matches` are their negations.
 */

import type { Observation } from '../probes/probe.ts';
import type { ComparisonOperator, Condition, Dimension, Operand, Path } from './condition.ts';
import { previewAround, previewValue } from './preview.ts';

/** Verdict says whether a condition held, and why, with the values seen. */
export interface Verdict {
  readonly pass: boolean;
  /** `body.database (false) == true`; on a pass the same form, for reports. */
  readonly explanation: string;
}

/** evaluate decides a condition for one observation; it never throws and compiles nothing. */
export function evaluate(condition: Condition, observation: Observation): Verdict {
  const judged = judge(condition, observation);
  return { pass: judged.pass, explanation: judged.text };
}

// Binding strength of an explanation's outermost operator, loosest first: a part looser than the
// operator joining it is parenthesised, so the explanation reads with the language's precedence.
const OR = 0;
const AND = 1;
const ATOM = 2;

interface Judged {
  readonly pass: boolean;
  readonly text: string;
  readonly level: number;
}

function judge(condition: Condition, observation: Observation): Judged {
  switch (condition.kind) {
    case 'compare': {
      const left = read(condition.left, observation);
      const right = read(condition.right, observation);
      const pass = compare(condition.operator, left, right);
      const text = `${show(condition.left, left, condition.right)} ${condition.operator} ${show(condition.right, right, condition.left)}`;
      return { pass, text, level: ATOM };
    }
    case 'contains': {
      const haystack = read(condition.left, observation);
      const needle = read(condition.right, observation);
      const found = find(haystack, needle);
      const pass = condition.negated ? found < 0 : found >= 0;
      // A long text is shown around what was found, so the explanation proves the pass.
      const seen =
        found >= 0 && typeof haystack === 'string' && condition.left.kind === 'path'
          ? `${condition.left.text} (${previewAround(haystack, found, String(needle).length)})`
          : show(condition.left, haystack, condition.right);
      const operator = condition.negated ? '!contains' : 'contains';
      return {
        pass,
        text: `${seen} ${operator} ${show(condition.right, needle, condition.left)}`,
        level: ATOM,
      };
    }
    case 'matches': {
      const value = read(condition.left, observation);
      const subject = typeof value === 'string' ? value : textOf(value);
      const matched = subject !== undefined && condition.pattern.test(subject);
      const pass = condition.negated ? !matched : matched;
      const seen =
        matched && condition.left.kind === 'path' && typeof value === 'string'
          ? `${condition.left.text} (${previewAround(value, value.search(condition.pattern), 0)})`
          : show(condition.left, value, undefined);
      return {
        pass,
        text: `${seen} ${condition.negated ? '!matches' : 'matches'} ${condition.text}`,
        level: ATOM,
      };
    }
    case 'not': {
      const inner = judge(condition.operand, observation);
      return { pass: !inner.pass, text: `not (${inner.text})`, level: ATOM };
    }
    case 'and':
    case 'or': {
      const level = condition.kind === 'and' ? AND : OR;
      const judged = condition.parts.map((part) => judge(part, observation));
      const pass = condition.kind === 'and' ? judged.every(passed) : judged.some(passed);
      // Only the parts that decided are shown: the failures of a failed `and`, the successes of a
      // passed `or`; a passed `and` and a failed `or` were decided by all of their parts.
      const deciding =
        pass === (condition.kind === 'and') ? judged : judged.filter((part) => part.pass === pass);
      if (deciding.length === 1) return { pass, text: deciding[0]!.text, level: deciding[0]!.level };
      const text = deciding
        .map((part) => (part.level < level ? `(${part.text})` : part.text))
        .join(` ${condition.kind} `);
      return { pass, text, level };
    }
  }
}

const passed = (judged: Judged): boolean => judged.pass;

/** read gives an operand's value: a literal's own, or what the path finds (undefined when missing). */
function read(operand: Operand, observation: Observation): unknown {
  return operand.kind === 'literal' ? operand.value : readPath(operand, observation);
}

/** PathSource is what a path reads: a run's latency and the values its probe saw. */
export interface PathSource {
  readonly latency: number;
  readonly values?: Readonly<Record<string, unknown>>;
}

/** readPath gives what a path finds in an observation, or undefined when it is missing. */
export function readPath(path: Path, observation: PathSource): unknown {
  if (path.root === 'latency') return observation.latency;
  let current: unknown = observation.values;
  const segments = path.segments;
  for (let i = 0; i < segments.length; i++) {
    if (current === null || typeof current !== 'object') return undefined;
    let key = segments[i]!;
    // Own properties only: `body.constructor` must not find Object's constructor.
    if (!Object.hasOwn(current, key)) {
      if (i !== 1 || path.folded === undefined || !Object.hasOwn(current, path.folded)) return undefined;
      key = path.folded;
    }
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

function show(operand: Operand, value: unknown, other: Operand | undefined): string {
  if (operand.kind === 'literal') return operand.text;
  return `${operand.text} (${previewValue(value, dimensionOf(operand, other))})`;
}

// A seen number is printed in the unit it was compared in: `latency (2350ms) < 2s`, `value (85.3%) < 80%`.
function dimensionOf(path: Path, other: Operand | undefined): Dimension | undefined {
  if (path.root === 'latency') return 'duration';
  return other?.kind === 'literal' ? other.dimension : undefined;
}

const NUMERIC = /^\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*$/;

/** numberOf reads a number, or a string holding one (command output, Redis INFO); undefined otherwise. */
export function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && NUMERIC.test(value)) return Number(value);
  return undefined;
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || a === null || b === undefined || b === null) {
    return (a === undefined || a === null) && (b === undefined || b === null);
  }
  if (typeof a === 'number' && typeof b === 'string') return numberOf(b) === a;
  if (typeof a === 'string' && typeof b === 'number') return numberOf(a) === b;
  return false;
}

// The sign of a - b, or NaN when the two cannot be ordered (which fails every ordering operator).
function order(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a !== 'number' && typeof b !== 'number') return Number.NaN;
  // Not numberOf for a number itself: an infinite number still orders.
  const x = typeof a === 'number' ? a : (numberOf(a) ?? Number.NaN);
  const y = typeof b === 'number' ? b : (numberOf(b) ?? Number.NaN);
  return x - y;
}

function compare(operator: ComparisonOperator, a: unknown, b: unknown): boolean {
  switch (operator) {
    case '==':
      return equal(a, b);
    case '!=':
      return !equal(a, b);
    case '<':
      return order(a, b) < 0;
    case '<=':
      return order(a, b) <= 0;
    case '>':
      return order(a, b) > 0;
    case '>=':
      return order(a, b) >= 0;
  }
}

// A position rather than a boolean, so a pass on a long text can show what was found (-1: absent).
function find(haystack: unknown, needle: unknown): number {
  if (typeof haystack === 'string') {
    const text =
      typeof needle === 'string' ? needle : typeof needle === 'number' ? String(needle) : undefined;
    return text === undefined ? -1 : haystack.indexOf(text);
  }
  if (Array.isArray(haystack)) {
    for (let i = 0; i < haystack.length; i++) if (equal(haystack[i], needle)) return i;
  }
  return -1;
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}
