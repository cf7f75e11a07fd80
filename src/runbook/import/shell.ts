/**
 * Tokenizing for the step classifier (classify.ts): a line of shell cut into commands, their words,
 * redirects, here-documents and substitutions; SQL cut into statements; a step cut into the commands
 * the safety net reads. Nothing here decides a risk. Every loop moves forward through its text, so
 * the work is linear in the input however it is quoted or nested.
 */

export interface Redirect {
  readonly op: string;
  readonly target: string;
}

export interface Command {
  words: string[];
  redirects: Redirect[];
  /** Body of a here-document (`psql <<EOF … EOF`), or of a here-string. */
  heredoc?: string;
  /** Reads the previous command's output (`… | psql`). */
  piped: boolean;
  /** The command whose output it reads, when piped. */
  source?: Command;
  /** `$(…)` and backtick commands inside its words; they run too. */
  substitutions: string[];
}

const newCommand = (source?: Command): Command =>
  source === undefined
    ? { words: [], redirects: [], piped: false, substitutions: [] }
    : { words: [], redirects: [], piped: true, source, substitutions: [] };

/** parseShell reads one logical line of shell from `start` (quotes and pipes may span lines). */
export function parseShell(text: string, start: number): { commands: Command[]; end: number } {
  const commands: Command[] = [];
  const heredocs: { command: Command; delimiter: string; strip: boolean }[] = [];
  let command = newCommand();
  let word: string | null = null;
  let redirect: string | null = null;
  let continued = false;
  let i = start;
  const n = text.length;

  const endWord = (): void => {
    if (word === null) return;
    if (redirect === '<<' || redirect === '<<-')
      heredocs.push({ command, delimiter: word, strip: redirect === '<<-' });
    else if (redirect === '<<<') command.heredoc = word;
    else if (redirect !== null) {
      if (!(/^[<>]&$/.test(redirect) && /^(?:\d+|-)$/.test(word)))
        command.redirects.push({ op: redirect.replace('&', ''), target: word });
    } else command.words.push(word);
    redirect = null;
    word = null;
    continued = false;
  };
  const endCommand = (pipedNext: boolean): void => {
    endWord();
    if (command.words.length > 0 || command.redirects.length > 0 || command.heredoc !== undefined)
      commands.push(command);
    else if (heredocs.at(-1)?.command === command) commands.push(command); // only a here-document
    command = newCommand(pipedNext ? command : undefined);
  };

  while (i < n) {
    const c = text.charAt(i);
    if (c === ' ' || c === '\t' || c === '\r') {
      endWord();
      i++;
    } else if (c === '\n') {
      endWord(); // first: a word in progress ends here, even right after a pipe (`… | wc⏎rm -rf /`)
      if (continued || redirect !== null) {
        i++;
        continue;
      }
      endCommand(false);
      i++;
      for (const h of heredocs) {
        const body: string[] = [];
        while (i < n) {
          let lineEnd = text.indexOf('\n', i);
          if (lineEnd < 0) lineEnd = n;
          const line = text.slice(i, lineEnd);
          i = lineEnd + 1;
          if ((h.strip ? line.replace(/^\t+/, '') : line).trim() === h.delimiter) break;
          body.push(line);
        }
        h.command.heredoc = body.join('\n');
      }
      return { commands, end: Math.min(i, n) };
    } else if (c === '#' && word === null) {
      const lineEnd = text.indexOf('\n', i);
      i = lineEnd < 0 ? n : lineEnd;
    } else if (c === "'") {
      const close = text.indexOf("'", i + 1);
      const end = close < 0 ? n : close;
      word = (word ?? '') + text.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let buffer = '';
      while (j < n && text.charAt(j) !== '"') {
        const d = text.charAt(j);
        if (d === '\\' && j + 1 < n && '"\\$`\n'.includes(text.charAt(j + 1))) {
          if (text.charAt(j + 1) !== '\n') buffer += text.charAt(j + 1);
          j += 2;
        } else if (d === '$' && text.charAt(j + 1) === '(') {
          const end = closeParen(text, j + 1);
          command.substitutions.push(text.slice(j + 2, end - 1));
          buffer += text.slice(j, end);
          j = end;
        } else {
          buffer += d;
          j++;
        }
      }
      word = (word ?? '') + buffer;
      i = j + 1;
    } else if (c === '\\') {
      if (text.charAt(i + 1) !== '\n') word = (word ?? '') + text.charAt(i + 1);
      i += 2;
    } else if (c === '$' && text.charAt(i + 1) === '(') {
      const end = closeParen(text, i + 1);
      command.substitutions.push(text.slice(i + 2, end - 1));
      word = (word ?? '') + text.slice(i, end);
      i = end;
    } else if (c === '`') {
      const close = text.indexOf('`', i + 1);
      const end = close < 0 ? n : close;
      command.substitutions.push(text.slice(i + 1, end));
      word = (word ?? '') + text.slice(i, end + 1);
      i = end + 1;
    } else if (c === '<' || c === '>' || (c === '&' && text.charAt(i + 1) === '>')) {
      // `<PID>`, `https://<api-url>/x`: a placeholder written in angle brackets is part of a word.
      const placeholder = c === '<' ? /^<[A-Za-z_][\w.-]*>/.exec(text.slice(i, i + 64)) : null;
      if (placeholder) {
        word = (word ?? '') + placeholder[0];
        i += placeholder[0].length;
        continue;
      }
      if (word !== null && /^\d+$/.test(word)) word = null; // a file descriptor: `2>`
      endWord();
      const op = /^(?:<<<|<<-|<<|<>|<&|<|&>>|&>|>>|>&|>\||>)/.exec(text.slice(i, i + 3))![0];
      i += op.length;
      redirect = op.startsWith('&>') ? op.slice(1) : op === '>|' ? '>' : op;
    } else if (c === '|' || c === '&' || c === ';' || c === '(' || c === ')') {
      endWord();
      if (c === '|' && text.charAt(i + 1) !== '|') {
        endCommand(true);
        i += text.charAt(i + 1) === '&' ? 2 : 1;
        continued = true;
      } else if ((c === '|' || c === '&') && text.charAt(i + 1) === c) {
        endCommand(false);
        i += 2;
        continued = true;
      } else {
        endCommand(false);
        i += c === ';' && text.charAt(i + 1) === ';' ? 2 : 1;
      }
    } else {
      word = (word ?? '') + c;
      i++;
    }
  }
  endCommand(false);
  return { commands, end: n };
}

/** closeParen gives the index after the `)` matching the `(` at `open`, respecting quotes. */
function closeParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === "'" || c === '"') {
      const close = text.indexOf(c, i + 1);
      if (close < 0) return text.length;
      i = close;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  return text.length;
}

/** skipOptions steps over `-x`, `--flag`, and the values of the options in `withValue`. */
export function skipOptions(words: readonly string[], from: number, withValue: ReadonlySet<string>): number {
  let i = from;
  while (i < words.length) {
    const w = words[i]!;
    if (w === '--') return i + 1;
    if (!w.startsWith('-') || w === '-') return i;
    i += withValue.has(w) ? 2 : 1;
  }
  return i;
}

/** sqlEnd finds where a bare statement ends: after a line ending in `;`, before a blank line or a comment. */
export function sqlEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length) {
    let lineEnd = text.indexOf('\n', i);
    if (lineEnd < 0) lineEnd = text.length;
    const line = text.slice(i, lineEnd).trim();
    if (i > start && (line === '' || line.startsWith('#'))) return i;
    i = lineEnd + 1;
    if (/;\s*$|;\s*--/.test(line)) return Math.min(i, text.length);
  }
  return text.length;
}

/**
 * splitSql drops comments and splits on `;` outside quotes and dollar-quotes; a psql meta-command
 * (`\dt`, `\! rm …`) at the start of a statement ends at the end of its line.
 */
export function splitSql(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let blank = true;
  let i = 0;
  while (i < sql.length) {
    const c = sql.charAt(i);
    if (c === '\\' && blank) {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? sql.length : end;
      statements.push(current, sql.slice(i, stop));
      current = '';
      i = stop;
    } else if (c === '-' && sql.charAt(i + 1) === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
    } else if (c === '/' && sql.charAt(i + 1) === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
      current += ' ';
    } else if (c === "'" || c === '"' || (c === '$' && /^\$\w*\$/.test(sql.slice(i, i + 32)))) {
      const quote = c === '$' ? /^\$\w*\$/.exec(sql.slice(i, i + 32))![0] : c;
      const end = sql.indexOf(quote, i + quote.length);
      const stop = end < 0 ? sql.length : end + quote.length;
      current += sql.slice(i, stop);
      blank = false;
      i = stop;
    } else if (c === ';') {
      statements.push(current);
      current = '';
      blank = true;
      i++;
    } else {
      current += c;
      if (blank && !/\s/.test(c)) blank = false;
      i++;
    }
  }
  statements.push(current);
  return statements.map((s) => s.replace(/\s+/g, ' ').trim()).filter((s) => s !== '');
}

/** A command of a step as the safety net sees it, and what ended it (`|`, `;`, `&&`, a new line, or nothing). */
export interface Segment {
  readonly text: string;
  readonly separator: string;
}

/**
 * splitCommands cuts text at new lines and at `;`, `|`, `&` (and `&&`, `||`) outside quotes. Unlike
 * parseShell, a quote never spans lines here, so a command written after an unclosed quote is still
 * found: the safety net would rather read too much than miss a command.
 */
export function splitCommands(text: string): Segment[] {
  const segments: Segment[] = [];
  let start = 0;
  let quote = '';
  let i = 0;
  const cut = (end: number, separator: string): void => {
    segments.push({ text: text.slice(start, end), separator });
  };
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === '\n') {
      cut(i, '\n');
      quote = '';
      start = ++i;
    } else if (quote !== '') {
      if (c === '\\' && quote === '"' && text.charAt(i + 1) !== '\n') i++;
      else if (c === quote) quote = '';
      i++;
    } else if (c === '"' || c === "'") {
      quote = c;
      i++;
    } else if (c === '\\' && text.charAt(i + 1) !== '\n') i += 2;
    else if (c === ';' || c === '|' || c === '&') {
      const separator = text.charAt(i + 1) === c ? c + c : c;
      cut(i, separator);
      i += separator.length;
      start = i;
    } else i++;
  }
  cut(text.length, '');
  return segments;
}
