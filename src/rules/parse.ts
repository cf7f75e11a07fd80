/**
 * The parser of `when:` rules and `resolve:` clauses. Forms, keywords case-insensitive:
 *
 *   fails [N times|Nx|once|twice] [in a row]          the last N observations failed
 *   error_rate OP P% over D                           share of failed runs in the window
 *   FN(path) OP threshold over D                      FN: pNN (p50, p99, p99.9), avg, max, min
 *   no data for D                                     no run started in the window
 *   condition [for D]                                 an `expect:` condition on the latest run, or
 *                                                     held on every run for D; here it means trouble
 *   OP: >, >=, <, <=    D: a duration (5m, 30s, 1h)
 *
 *   resolve: [recovers after] N success[es] | clear for D | recovers after D
 *
 * Every error carries the column it is at and a fix, as `parseCondition` does.
 */
import { parseCondition, readUnit, UNITS } from '../conditions/index.ts';
import { parseDuration } from '../runbook/units.ts';
import { PathFailure, parsePath } from './paths.ts';
import type { Aggregate, Recovery, Rule, RuleError, Threshold, WindowOperator } from './rule.ts';

const FORMS =
  'a rule reads like: fails 3 times, error_rate > 5% over 5m, p99(latency) > 3s over 5m, ' +
  'no data for 5m, value > 1000, value > 1000 for 2m';

const FUNCTIONS = 'p50, p90, p95, p99 (any pNN up to p100, or p99.9), avg, max or min';

/** parseRule parses a `when:` rule; it never throws, whatever the text. */
export function parseRule(text: string): { ok: true; rule: Rule } | { ok: false; error: RuleError } {
  if (text.trim() === '') return failure(text, 'empty rule', 0, `write one; ${FORMS}`);
  try {
    return { ok: true, rule: readRule(text) };
  } catch (error) {
    if (!(error instanceof RuleSyntax)) throw error;
    return failure(text, error.message, error.offset, error.fix);
  }
}

/** parseRecovery parses a `resolve:` clause (`recovers after 2 successes`, `clear for 5m`); it never throws. */
export function parseRecovery(
  text: string,
): { ok: true; recovery: Recovery } | { ok: false; error: RuleError } {
  if (text.trim() === '') return failure(text, 'empty recovery', 0, RECOVERY_FIX);
  try {
    return { ok: true, recovery: readRecovery(text) };
  } catch (error) {
    if (!(error instanceof RuleSyntax)) throw error;
    return failure(text, error.message, error.offset, error.fix);
  }
}

function failure(
  text: string,
  message: string,
  offset: number,
  fix: string,
): { ok: false; error: RuleError } {
  return { ok: false, error: { message, column: offset + 1, fix, text } };
}

class RuleSyntax extends Error {
  readonly offset: number;
  readonly fix: string;
  constructor(message: string, offset: number, fix: string) {
    super(message);
    this.offset = offset;
    this.fix = fix;
  }
}

const RECOVERY_FIX = "write 'recovers after 2 successes' or 'clear for 5m'";

const WORD = /[\p{L}_][\p{L}\p{N}_]*/uy;
const NUMBER = /-?\d+(?:\.\d+)?/y;
const UNIT = /[A-Za-zµ]+|%/y;
const OPERATOR = /[<>=!≤≥]+/y;
const SPACE = /\s*/y;

interface Word {
  readonly text: string;
  readonly lower: string;
  readonly start: number;
}

interface NumberToken {
  readonly digits: string;
  readonly value: number;
  /** A unit written against the number (`5m`, `3x`, `85%`); '' when none. */
  readonly unit: string;
  readonly start: number;
  readonly end: number;
}

/** Scanner walks a rule text one piece at a time, keeping the offset every error needs. */
class Scanner {
  readonly text: string;
  at = 0;
  constructor(text: string) {
    this.text = text;
  }

  private match(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.at;
    return pattern.exec(this.text)?.[0];
  }

  space(): void {
    this.at += this.match(SPACE)!.length;
  }

  atEnd(): boolean {
    this.space();
    return this.at >= this.text.length;
  }

  peekWord(): Word | undefined {
    this.space();
    const text = this.match(WORD);
    return text === undefined ? undefined : { text, lower: text.toLowerCase(), start: this.at };
  }

  word(): Word | undefined {
    const word = this.peekWord();
    if (word) this.at += word.text.length;
    return word;
  }

  /** takeWord consumes the next word when it is one of `words` (lower case). */
  takeWord(...words: string[]): Word | undefined {
    const word = this.peekWord();
    if (!word || !words.includes(word.lower)) return undefined;
    this.at += word.text.length;
    return word;
  }

  number(): NumberToken | undefined {
    this.space();
    const start = this.at;
    const digits = this.match(NUMBER);
    if (digits === undefined) return undefined;
    this.at += digits.length;
    const unit = this.match(UNIT) ?? '';
    this.at += unit.length;
    return { digits, value: Number(digits), unit, start, end: this.at };
  }

  operator(): { text: string; start: number } | undefined {
    this.space();
    const text = this.match(OPERATOR);
    if (text === undefined) return undefined;
    const start = this.at;
    this.at += text.length;
    return { text, start };
  }

  peekChar(): string | undefined {
    this.space();
    return this.text[this.at];
  }

  /** shown quotes what starts at the offset for an error message: a word, a number, a character. */
  shown(offset: number): string {
    if (offset >= this.text.length) return 'the end';
    const rest = this.text.slice(offset);
    const piece = /^(?:[\p{L}\p{N}_.%-]+|\S)/u.exec(rest)![0];
    return `'${piece.length > 24 ? `${piece.slice(0, 24)}…` : piece}'`;
  }

  end(what: string): void {
    if (this.atEnd()) return;
    throw new RuleSyntax(`unexpected ${this.shown(this.at)} after the rule`, this.at, `remove it; ${what}`);
  }
}

function readRule(text: string): Rule {
  const scan = new Scanner(text);
  const first = scan.peekWord();
  // Keywords start a form only where a condition could not: `fails > 3` is a condition on a value
  // named `fails`, as `error_rate > 5` without `over` would be.
  const after = first ? text.slice(first.start + first.text.length).trimStart() : '';
  const operatorFollows = /^[<>=!≤≥]/.test(after);
  if (first?.lower === 'fails' && !operatorFollows) return readFails(scan);
  if (first?.lower === 'no' && /^data\b/i.test(after)) return readNoData(scan);
  // A probe value named error_rate stays reachable as `values.error_rate`.
  if (first?.lower === 'error_rate' && operatorFollows) return readErrorRate(scan);
  if (first && first.lower !== 'not' && FUNCTION_CALL.test(text.slice(first.start)))
    return readAggregate(scan);
  return readCondition(text);
}

function readFails(scan: Scanner): Rule {
  scan.word();
  const fix = 'write fails 3 times';
  let count = 1;
  if (scan.takeWord('once')) count = 1;
  else if (scan.takeWord('twice')) count = 2;
  else {
    const number = scan.number();
    if (number) {
      if (!Number.isInteger(number.value) || number.value < 1 || number.digits.includes('.')) {
        throw new RuleSyntax(
          `the count of failures must be a whole number from 1, found '${number.digits}'`,
          number.start,
          fix,
        );
      }
      if (number.unit !== '' && !['x', 'times', 'time'].includes(number.unit.toLowerCase())) {
        throw new RuleSyntax(
          `unexpected '${number.unit}' after the count`,
          number.end - number.unit.length,
          fix,
        );
      }
      count = number.value;
      if (number.unit === '') scan.takeWord('times', 'time', 'x');
    } else if (!scan.atEnd()) {
      const word = scan.peekWord();
      if (!word || !['in', 'consecutively'].includes(word.lower)) {
        throw new RuleSyntax(
          `expected how many failures in a row, found ${scan.shown(scan.at)}`,
          scan.at,
          'write the count in digits: fails 3 times',
        );
      }
    }
  }
  readInARow(scan);
  scan.end('a fails rule reads like: fails 3 times');
  return { kind: 'fails', count };
}

function readInARow(scan: Scanner): void {
  if (scan.takeWord('consecutively')) return;
  const word = scan.takeWord('in');
  if (!word) return;
  scan.takeWord('a');
  if (!scan.takeWord('row')) {
    throw new RuleSyntax(
      `expected 'in a row', found ${scan.shown(scan.at)}`,
      scan.at,
      'write fails 3 times in a row',
    );
  }
}

function readNoData(scan: Scanner): Rule {
  scan.word();
  scan.word();
  const fix = 'write no data for 5m';
  if (!scan.takeWord('for')) {
    const at = scan.atEnd() ? scan.text.length : scan.at;
    throw new RuleSyntax(`expected 'for' and how long, found ${scan.shown(at)}`, at, fix);
  }
  const window = readDuration(scan, fix);
  scan.end('a no-data rule reads like: no data for 5m');
  return { kind: 'no_data', window };
}

function readErrorRate(scan: Scanner): Rule {
  scan.word();
  const operator = readOperator(scan, 'error_rate');
  const fix = 'write error_rate > 5% over 5m';
  const number = scan.number();
  if (!number) {
    throw new RuleSyntax(
      `expected a percentage after '${operator}', found ${scan.shown(scan.at)}`,
      scan.at,
      fix,
    );
  }
  let percent = number.unit === '%';
  if (number.unit === '' && scan.peekChar() === '%') {
    scan.at++;
    percent = true;
  }
  if (!percent) {
    const fraction = number.unit === '' && number.value > 0 && number.value < 1;
    throw new RuleSyntax(
      `error_rate is a percentage of failed runs; write it with %, found '${number.digits}${number.unit}'`,
      number.start,
      fraction
        ? `write ${Number((number.value * 100).toFixed(6))}% for the fraction ${number.digits}`
        : `write ${number.digits}%`,
    );
  }
  const threshold: Threshold = { value: number.value, dimension: 'percent', text: `${number.digits}%` };
  const window = readWindow(
    scan,
    'error_rate',
    `write error_rate ${operator} ${threshold.text} over 5m; for a value named error_rate, write values.error_rate`,
  );
  scan.end('an error-rate rule reads like: error_rate > 5% over 5m');
  return { kind: 'error_rate', operator, threshold, window };
}

// A function name may carry a decimal percentile (`p99.9`), which a plain word stops before.
const FUNCTION_CALL = /^[\p{L}_][\p{L}\p{N}_]*(?:\.\d+)?\s*\(/u;

function readAggregate(scan: Scanner): Rule {
  const start = scan.word()!.start;
  const written = /^[^\s(]+/.exec(scan.text.slice(start))![0];
  const name: Word = { text: written, lower: written.toLowerCase(), start };
  scan.at = start + written.length;
  const aggregate = aggregateOf(name);
  scan.space();
  scan.at++; // the '(' readRule saw
  scan.space();
  let path: ReturnType<typeof parsePath>;
  try {
    path = parsePath(scan.text, scan.at);
  } catch (error) {
    if (!(error instanceof PathFailure)) throw error;
    throw new RuleSyntax(
      error.message,
      error.offset,
      `write ${name.text}(latency) or ${name.text}(values.depth)`,
    );
  }
  scan.at = path.end;
  if (scan.peekChar() !== ')') {
    throw new RuleSyntax(
      `expected the ')' closing ${name.text}(, found ${scan.shown(scan.at)}`,
      scan.at,
      `a function reads one path: ${name.text}(${path.path.text})`,
    );
  }
  scan.at++;
  const measure = `${name.text}(${path.path.text})`;
  const operator = readOperator(scan, measure);
  const fix = `write ${measure} > 3s over 5m`;
  const threshold = readThreshold(scan, operator, fix);
  const window = readWindow(scan, measure, fix);
  scan.end(`an aggregate rule reads like: ${measure} ${operator} ${threshold.text} over 5m`);
  return { kind: 'aggregate', aggregate, path: path.path, operator, threshold, window };
}

const PERCENTILE = /^p(\d+(?:\.\d+)?)$/i;

function aggregateOf(name: Word): Aggregate {
  const percentile = PERCENTILE.exec(name.text);
  if (percentile) {
    const p = Number(percentile[1]);
    if (p > 0 && p <= 100) return { fn: 'percentile', p };
    const guess =
      /^9+$/.test(percentile[1]!) && percentile[1]!.length > 2 ? `p99.${percentile[1]!.slice(2)}` : 'p99';
    throw new RuleSyntax(
      `unknown function '${name.text}'; use ${FUNCTIONS}`,
      name.start,
      `did you mean ${guess}?`,
    );
  }
  if (name.lower === 'avg' || name.lower === 'mean' || name.lower === 'average') return { fn: 'avg' };
  if (name.lower === 'max' || name.lower === 'maximum') return { fn: 'max' };
  if (name.lower === 'min' || name.lower === 'minimum') return { fn: 'min' };
  if (name.lower === 'median') return { fn: 'percentile', p: 50 };
  const hint =
    name.lower === 'percentile' || name.lower === 'quantile'
      ? 'write the percentile in the name: p99(latency)'
      : `write p99(latency) or avg(values.depth)`;
  throw new RuleSyntax(`unknown function '${name.text}'; use ${FUNCTIONS}`, name.start, hint);
}

const OPERATOR_HINTS: Readonly<Record<string, WindowOperator>> = {
  '=>': '>=',
  '=<': '<=',
  '≥': '>=',
  '≤': '<=',
};

function readOperator(scan: Scanner, measure: string): WindowOperator {
  const operator = scan.operator();
  const fix = `compare with >, >=, < or <=: ${measure} > …`;
  if (!operator) {
    throw new RuleSyntax(
      `expected an operator after '${measure}', found ${scan.shown(scan.at)}`,
      scan.at,
      fix,
    );
  }
  const { text, start } = operator;
  if (text === '>' || text === '>=' || text === '<' || text === '<=') return text;
  const hint = OPERATOR_HINTS[text];
  if (hint) throw new RuleSyntax(`unknown operator '${text}'; did you mean '${hint}'?`, start, fix);
  throw new RuleSyntax(`${measure} compares with >, >=, < or <=; found '${text}'`, start, fix);
}

function readThreshold(scan: Scanner, operator: string, fix: string): Threshold {
  const number = scan.number();
  if (!number) {
    throw new RuleSyntax(`expected a number after '${operator}', found ${scan.shown(scan.at)}`, scan.at, fix);
  }
  let unit = number.unit;
  if (unit === '') {
    // `3 s` and `400 MB` read naturally; a word that is no unit (`over`) is left for the caller.
    const spaced = scan.peekWord();
    if (spaced && readUnit(number.digits, spaced.text)) {
      unit = spaced.text;
      scan.at = spaced.start + spaced.text.length;
    } else if (scan.peekChar() === '%') {
      unit = '%';
      scan.at++;
    }
  }
  if (unit === '') return { value: number.value, text: number.digits };
  const read = readUnit(number.digits, unit);
  if (!read) {
    throw new RuleSyntax(`unknown unit '${unit}'; units are ${UNITS}`, number.end - number.unit.length, fix);
  }
  return { value: read.value, dimension: read.dimension, text: `${number.digits}${unit}` };
}

function readWindow(scan: Scanner, measure: string, fix: string): number {
  if (!scan.takeWord('over', 'in', 'during')) {
    const at = scan.atEnd() ? scan.text.length : scan.at;
    throw new RuleSyntax(
      at >= scan.text.length
        ? `${measure} needs a window: add 'over 5m'`
        : `expected 'over' and a window, found ${scan.shown(at)}`,
      at,
      fix,
    );
  }
  return readDuration(scan, fix);
}

/** readDuration reads a positive duration: `5m`, `30s`, `1h30m`, `5 min`. */
function readDuration(scan: Scanner, fix: string): number {
  const number = scan.number();
  if (!number) {
    throw new RuleSyntax(`expected a duration such as 5m, found ${scan.shown(scan.at)}`, scan.at, fix);
  }
  // A compound duration (`1h30m`) is read whole: the unit pattern stops at the first digit.
  let end = number.end;
  while (/^\d/.test(scan.text.slice(end))) {
    const part = /^\d+(?:\.\d+)?[A-Za-z]+/.exec(scan.text.slice(end));
    if (!part) break;
    end += part[0].length;
  }
  let written = scan.text.slice(number.start, end);
  scan.at = end;
  if (number.unit === '') {
    const spaced = scan.peekWord();
    if (spaced && parseDuration(`1${spaced.text}`) !== undefined) {
      written += spaced.text;
      scan.at = spaced.start + spaced.text.length;
    }
  }
  const ms = parseDuration(written);
  if (ms === undefined || number.digits.startsWith('-')) {
    throw new RuleSyntax(
      number.unit === '' && written === number.digits
        ? `a duration needs a unit: write ${number.digits}m or ${number.digits}s`
        : `'${written}' is not a duration; write it such as 30s, 5m or 1h`,
      number.start,
      fix,
    );
  }
  if (ms <= 0) throw new RuleSyntax('a duration must be longer than 0', number.start, fix);
  return ms;
}

// `for 2m` or `over 5m` closing a condition; anchored at the end so quoted text is never cut.
const TRAILING_FOR = /(^|\s)for\s+(\d[\w.\s]*)$/i;
const TRAILING_OVER = /(^|\s)(over)\s+\d[\w.\s]*$/i;

function readCondition(written: string): Rule {
  // Trimmed at the end only, so offsets (and columns) stay those of the text as written.
  const text = written.trimEnd();
  const trailing = TRAILING_FOR.exec(text);
  const held = trailing ? parseDuration(trailing[2]!) : undefined;
  if (trailing && held === undefined) {
    const at = trailing.index + trailing[0].search(/\d/);
    throw new RuleSyntax(
      `'${trailing[2]}' is not a duration; write it such as 30s, 5m or 1h`,
      at,
      'write value > 1000 for 2m',
    );
  }
  if (held !== undefined && held <= 0) {
    throw new RuleSyntax(
      'a duration must be longer than 0',
      trailing!.index + trailing![0].search(/\d/),
      'write value > 1000 for 2m',
    );
  }
  const body = trailing ? text.slice(0, trailing.index) : text;
  const over = TRAILING_OVER.exec(body);
  if (over) {
    throw new RuleSyntax(
      "a condition judges the latest observation and takes no window; 'over' belongs to error_rate and functions",
      over.index + over[1]!.length,
      `write '${body.slice(0, over.index).trim()} for ${over[0].trim().slice(5)}' (held that long) or 'avg(value) > 1000 over 5m'`,
    );
  }
  if (body.trim() === '') {
    throw new RuleSyntax("expected a condition before 'for'", 0, 'write value > 1000 for 2m');
  }
  const parsed = parseCondition(body);
  if (!parsed.ok) throw new RuleSyntax(parsed.error.message, parsed.error.column - 1, FORMS);
  return held === undefined
    ? { kind: 'condition', condition: parsed.condition }
    : { kind: 'held', condition: parsed.condition, for: held };
}

function readRecovery(text: string): Recovery {
  const scan = new Scanner(text);
  scan.takeWord('recovers', 'recover', 'resolves', 'resolve');
  scan.takeWord('after');
  if (scan.takeWord('clear', 'calm')) {
    if (!scan.takeWord('for')) {
      throw new RuleSyntax(
        `expected 'for' and how long, found ${scan.shown(scan.at)}`,
        scan.at,
        RECOVERY_FIX,
      );
    }
    const duration = readDuration(scan, RECOVERY_FIX);
    scan.end(RECOVERY_FIX);
    return { kind: 'clear_for', duration };
  }
  const number = scan.number();
  if (!number) {
    throw new RuleSyntax(
      `expected how many successes or how long clear, found ${scan.shown(scan.at)}`,
      scan.at,
      RECOVERY_FIX,
    );
  }
  const next = number.unit === '' ? scan.peekWord() : undefined;
  const counted = next !== undefined && COUNTED.has(next.lower);
  if (
    number.unit === '' &&
    !counted &&
    (next === undefined || parseDuration(`1${next.text}`) === undefined)
  ) {
    throw new RuleSyntax(
      `expected 'successes' or a unit after '${number.digits}', found ${scan.shown(next?.start ?? scan.text.length)}`,
      next?.start ?? scan.text.length,
      `write 'recovers after ${number.digits} successes' or 'clear for ${number.digits}m'`,
    );
  }
  if (!counted) {
    scan.at = number.start;
    const duration = readDuration(scan, RECOVERY_FIX);
    scan.end(RECOVERY_FIX);
    return { kind: 'clear_for', duration };
  }
  if (!Number.isInteger(number.value) || number.value < 1 || number.digits.includes('.')) {
    throw new RuleSyntax(
      `the count of successes must be a whole number from 1, found '${number.digits}'`,
      number.start,
      RECOVERY_FIX,
    );
  }
  scan.word();
  scan.takeWord('checks', 'observations', 'evaluations', 'verdicts', 'runs');
  readInARow(scan);
  scan.end(RECOVERY_FIX);
  return { kind: 'successes', count: number.value };
}

const COUNTED: ReadonlySet<string> = new Set([
  'success',
  'successes',
  'pass',
  'passes',
  'clear',
  'ok',
  'times',
  'checks',
  'observations',
  'evaluations',
]);
