/**
 * The lexer of the condition language. It cuts `body.items[0].id != null` into tokens that keep
 * their offset, so every error can name a column, and it decodes literals on the way: numbers with
 * their unit (through the runbook's own unit parsers), strings with their escapes, and regular
 * expressions, compiled here once so that evaluation never compiles anything.
 */
import { parseDuration, parseSize } from '../runbook/units.ts';
import type { ComparisonOperator, Dimension } from './condition.ts';

/** Token is one lexical unit with its offsets (0-based, end exclusive) in the condition text. */
export type Token =
  | { readonly kind: 'word'; readonly start: number; readonly end: number; readonly text: string }
  | {
      readonly kind: 'number';
      readonly start: number;
      readonly end: number;
      /** The number in base units (ms, bytes, percent). */
      readonly value: number;
      readonly dimension: Dimension | undefined;
      /** Canonical text: digits and unit, without the space a unit may have been written after. */
      readonly text: string;
    }
  | { readonly kind: 'string'; readonly start: number; readonly end: number; readonly value: string }
  | {
      readonly kind: 'regex';
      readonly start: number;
      readonly end: number;
      readonly pattern: RegExp;
      readonly text: string;
    }
  | {
      readonly kind: 'operator';
      readonly start: number;
      readonly end: number;
      readonly operator: ComparisonOperator | '!contains' | '!matches';
    }
  | {
      readonly kind: 'punct';
      readonly start: number;
      readonly end: number;
      readonly char: '.' | '[' | ']' | '(' | ')';
    }
  | { readonly kind: 'end'; readonly start: number; readonly end: number };

/** SyntaxFailure carries a parse error and its offset from where it is found to `parseCondition`. */
export class SyntaxFailure extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

/** UNITS lists the units a number may carry, for error messages. */
export const UNITS = 'ms, s, m, h, d, w, %, B, KB, MB, GB, TB, KiB, MiB, GiB, TiB';

/** readUnit gives the value of `digits` followed by `unit` in base units, or undefined for an unknown unit. */
export function readUnit(digits: string, unit: string): { value: number; dimension: Dimension } | undefined {
  if (unit === '%') return { value: Number(digits), dimension: 'percent' };
  // The runbook parsers read magnitudes only; the sign is ours.
  const negative = digits.startsWith('-');
  const magnitude = negative ? digits.slice(1) : digits;
  const sign = negative ? -1 : 1;
  const ms = parseDuration(magnitude + unit);
  if (ms !== undefined) return { value: sign * ms, dimension: 'duration' };
  const bytes = parseSize(magnitude + unit);
  if (bytes !== undefined) return { value: sign * bytes, dimension: 'size' };
  return undefined;
}

const WORD = /[\p{L}_][\p{L}\p{N}_-]*/uy;
const NUMBER = /-?\d+(?:\.\d+)?/y;
// A unit may be compound (`1h30m`), hence digits and decimals after its first letter.
const UNIT = /[A-Za-z](?:[A-Za-z0-9]|\.(?=\d))*/y;
const SPACED_PERCENT = /\s*%/y;
const FLAGS = /[A-Za-z]*/y;
const OPERATOR_CHARS = /[=!<>&|~]+/y;
const NEGATED = /!(contains|matches)(?![\p{L}\p{N}_-])/uy;
const OPERATOR_START: ReadonlySet<string> = new Set([...'=!<>&|~']);

const isDigit = (code: number): boolean => code >= 48 && code <= 57;
const isSpace = (code: number): boolean =>
  code === 32 ||
  (code >= 9 && code <= 13) ||
  code === 0xa0 ||
  code === 0xfeff ||
  code === 0x2028 ||
  code === 0x2029;

const OPERATORS: ReadonlySet<string> = new Set(['==', '!=', '<', '<=', '>', '>=']);

// Operators from other languages, with the spelling this one uses.
const OPERATOR_HINTS: Readonly<Record<string, string>> = {
  '===': '==',
  '=': '==',
  '!==': '!=',
  '<>': '!=',
  '=<': '<=',
  '=>': '>=',
  '&&': 'and',
  '&': 'and',
  '||': 'or',
  '|': 'or',
  '!': 'not',
  '=~': 'matches',
  '~=': 'matches',
  '~': 'matches',
};

// Characters that arrive from word processors and chat tools when a condition is pasted.
const CHARACTER_HINTS: Readonly<Record<string, string>> = {
  '“': 'use straight quotes (") around strings',
  '”': 'use straight quotes (") around strings',
  '‘': "use straight quotes (') around strings",
  '’': "use straight quotes (') around strings",
  '≤': "did you mean '<='?",
  '≥': "did you mean '>='?",
  '≠': "did you mean '!='?",
  ',': "join conditions with 'and' or 'or'",
};

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "'": "'",
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** describeOperator says what an unknown operator probably meant. */
function describeOperator(text: string): string {
  const hint = OPERATOR_HINTS[text];
  return hint
    ? `unknown operator '${text}'; did you mean '${hint}'?`
    : `unknown operator '${text}'; operators are ==, !=, <, <=, >, >=, contains, matches`;
}

/** unknownUnit is the error of a unit that is neither a duration, a size nor a percentage. */
export function unknownUnit(unit: string, offset: number): SyntaxFailure {
  return new SyntaxFailure(`unknown unit '${unit}'; units are ${UNITS}`, offset);
}

/** tokenize cuts a condition into tokens ending with an `end` token; it throws SyntaxFailure. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  let last = 0;
  const match = (pattern: RegExp): string | undefined => {
    pattern.lastIndex = at;
    return pattern.exec(text)?.[0];
  };
  while (true) {
    while (at < text.length && isSpace(text.charCodeAt(at))) at++;
    if (at >= text.length) break;
    const start = at;
    const char = text[at]!;
    // Dispatch on the first character, so each token costs one regular expression at most.
    if ((char >= '0' && char <= '9') || (char === '-' && isDigit(text.charCodeAt(at + 1)))) {
      const digits = match(NUMBER)!;
      at += digits.length;
      tokens.push(readNumber(digits, start));
    } else if (char === '"' || char === "'") {
      tokens.push(readString());
    } else if (char === '/') {
      tokens.push(readRegex());
    } else if (char === '.' || char === '[' || char === ']' || char === '(' || char === ')') {
      at++;
      tokens.push({ kind: 'punct', start, end: at, char });
    } else if (OPERATOR_START.has(char)) {
      const negated = char === '!' ? match(NEGATED) : undefined;
      const operator = negated ?? match(OPERATOR_CHARS)!;
      if (negated === undefined && !OPERATORS.has(operator)) {
        throw new SyntaxFailure(describeOperator(operator), start);
      }
      at += operator.length;
      tokens.push({
        kind: 'operator',
        start,
        end: at,
        operator: operator as (Token & { kind: 'operator' })['operator'],
      });
    } else {
      const word = match(WORD);
      if (word === undefined) {
        const hint = CHARACTER_HINTS[char];
        const shown = String.fromCodePoint(text.codePointAt(at)!);
        throw new SyntaxFailure(`unexpected character '${shown}'${hint ? `; ${hint}` : ''}`, start);
      }
      at += word.length;
      tokens.push({ kind: 'word', start, end: at, text: word });
    }
    last = at;
  }
  tokens.push({ kind: 'end', start: last, end: last });
  return tokens;

  function readNumber(digits: string, start: number): Token {
    const unit = match(UNIT) ?? match(SPACED_PERCENT);
    if (unit === undefined)
      return { kind: 'number', start, end: at, value: Number(digits), dimension: undefined, text: digits };
    const read = readUnit(digits, unit.trim());
    if (!read) throw unknownUnit(unit, at);
    at += unit.length;
    return {
      kind: 'number',
      start,
      end: at,
      value: read.value,
      dimension: read.dimension,
      text: digits + unit.trim(),
    };
  }

  function readString(): Token {
    const start = at;
    const quote = text[at]!;
    let value = '';
    at++;
    while (at < text.length && text[at] !== quote) {
      if (text[at] !== '\\') {
        // Copy the run up to the next quote or escape in one slice, not a character at a time.
        let end = at + 1;
        while (end < text.length && text[end] !== quote && text[end] !== '\\') end++;
        value += text.slice(at, end);
        at = end;
        continue;
      }
      const escaped = text[at + 1];
      if (escaped === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) {
        value += String.fromCharCode(Number.parseInt(text.slice(at + 2, at + 6), 16));
        at += 6;
        continue;
      }
      const decoded = escaped === undefined ? undefined : ESCAPES[escaped];
      if (decoded === undefined) {
        const shown = escaped === undefined ? '\\' : `\\${escaped}`;
        throw new SyntaxFailure(
          `unknown escape '${shown}' in a string; write '\\\\' for a backslash, '\\${quote}' for a quote`,
          at,
        );
      }
      value += decoded;
      at += 2;
    }
    if (at >= text.length) throw new SyntaxFailure(`unclosed string: add the closing ${quote}`, start);
    at++;
    return { kind: 'string', start, end: at, value };
  }

  function readRegex(): Token {
    const start = at;
    let inClass = false;
    at++;
    while (at < text.length && (inClass || text[at] !== '/')) {
      const char = text[at];
      if (char === '\\') at++;
      else if (char === '[') inClass = true;
      else if (char === ']') inClass = false;
      at++;
    }
    if (at >= text.length) throw new SyntaxFailure('unclosed regular expression: add the closing /', start);
    const source = text.slice(start + 1, at);
    if (source === '')
      throw new SyntaxFailure('empty regular expression: write a pattern between the slashes', start);
    at++;
    const flags = match(FLAGS) ?? '';
    const stateful = /[gy]/.exec(flags);
    if (stateful) {
      // A global or sticky RegExp remembers lastIndex between calls, so one compiled pattern would
      // alternate between pass and fail on the same value.
      throw new SyntaxFailure(
        `flag '${stateful[0]}' is not allowed: a condition tests each value once`,
        at + stateful.index,
      );
    }
    let pattern: RegExp;
    try {
      pattern = new RegExp(source, flags);
    } catch (error) {
      const reason = (error as Error).message.replace(/^.*: /, '');
      throw new SyntaxFailure(`invalid regular expression /${source}/${flags}: ${reason}`, start);
    }
    at += flags.length;
    return { kind: 'regex', start, end: at, pattern, text: `/${source}/${flags}` };
  }
}
