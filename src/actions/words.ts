/**
 * Shell words without a shell: `$VAR` references expanded from a table of variables, a simple
 * command cut into an argv, and words quoted back for display. A simple command is one program and
 * its arguments; anything a shell would have to interpret (a pipe, a redirection, `&&`, `;`, `$(…)`,
 * a glob) is reported instead of approximated, so that an argv run does what the text says or not at all.
 */

/** Vars are the values `$VAR` references read; undefined means unset. */
export type Vars = Readonly<Record<string, string | undefined>>;

/** variables gives the process environment overlaid with `env` (where undefined unsets a variable). */
export function variables(env: Vars): Vars {
  return { ...process.env, ...env };
}

/** Expanded is a text with its references replaced, and the names it read or found unset. */
export interface Expanded {
  readonly text: string;
  readonly used: readonly string[];
  readonly missing: readonly string[];
}

const REFERENCE = /\$\{([A-Za-z_]\w*)(?:(:?-)([^}]*))?\}|\$([A-Za-z_]\w*)/g;

/** expand replaces `$NAME`, `${NAME}` and `${NAME:-default}` in a word already unquoted; an unset name expands to nothing and is listed missing. */
export function expand(word: string, vars: Vars): Expanded {
  const used: string[] = [];
  const missing: string[] = [];
  const text = word.replace(
    REFERENCE,
    (_all, braced?: string, op?: string, fallback?: string, bare?: string) => {
      const name = (braced ?? bare)!;
      const value = vars[name];
      used.push(name);
      if (op !== undefined && (value === undefined || (op === ':-' && value === ''))) return fallback ?? '';
      if (value === undefined) missing.push(name);
      return value ?? '';
    },
  );
  return { text, used, missing };
}

/** referencedNames lists the variable names a text refers to, in order, once each. */
export function referencedNames(text: string): string[] {
  return [...new Set([...text.matchAll(REFERENCE)].map((match) => (match[1] ?? match[4])!))];
}

/** SimpleCommand is a step's text as an argv, or the shell feature that keeps it from being one. */
export type SimpleCommand =
  | { readonly argv: string[]; readonly used: readonly string[]; readonly missing: readonly string[] }
  | { readonly feature: string };

const OPERATORS: Readonly<Record<string, string>> = {
  '|': 'a pipe',
  '&': '`&` or `&&`',
  ';': '`;`',
  '<': 'a redirection',
  '>': 'a redirection',
  '(': 'a subshell',
  ')': 'a subshell',
  '`': 'a command substitution',
};

/**
 * simpleCommand cuts `text` into an argv as `sh` would: quotes removed, backslash-newline joining
 * lines, `$VAR` expanded (split into words when unquoted), `~` as HOME. It gives the first feature
 * only a shell can run instead: an operator, `$(…)`, a glob, a variable assignment, a second line.
 */
export function simpleCommand(text: string, vars: Vars): SimpleCommand {
  const argv: string[] = [];
  const used: string[] = [];
  const missing: string[] = [];
  let word: string | null = null;
  const end = (): void => {
    if (word !== null) argv.push(word);
    word = null;
  };
  const reference = (at: number): { value: string; length: number } | string => {
    const next = text.charAt(at + 1);
    if (next === '(') return 'a command substitution';
    if (/[?$!#*@0-9-]/.test(next)) return `the special parameter $${next}`;
    const match = new RegExp(REFERENCE.source, 'y');
    match.lastIndex = at;
    const found = match.exec(text);
    if (!found) return { value: '$', length: 1 };
    const expanded = expand(found[0], vars);
    used.push(...expanded.used);
    missing.push(...expanded.missing);
    return { value: expanded.text, length: found[0].length };
  };
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charAt(i);
    if (c === ' ' || c === '\t' || c === '\r') {
      end();
      i++;
    } else if (c === '\n') {
      end();
      const rest = text.slice(i).trim();
      if (rest !== '' && !rest.startsWith('#')) return { feature: 'a second command line' };
      break;
    } else if (c === '#' && word === null) {
      const newline = text.indexOf('\n', i);
      i = newline < 0 ? n : newline;
    } else if (c === '\\') {
      if (text.startsWith('\r\n', i + 1)) i += 3;
      else if (text.charAt(i + 1) === '\n') i += 2;
      else {
        word = (word ?? '') + text.charAt(i + 1);
        i += 2;
      }
    } else if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) return { feature: 'an unclosed quote' };
      word = (word ?? '') + text.slice(i + 1, close);
      i = close + 1;
    } else if (c === '"') {
      let j = i + 1;
      let buffer = '';
      for (;;) {
        if (j >= n) return { feature: 'an unclosed quote' };
        const d = text.charAt(j);
        if (d === '"') break;
        if (d === '\\' && '"\\$`\n'.includes(text.charAt(j + 1))) {
          if (text.charAt(j + 1) !== '\n') buffer += text.charAt(j + 1);
          j += 2;
        } else if (d === '$') {
          const found = reference(j);
          if (typeof found === 'string') return { feature: found };
          buffer += found.value;
          j += found.length;
        } else if (d === '`') {
          return { feature: 'a command substitution' };
        } else {
          buffer += d;
          j++;
        }
      }
      word = (word ?? '') + buffer;
      i = j + 1;
    } else if (c === '$') {
      const found = reference(i);
      if (typeof found === 'string') return { feature: found };
      // Unquoted, an expansion is split into words, as `sh` does, and an empty one is no word at all.
      const value = found.value;
      if (!/[ \t\n]/.test(value)) {
        if (value !== '' || word !== null) word = (word ?? '') + value;
      } else {
        value.split(/[ \t\n]+/).forEach((part, index) => {
          if (index > 0) end();
          if (part !== '') word = (word ?? '') + part;
        });
      }
      i += found.length;
    } else if (OPERATORS[c] !== undefined) {
      return { feature: OPERATORS[c] };
    } else if (c === '*' || c === '?' || c === '[') {
      return { feature: `a glob (${c})` };
    } else if (c === '~' && word === null && /^(?:[/\s]|$)/.test(text.charAt(i + 1))) {
      word = vars.HOME ?? '~';
      i++;
    } else {
      word = (word ?? '') + c;
      i++;
    }
  }
  end();
  if (argv[0] !== undefined && /^[A-Za-z_]\w*=/.test(argv[0])) return { feature: 'a variable assignment' };
  return { argv, used, missing };
}

/** quoteWord writes a word so that a shell would read it back unchanged; `$VAR` references stay readable. */
export function quoteWord(word: string): string {
  if (word !== '' && /^[\w@%+=:,./${}-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** displayWords joins words into one command line for display. */
export function displayWords(words: readonly string[]): string {
  return words.map(quoteWord).join(' ');
}
