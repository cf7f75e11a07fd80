/**
 * Parameters as values. A step's text names its parameters (TENANT_UUID, PID); here each occurrence
 * becomes a value in a place where it is data and nothing else: a SQL bind parameter, the inside of
 * one argv element, an environment variable a shell expands inside double quotes, an encoded part
 * of a URL. No value is ever parsed again as SQL, shell or a URL's structure.
 */

/** Params are a step's parameters by name, already validated by the caller. */
export type Params = Readonly<Record<string, string>>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** SHELL_PARAM_PREFIX prefixes the environment variable that carries a parameter into `/bin/sh -c`. */
export const SHELL_PARAM_PREFIX = 'VIGIE_PARAM_';

/** namesOf lists the usable parameter names, longest first so that one name never hides a longer one. */
function namesOf(params: Params | undefined): string[] {
  return Object.keys(params ?? {})
    .filter((name) => NAME.test(name))
    .sort((a, b) => b.length - a.length);
}

/** hasParams says whether a request carries any parameter. */
export function hasParams(params: Params | undefined): params is Params {
  return namesOf(params).length > 0;
}

/** tokenPattern matches a parameter name standing alone: not part of a longer identifier. */
function tokenPattern(names: readonly string[]): RegExp {
  return new RegExp(`(?<![A-Za-z0-9_$])(?:${names.join('|')})(?![A-Za-z0-9_])`, 'g');
}

/** fillWord replaces every parameter name standing alone in one word by its value, in one pass: the word stays one word. */
export function fillWord(
  word: string,
  params: Params | undefined,
  encode = (value: string) => value,
): string {
  const names = namesOf(params);
  if (names.length === 0) return word;
  return word.replace(tokenPattern(names), (name) => encode(params![name]!));
}

/** fillArgv fills parameters into each argument of an argv, never into the program, and never splits an element. */
export function fillArgv(argv: readonly string[], params: Params | undefined): string[] {
  return argv.map((word, index) => (index === 0 ? word : fillWord(word, params)));
}

/** fillUrl fills parameters, percent-encoded, into a URL's path and query; the scheme, host and port are left alone. */
export function fillUrl(url: string, params: Params | undefined): string {
  if (!hasParams(params)) return url;
  try {
    const parsed = new URL(url);
    const rest = url.slice(parsed.origin.length);
    return parsed.origin + fillWord(rest, params, encodeURIComponent);
  } catch {
    return url;
  }
}

/** BoundSql is one statement with its parameters as `$1, $2…`, their values, and the statement as shown to a person. */
export interface BoundSql {
  readonly text: string;
  readonly values: readonly string[];
  /** The statement with each value written as a SQL literal, for display only. */
  readonly shown: string;
}

/** sqlLiteral writes a value as a standard SQL string literal. */
export function sqlLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * bindSql turns every parameter of a statement into a bind parameter: `'TENANT_UUID'` (the whole
 * literal) and a bare TENANT_UUID (or `$TENANT_UUID`) outside quotes and comments become `$n`, the
 * same `$n` for the same name. A name inside a longer literal ('%TENANT_UUID%') cannot be bound, so
 * the statement is refused rather than run with the name as text.
 */
export function bindSql(sql: string, params: Params | undefined): BoundSql | { readonly problem: string } {
  const names = namesOf(params);
  if (names.length === 0) return { text: sql, values: [], shown: sql };
  const values: string[] = [];
  const slot = new Map<string, number>();
  const placeholder = (name: string): string => {
    let index = slot.get(name);
    if (index === undefined) {
      values.push(params![name]!);
      index = values.length;
      slot.set(name, index);
    }
    return `$${index}`;
  };
  const bare = new RegExp(
    `(?<![A-Za-z0-9_$])(?:\\$\\{(${names.join('|')})\\}|\\$?(${names.join('|')}))(?![A-Za-z0-9_])`,
    'g',
  );
  const inside = tokenPattern(names);
  let text = '';
  let shown = '';
  let code = '';
  const flushCode = (): void => {
    text += code.replace(bare, (_all, braced?: string, plain?: string) => placeholder((braced ?? plain)!));
    shown += code.replace(bare, (_all, braced?: string, plain?: string) =>
      sqlLiteral(params![(braced ?? plain)!]!),
    );
    code = '';
  };
  const keep = (piece: string): void => {
    flushCode();
    text += piece;
    shown += piece;
  };
  let i = 0;
  while (i < sql.length) {
    const c = sql.charAt(i);
    const dollar = c === '$' ? /^\$[A-Za-z_]?\w*\$/.exec(sql.slice(i, i + 64))?.[0] : undefined;
    if (c === '-' && sql.charAt(i + 1) === '-') {
      const newline = sql.indexOf('\n', i);
      const end = newline < 0 ? sql.length : newline;
      keep(sql.slice(i, end));
      i = end;
    } else if (c === '/' && sql.charAt(i + 1) === '*') {
      const close = sql.indexOf('*/', i + 2);
      const end = close < 0 ? sql.length : close + 2;
      keep(sql.slice(i, end));
      i = end;
    } else if (c === '"' || dollar !== undefined) {
      const quote = dollar ?? c;
      const close = sql.indexOf(quote, i + quote.length);
      const end = close < 0 ? sql.length : close + quote.length;
      const body = sql.slice(i, end);
      inside.lastIndex = 0;
      if (dollar !== undefined && inside.test(body)) return { problem: quotedProblem(body) };
      keep(body);
      i = end;
    } else if (c === "'") {
      let end = i + 1;
      for (;;) {
        const close = sql.indexOf("'", end);
        if (close < 0) {
          end = sql.length;
          break;
        }
        if (sql.charAt(close + 1) === "'") end = close + 2;
        else {
          end = close + 1;
          break;
        }
      }
      const literal = sql.slice(i, end);
      const content = literal.slice(1, -1).replaceAll("''", "'");
      if (slotName(content, names)) {
        flushCode();
        text += placeholder(content);
        shown += sqlLiteral(params![content]!);
      } else {
        inside.lastIndex = 0;
        if (inside.test(content)) return { problem: quotedProblem(literal) };
        keep(literal);
      }
      i = end;
    } else {
      code += c;
      i++;
    }
  }
  flushCode();
  return { text, values, shown };
}

function slotName(content: string, names: readonly string[]): boolean {
  return names.includes(content);
}

function quotedProblem(literal: string): string {
  return `a parameter inside the text ${literal} cannot be passed as a value: quote it alone ('NAME') or build the text in SQL ('%' || 'NAME' || '%')`;
}

/**
 * shellWithParams rewrites a line for `/bin/sh -c` so that each parameter name standing alone is read
 * from an environment variable the shell expands inside double quotes (one word, never re-split nor
 * re-parsed), and gives those variables. Inside single quotes the quote is closed around the expansion.
 */
export function shellWithParams(
  text: string,
  params: Params | undefined,
): { readonly script: string; readonly env: Record<string, string> } {
  const names = namesOf(params);
  const env: Record<string, string> = {};
  if (names.length === 0) return { script: text, env };
  const token = tokenPattern(names);
  const variable = (name: string): string => {
    env[`${SHELL_PARAM_PREFIX}${name}`] = params![name]!;
    return `${SHELL_PARAM_PREFIX}${name}`;
  };
  let script = '';
  let state: 'plain' | 'single' | 'double' = 'plain';
  let run = '';
  const flush = (): void => {
    script += run.replace(token, (name) => {
      const ref = `\${${variable(name)}}`;
      if (state === 'single') return `'"${ref}"'`;
      if (state === 'double') return ref;
      return `"${ref}"`;
    });
    run = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '\\' && state !== 'single') {
      run += text.slice(i, i + 2);
      i++;
    } else if (c === "'" && state !== 'double') {
      flush();
      script += c;
      state = state === 'single' ? 'plain' : 'single';
    } else if (c === '"' && state !== 'single') {
      flush();
      script += c;
      state = state === 'double' ? 'plain' : 'double';
    } else run += c;
  }
  flush();
  return { script, env };
}
