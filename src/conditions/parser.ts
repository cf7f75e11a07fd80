/**
 * The recursive-descent parser of `expect:` conditions. Grammar, loosest first:
 *
 *   condition  := or
 *   or         := and ('or' and)*
 *   and        := unary ('and' unary)*
 *   unary      := 'not' unary | '(' or ')' | comparison
 *   comparison := operand ('==' | '!=' | '<' | '<=' | '>' | '>=' | 'contains' | '!contains') operand
 *               | operand ('matches' | '!matches') /regex/flags
 *   operand    := path | number[unit] | string | true | false | null
 *   path       := word ('.' word | '[' index ']' | '[' string ']')*
 *
 * Every error is found here or in the lexer, never at evaluation, and carries the column it is at.
 */
import {
  type AllOf,
  type AnyOf,
  type Condition,
  type Literal,
  type Operand,
  type Path,
  valuesPath,
} from './condition.ts';
import { readUnit, SyntaxFailure, type Token, tokenize, unknownUnit } from './lexer.ts';

/** ConditionError says why a condition does not parse, at which column (1-based) of which text. */
export interface ConditionError {
  readonly message: string;
  readonly column: number;
  readonly text: string;
}

/** IndexedConditionError is a ConditionError of one item in a list of conditions. */
export interface IndexedConditionError extends ConditionError {
  /** Position of the condition in the list given to `parseConditions`. */
  readonly index: number;
}

/** parseCondition parses one condition; it never throws, whatever the text. */
export function parseCondition(
  text: string,
): { ok: true; condition: Condition } | { ok: false; error: ConditionError } {
  if (text.trim() === '') {
    return {
      ok: false,
      error: { message: 'empty condition: write one such as status == 200', column: 1, text },
    };
  }
  try {
    return { ok: true, condition: parseTokens(text, tokenize(text)) };
  } catch (error) {
    if (!(error instanceof SyntaxFailure)) throw error;
    return { ok: false, error: { message: error.message, column: error.offset + 1, text } };
  }
}

/** parseConditions parses a check's `expect:` list and reports every error in it at once, with its index. */
export function parseConditions(
  list: readonly string[],
): { ok: true; conditions: Condition[] } | { ok: false; errors: IndexedConditionError[] } {
  const conditions: Condition[] = [];
  const errors: IndexedConditionError[] = [];
  list.forEach((text, index) => {
    const parsed = parseCondition(text);
    if (parsed.ok) conditions.push(parsed.condition);
    else errors.push({ ...parsed.error, index });
  });
  return errors.length === 0 ? { ok: true, conditions } : { ok: false, errors };
}

/** formatConditionError shows an error under its condition with a caret at the column, for terminals. */
export function formatConditionError(error: ConditionError): string {
  return `column ${error.column}: ${error.message}\n  ${error.text}\n  ${' '.repeat(error.column - 1)}^`;
}

// Deep enough for any real condition, shallow enough that random input cannot exhaust the stack.
const MAX_DEPTH = 64;

const KEYWORDS: ReadonlySet<string> = new Set([
  'and',
  'or',
  'not',
  'contains',
  'matches',
  'true',
  'false',
  'null',
]);

// Operators spelled as words in other tools (SQL, shell test, Python, LogQL).
const WORD_OPERATORS: Readonly<Record<string, string>> = {
  is: '==',
  eq: '==',
  equals: '==',
  ne: '!=',
  lt: '<',
  le: '<=',
  gt: '>',
  ge: '>=',
  contain: 'contains',
  includes: 'contains',
  has: 'contains',
  match: 'matches',
  like: 'matches',
};

// `True`, `None` or `NOT` would otherwise parse as paths and fail at every run, silently.
const SPELLINGS: Readonly<Record<string, string>> = {
  true: 'true',
  false: 'false',
  null: 'null',
  none: 'null',
  nil: 'null',
  and: 'and',
  or: 'or',
  not: 'not',
};

const fail = (message: string, offset: number): SyntaxFailure => new SyntaxFailure(message, offset);

function parseTokens(text: string, tokens: readonly Token[]): Condition {
  let index = 0;
  let depth = 0;
  const peek = (ahead = 0): Token => tokens[Math.min(index + ahead, tokens.length - 1)]!;
  const isWord = (token: Token, word: string): boolean => token.kind === 'word' && token.text === word;
  const isPunct = (token: Token, char: string): boolean => token.kind === 'punct' && token.char === char;
  const source = (token: Token): string => {
    if (token.kind === 'end') return 'the end';
    const written = text.slice(token.start, token.end);
    return `'${written.length > 24 ? `${written.slice(0, 24)}…` : written}'`;
  };
  const nest = (token: Token): void => {
    if (++depth > MAX_DEPTH) throw fail(`conditions nest deeper than ${MAX_DEPTH} levels`, token.start);
  };

  // `AND` where `and` belongs earns a suggestion rather than a generic complaint; between two
  // conditions only a joiner makes sense, so only a joiner is suggested there.
  const misspelt = (token: Token, between = false): string | undefined => {
    const spelling = token.kind === 'word' ? SPELLINGS[token.text.toLowerCase()] : undefined;
    if (!spelling || token.kind !== 'word' || spelling === token.text) return undefined;
    if (between && spelling !== 'and' && spelling !== 'or') return undefined;
    return `unknown word ${source(token)}; did you mean '${spelling}'?`;
  };
  const expected = (): string => {
    const before = index > 0 ? tokens[index - 1] : undefined;
    return before ? `a path or a value after ${source(before)}` : 'a condition';
  };

  const condition = parseOr();
  const rest = peek();
  if (rest.kind !== 'end') {
    if (isPunct(rest, ')')) throw fail("unexpected ')': no '(' is open", rest.start);
    throw fail(
      misspelt(rest, true) ??
        `unexpected ${source(rest)} after a complete condition; join conditions with 'and' or 'or'`,
      rest.start,
    );
  }
  return condition;

  function parseOr(): Condition {
    const parts: Condition[] = [];
    while (true) {
      const part = parseAnd();
      // `a or (b or c)` is `a or b or c`; flat parts keep explanations and canonical text simple.
      if (part.kind === 'or') parts.push(...part.parts);
      else parts.push(part);
      if (!isWord(peek(), 'or')) break;
      index++;
    }
    return parts.length === 1 ? parts[0]! : ({ kind: 'or', parts } satisfies AnyOf);
  }

  function parseAnd(): Condition {
    const parts: Condition[] = [];
    while (true) {
      const part = parseUnary();
      if (part.kind === 'and') parts.push(...part.parts);
      else parts.push(part);
      if (!isWord(peek(), 'and')) break;
      index++;
    }
    return parts.length === 1 ? parts[0]! : ({ kind: 'and', parts } satisfies AllOf);
  }

  function parseUnary(): Condition {
    const token = peek();
    if (isWord(token, 'not')) {
      index++;
      nest(token);
      const operand = parseUnary();
      depth--;
      return { kind: 'not', operand };
    }
    if (isPunct(token, '(')) {
      index++;
      nest(token);
      const inner = parseOr();
      depth--;
      const close = peek();
      if (isPunct(close, ')')) {
        index++;
        return inner;
      }
      if (close.kind === 'end') throw fail("unclosed '(': add the ')' that closes it", token.start);
      throw fail(
        misspelt(close, true) ??
          `expected 'and', 'or' or the ')' closing the '(' at column ${token.start + 1}, found ${source(close)}`,
        close.start,
      );
    }
    return parseComparison();
  }

  function parseComparison(): Condition {
    const left = parseOperand('left');
    const token = peek();
    if (token.kind === 'operator') {
      index++;
      if (token.operator === '!matches') return { kind: 'matches', negated: true, left, ...parsePattern() };
      if (token.operator === '!contains')
        return { kind: 'contains', negated: true, left, right: parseOperand('right') };
      return { kind: 'compare', operator: token.operator, left, right: parseOperand('right') };
    }
    if (isWord(token, 'contains')) {
      index++;
      return { kind: 'contains', negated: false, left, right: parseOperand('right') };
    }
    if (isWord(token, 'matches')) {
      index++;
      return { kind: 'matches', negated: false, left, ...parsePattern() };
    }
    const hint = token.kind === 'word' ? WORD_OPERATORS[token.text.toLowerCase()] : undefined;
    if (hint) throw fail(`unknown operator ${source(token)}; did you mean '${hint}'?`, token.start);
    const operators = '==, !=, <, <=, >, >=, contains, matches';
    if (token.kind === 'end') {
      throw fail(
        `incomplete condition: '${left.text}' needs an operator (${operators}) and a value`,
        token.start,
      );
    }
    throw fail(
      `expected an operator after '${left.text}', found ${source(token)}; operators are ${operators}`,
      token.start,
    );
  }

  function parsePattern(): { pattern: RegExp; text: string } {
    const token = peek();
    if (token.kind === 'regex') {
      index++;
      return { pattern: token.pattern, text: token.text };
    }
    if (token.kind === 'string') {
      throw fail(
        `'matches' takes a regular expression: write /${token.value}/ rather than a string`,
        token.start,
      );
    }
    throw fail(`expected a /regular expression/ after 'matches', found ${source(token)}`, token.start);
  }

  function parseOperand(side: 'left' | 'right'): Operand {
    const token = peek();
    switch (token.kind) {
      case 'number':
        index++;
        return token.dimension === undefined
          ? withSpacedUnit(token, side)
          : literal(token.value, token.text, token.dimension);
      case 'string':
        index++;
        return literal(token.value, JSON.stringify(token.value));
      case 'word': {
        if (token.text === 'true' || token.text === 'false') {
          index++;
          return literal(token.text === 'true', token.text);
        }
        if (token.text === 'null') {
          index++;
          return literal(null, 'null');
        }
        if (KEYWORDS.has(token.text))
          throw fail(`expected ${expected()}, found ${source(token)}`, token.start);
        const spelling = misspelt(token);
        if (spelling) throw fail(spelling, token.start);
        return parsePath();
      }
      case 'regex':
        throw fail("a /regular expression/ may only follow 'matches'", token.start);
      case 'end':
        throw fail(`incomplete condition: expected ${expected()}`, token.start);
      default:
        throw fail(`expected ${expected()}, found ${source(token)}`, token.start);
    }
  }

  // `2 s` and `512 MB` read naturally, so a unit may stand apart from its number. But a word that
  // starts a path, or that a comparison follows when the number already closes one, is no unit: it
  // is a missing `and`, which the caller reports as trailing text.
  function withSpacedUnit(number: Token & { kind: 'number' }, side: 'left' | 'right'): Literal {
    const unit = peek();
    const lower = unit.kind === 'word' ? unit.text.toLowerCase() : '';
    if (unit.kind !== 'word' || KEYWORDS.has(unit.text) || SPELLINGS[lower] || WORD_OPERATORS[lower]) {
      return literal(number.value, number.text);
    }
    const after = peek(1);
    const startsPath = isPunct(after, '.') || isPunct(after, '[');
    const startsComparison =
      after.kind === 'operator' || isWord(after, 'contains') || isWord(after, 'matches');
    if (startsPath || (side === 'right' && startsComparison)) return literal(number.value, number.text);
    const read = readUnit(number.text, unit.text);
    if (!read) throw unknownUnit(unit.text, unit.start);
    index++;
    return literal(read.value, number.text + unit.text, read.dimension);
  }

  function parsePath(): Path {
    const first = tokens[index++] as Token & { kind: 'word' };
    const accessor = (token: Token): boolean => isPunct(token, '.') || isPunct(token, '[');
    if (first.text === 'latency') {
      if (accessor(peek()))
        throw fail("'latency' is a number of milliseconds; it has no fields", peek().start);
      return { kind: 'path', root: 'latency', segments: [], text: 'latency' };
    }
    // `values.blocked` and `blocked` name the same value; the prefix is only a reader's aid.
    const prefixed = first.text === 'values' && accessor(peek());
    const segments: (string | number)[] = prefixed ? [] : [first.text];
    while (true) {
      const token = peek();
      if (isPunct(token, '.')) {
        index++;
        const key = peek();
        if (key.kind === 'word') {
          index++;
          segments.push(key.text);
        } else if (key.kind === 'number') {
          throw fail(`expected a field name after '.'; write [${key.text}] for an index`, key.start);
        } else {
          throw fail(`expected a field name after '.', found ${source(key)}`, key.start);
        }
      } else if (isPunct(token, '[')) {
        index++;
        segments.push(parseKey(token));
      } else {
        break;
      }
    }
    return valuesPath(segments, prefixed);
  }

  function parseKey(open: Token): string | number {
    const key = peek();
    let segment: string | number;
    if (
      key.kind === 'number' &&
      key.dimension === undefined &&
      Number.isInteger(key.value) &&
      key.value >= 0
    ) {
      segment = key.value;
    } else if (key.kind === 'number') {
      throw fail(`an index is a whole number from 0, such as [0]; found ${source(key)}`, key.start);
    } else if (key.kind === 'string') {
      segment = key.value;
    } else if (key.kind === 'end') {
      throw fail("unclosed '[': add an index and ']', such as [0] or [\"name\"]", open.start);
    } else {
      throw fail(
        `expected an index or a quoted key after '[', such as [0] or ["name"]; found ${source(key)}`,
        key.start,
      );
    }
    index++;
    const close = peek();
    if (isPunct(close, ']')) {
      index++;
      return segment;
    }
    if (close.kind === 'end') throw fail("unclosed '[': add the ']' that closes it", open.start);
    throw fail(
      `expected the ']' closing the '[' at column ${open.start + 1}, found ${source(close)}`,
      close.start,
    );
  }
}

function literal(value: Literal['value'], text: string, dimension?: Literal['dimension']): Literal {
  return dimension === undefined
    ? { kind: 'literal', value, text }
    : { kind: 'literal', value, dimension, text };
}
