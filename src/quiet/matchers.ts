/**
 * Label matchers in Alertmanager's syntax: `service=api`, `service!=api`, `service=~"api|web"`,
 * `severity!~"SEV[34]"`. Silences and maintenance windows select alerts with them. A matcher is
 * plain data (it is stored as JSON); its regular expression is compiled on first use.
 */

/** MatchOperator is equality, inequality, regex match or regex non-match. */
export type MatchOperator = '=' | '!=' | '=~' | '!~';

/** Matcher is one condition on one label. */
export interface Matcher {
  readonly name: string;
  readonly op: MatchOperator;
  readonly value: string;
}

/** Labels are an alert's label set; a label that is absent reads as "". */
export type Labels = Readonly<Record<string, string | undefined>>;

/** MatcherError says where a matcher text goes wrong (1-based column) and how to write it. */
export interface MatcherError {
  readonly message: string;
  readonly column: number;
  readonly fix: string;
  readonly text: string;
}

/** IndexedMatcherError is a MatcherError of one item in a list of matchers. */
export interface IndexedMatcherError extends MatcherError {
  readonly index: number;
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
// Unquoted values stop short of what would make a list or a sentence ambiguous.
const UNQUOTED = /[^\s",{}]*/y;
const EXAMPLE = 'write it like service=api, service!=api, service=~"api|web" or severity!~"SEV[34]"';

/** parseMatcher reads one matcher; it never throws, whatever the text. */
export function parseMatcher(
  text: string,
): { ok: true; matcher: Matcher } | { ok: false; error: MatcherError } {
  const fail = (at: number, message: string, fix = EXAMPLE) =>
    ({ ok: false, error: { message, column: at + 1, fix, text } }) as const;
  let at = skipSpaces(text, 0);
  if (at === text.length) return fail(at, 'empty matcher');

  NAME.lastIndex = at;
  const name = NAME.exec(text)?.[0];
  if (name === undefined) {
    return fail(at, `expected a label name, found '${text[at]}'`, 'label names are letters, digits and _');
  }
  at = skipSpaces(text, at + name.length);

  const op = (['=~', '!~', '!=', '='] as const).find((candidate) => text.startsWith(candidate, at));
  if (text.startsWith('==', at)) {
    return fail(
      at,
      "'==' is not a matcher operator",
      `use a single '=': ${name}=${text.slice(at + 2).trim()}`,
    );
  }
  if (op === undefined) {
    const found = at === text.length ? 'the end' : `'${text[at]}'`;
    return fail(at, `expected =, !=, =~ or !~ after '${name}', found ${found}`);
  }
  at = skipSpaces(text, at + op.length);

  const valueAt = at;
  let value: string;
  if (text[at] === '"') {
    const quoted = readQuoted(text, at);
    if (quoted === undefined) return fail(at, 'the quoted value is not closed', 'end the value with "');
    value = quoted.value;
    at = quoted.end;
  } else {
    UNQUOTED.lastIndex = at;
    value = UNQUOTED.exec(text)?.[0] ?? '';
    at += value.length;
    const stop = text[at];
    if (stop === ',') return fail(at, 'one matcher per entry', 'give each matcher its own entry in the list');
    if (stop === '"')
      return fail(at, 'a quote inside an unquoted value', `quote the whole value: ${name}${op}"…"`);
    if (stop !== undefined && skipSpaces(text, at) < text.length) {
      const rest = text.slice(valueAt).trim().replaceAll('"', '\\"');
      return fail(at, 'a value with spaces or braces must be quoted', `write ${name}${op}"${rest}"`);
    }
  }
  at = skipSpaces(text, at);
  if (at < text.length) {
    return fail(at, `unexpected '${text.slice(at)}' after the value`, 'write one matcher per entry');
  }

  const matcher: Matcher = { name, op, value };
  if (op === '=~' || op === '!~') {
    const problem = regexProblem(value);
    if (problem !== undefined) {
      return fail(
        valueAt,
        `invalid regular expression: ${problem}`,
        'check brackets and parentheses; escape a literal . * + ? ( ) [ ] | with \\',
      );
    }
  }
  return { ok: true, matcher };
}

/** parseMatchers reads a list of matchers, reporting every bad entry at once. */
export function parseMatchers(
  texts: readonly string[],
): { ok: true; matchers: Matcher[] } | { ok: false; errors: IndexedMatcherError[] } {
  const matchers: Matcher[] = [];
  const errors: IndexedMatcherError[] = [];
  texts.forEach((text, index) => {
    const parsed = parseMatcher(text);
    if (parsed.ok) matchers.push(parsed.matcher);
    else errors.push({ ...parsed.error, index });
  });
  return errors.length === 0 ? { ok: true, matchers } : { ok: false, errors };
}

/** formatMatcher writes a matcher back as text that parseMatcher reads as the same matcher. */
export function formatMatcher(matcher: Matcher): string {
  const escaped = matcher.value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
  return `${matcher.name}${matcher.op}"${escaped}"`;
}

/** formatMatcherError shows an error under its matcher with a caret at the column, for terminals. */
export function formatMatcherError(error: MatcherError): string {
  return `column ${error.column}: ${error.message}\n  ${error.text}\n  ${' '.repeat(error.column - 1)}^\n  fix: ${error.fix}`;
}

/** matchesOne says whether one matcher holds for a label set (an absent label is ""). */
export function matchesOne(matcher: Matcher, labels: Labels): boolean {
  const value = labels[matcher.name] ?? '';
  switch (matcher.op) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    case '=~':
      return compile(matcher.value).test(value);
    case '!~':
      return !compile(matcher.value).test(value);
  }
}

/** matches says whether every matcher holds for a label set; an empty list matches everything. */
export function matches(matchers: readonly Matcher[], labels: Labels): boolean {
  return matchers.every((matcher) => matchesOne(matcher, labels));
}

function skipSpaces(text: string, at: number): number {
  while (at < text.length && /\s/.test(text[at]!)) at++;
  return at;
}

// `\"`, `\\` and `\n` are escapes; any other backslash is kept, so `"\d+"` is the regex \d+.
function readQuoted(text: string, open: number): { value: string; end: number } | undefined {
  let value = '';
  for (let at = open + 1; at < text.length; at++) {
    const char = text[at]!;
    if (char === '"') return { value, end: at + 1 };
    if (char === '\\' && at + 1 < text.length) {
      const next = text[at + 1]!;
      if (next === '"' || next === '\\') value += next;
      else if (next === 'n') value += '\n';
      else value += `\\${next}`;
      at++;
    } else {
      value += char;
    }
  }
  return undefined;
}

// Anchored as Alertmanager anchors: `api` matches "api", never "api-gateway".
const anchored = (source: string): RegExp => new RegExp(`^(?:${source})$`);

function regexProblem(source: string): string | undefined {
  try {
    anchored(source);
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '');
  }
}

// Matchers are data, so their regexes are compiled once here; the bound keeps hostile input from
// growing the cache without limit.
const compiled = new Map<string, RegExp>();
const MAX_COMPILED = 1000;

function compile(source: string): RegExp {
  let regex = compiled.get(source);
  if (regex === undefined) {
    // A stored matcher whose regex no longer compiles matches nothing rather than throwing mid-pipeline.
    regex = regexProblem(source) === undefined ? anchored(source) : /(?!)/;
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(source, regex);
  }
  return regex;
}
