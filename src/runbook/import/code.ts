/**
 * Code blocks to commands. A runbook's fenced block usually holds several commands, each under a
 * comment that says what it does or when it applies ("# Si Nginx down"). This splits a block into
 * one chunk per command, keeping multi-line commands (backslash continuations, quoted SQL, SQL
 * statements up to their `;`) whole, and turning comment-only groups into instructions for a person.
 */
import { LEXICONS, normalise, wordPattern, wordsOf } from './lexicon/index.ts';

/** Chunk is one command (or one instruction) found in a code block. */
export interface Chunk {
  /** The command text as written, continuation lines included. */
  readonly run: string;
  /** 1-based source line of the command's first line. */
  readonly line: number;
  /** The comment above the command, without its numbering. */
  readonly description?: string;
  /** The condition from a "# If …" / "# Si …" comment governing the command. */
  readonly when?: string;
  /** What a healthy answer looks like ("# Expected: PONG", an example JSON body). */
  readonly expect?: string;
  /** Language hint for the classifier: the fence's language, or `sql` for a bare statement. */
  readonly lang: string;
  /** True when the chunk is a comment-only instruction ("# Dashboard → Logs"). */
  readonly prose?: boolean;
}

const SHELL_LANGS = new Set([
  '',
  'bash',
  'sh',
  'shell',
  'zsh',
  'console',
  'shell-session',
  'text',
  'txt',
  'plain',
  'cmd',
]);
const SQL_LANGS = new Set(['sql', 'psql', 'postgresql', 'postgres', 'pgsql', 'mysql', 'plpgsql']);
const SQL_START =
  /^(?:SELECT|UPDATE|DELETE|INSERT|WITH|VACUUM|EXPLAIN|CREATE|DROP|ALTER|TRUNCATE|GRANT|REVOKE|REINDEX|ANALYZE|BEGIN|COMMIT|SET|SHOW|CLUSTER|REFRESH|DO|COPY)\b/;
const CONDITION = wordPattern(
  LEXICONS.flatMap((lexicon) => lexicon.conditionPrefixes),
  '',
);
const EXPECTED = wordPattern(wordsOf((lexicon) => lexicon.roles, 'expected'));
const NUMBERING = /^(?:\d+[.)]|[-*•]|(?:step|etape|option)\s*\d+\s*[:.)-])\s*/i;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** conditionOf reads "Si deploy en cours:" / "If database issues:" as the condition text, or undefined. */
export function conditionOf(text: string): string | undefined {
  const stripped = text.replace(NUMBERING, '').trim();
  const normalised = normalise(stripped);
  const match = CONDITION.exec(normalised);
  if (match?.index !== 0) return undefined;
  // `on` and `when` also open ordinary sentences; only a short clause ending in ":" or "→" counts.
  const rest = stripped
    .slice(match[0].length)
    .trimEnd()
    .replace(/(?::|→|->)$/, '')
    .trim();
  if (rest === '') return undefined;
  const strong = /^(si|if|en cas de|in case of|lorsque)$/.test(match[0]);
  if (!strong && !/[:→]\s*$/.test(stripped)) return undefined;
  return rest;
}

/** commentText strips a comment marker (`#`, `--`, `//`) from a line, or gives undefined for code. */
function commentText(line: string, lang: string): string | undefined {
  const trimmed = line.trim();
  if (trimmed.startsWith('#!')) return undefined;
  if (trimmed.startsWith('#')) return trimmed.replace(/^#+\s?/, '');
  if (trimmed.startsWith('--') && (SQL_LANGS.has(lang) || !/^--\w/.test(trimmed)))
    return trimmed.replace(/^--+\s?/, '');
  if (trimmed.startsWith('//')) return trimmed.replace(/^\/\/+\s?/, '');
  return undefined;
}

/** Tracks quotes and dollar-quoting across lines so a quoted SQL string spanning lines stays one command. */
function openQuote(text: string, start: string | undefined): string | undefined {
  let quote = start;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === '\\' && quote === '"') i++;
      else if (quote === '$$' && text.startsWith('$$', i)) {
        quote = undefined;
        i++;
      } else if (ch === quote) quote = undefined;
    } else if (ch === '#' && (i === 0 || /\s/.test(text[i - 1]!))) break;
    else if (ch === '"' || ch === "'") quote = ch;
    else if (text.startsWith('$$', i)) {
      quote = '$$';
      i++;
    }
  }
  return quote;
}

const describe = (comments: string[]): string | undefined => {
  const texts = comments.map((comment) => comment.replace(NUMBERING, '').trim()).filter(Boolean);
  return texts.length > 0 ? texts.join(' — ') : undefined;
};

/** splitCode splits a code block into commands; `line` is the block's first content line. */
export function splitCode(text: string, lang: string, line: number): Chunk[] {
  const language = lang.toLowerCase();
  if (SQL_LANGS.has(language)) return splitStatements(text.split('\n'), line, 0, language).chunks;
  if (!SHELL_LANGS.has(language)) {
    const body = text.trimEnd();
    if (body.trim() === '') return [];
    const lines = body.split('\n');
    const comments = lines.filter((l) => commentText(l, language) !== undefined);
    const prose = comments.length === lines.filter((l) => l.trim() !== '').length;
    return [
      {
        run: prose ? comments.map((l) => commentText(l, language)!).join('\n') : body,
        line,
        lang: language,
        ...(prose ? { prose: true } : {}),
      },
    ];
  }
  return splitShell(text.split('\n'), line, language);
}

function splitShell(lines: string[], firstLine: number, lang: string): Chunk[] {
  const chunks: Mutable<Chunk>[] = [];
  let comments: { text: string; line: number }[] = [];
  let condition: string | undefined;
  let last: Mutable<Chunk> | undefined;
  let sinceBlank = false;

  const flushComments = (): void => {
    if (comments.length === 0) return;
    const texts = comments.map((c) => c.text);
    if (texts.length > 1 && texts.every((text) => /^\s*\d+[.)]\s/.test(text))) {
      // A numbered list written as comments: each line is its own instruction.
      for (const comment of comments) {
        chunks.push({
          run: comment.text.replace(NUMBERING, '').trim(),
          line: comment.line,
          lang,
          prose: true,
          ...(condition ? { when: condition } : {}),
        });
      }
      comments = [];
      return;
    }
    if (last && (EXPECTED.test(normalise(texts[0]!)) || /^\s*[{[]/.test(texts[0]!))) {
      last.expect = [last.expect, texts.join('\n')].filter(Boolean).join('\n');
    } else {
      const cleaned = texts.map((t) =>
        t
          .replace(NUMBERING, '')
          .replace(/^(?:→|->|=>)\s*/, '')
          .trim(),
      );
      const titled = cleaned.length > 1 && !/^(?:→|->|=>)/.test(texts[0]!.trim());
      const [head, ...rest] = titled ? cleaned : ['', ...cleaned];
      const instruction = rest.filter(Boolean).join('\n');
      if (instruction) {
        chunks.push({
          run: instruction,
          line: comments[titled ? 1 : 0]!.line,
          lang,
          prose: true,
          ...(head ? { description: head } : {}),
          ...(condition ? { when: condition } : {}),
        });
      }
    }
    comments = [];
  };

  let i = 0;
  while (i < lines.length) {
    const raw = lines[i]!;
    const lineNo = firstLine + i;
    if (raw.trim() === '') {
      flushComments();
      condition = undefined;
      sinceBlank = true;
      i++;
      continue;
    }
    const comment = commentText(raw, lang);
    if (comment !== undefined) {
      if (last && !sinceBlank && comments.length === 0) {
        // A comment right under a command speaks of that command's answer.
        if (EXPECTED.test(normalise(comment)) || /^\s*[{["]/.test(comment)) {
          last.expect = [last.expect, comment.replace(/^[^:]*:\s*/, '')].filter(Boolean).join('\n');
        } else {
          last.description = [last.description, comment.trim()].filter(Boolean).join(' — ');
        }
        i++;
        continue;
      }
      const when = conditionOf(comment);
      if (when) {
        flushComments();
        condition = when;
      } else comments.push({ text: comment, line: lineNo });
      i++;
      continue;
    }
    // A command: read on while a backslash, an open quote or an open SQL statement continues it.
    const start = i;
    let text = raw;
    const sqlStatement = SQL_START.test(raw.trim());
    if (sqlStatement) {
      const description = describe(comments.map((c) => c.text));
      comments = [];
      const { chunks: statements, next } = splitStatements(lines, firstLine, i, 'sql', true);
      for (const statement of statements) {
        chunks.push({
          ...statement,
          ...(description ? { description } : {}),
          ...(condition ? { when: condition } : {}),
        });
      }
      last = chunks[chunks.length - 1];
      sinceBlank = false;
      i = next;
      continue;
    }
    let quote = openQuote(raw, undefined);
    // Only the last line decides whether the command goes on, so a long command stays linear.
    while ((quote || /\\\s*$/.test(lines[i]!)) && i + 1 < lines.length) {
      i++;
      text += `\n${lines[i]}`;
      quote = openQuote(lines[i]!, quote);
    }
    // A bare `cd` only makes sense with the command after it; keep them together.
    while (
      /^\s*cd\s+\S+\s*$/.test(lines[i]!) &&
      i + 1 < lines.length &&
      lines[i + 1]!.trim() !== '' &&
      commentText(lines[i + 1]!, lang) === undefined
    ) {
      i++;
      text += `\n${lines[i]}`;
    }
    // Consecutive settings (`DB_POOL_SIZE=50`) are one change.
    if (/^\s*[A-Z][A-Z0-9_]*=\S*\s*$/.test(text)) {
      while (i + 1 < lines.length && /^\s*[A-Z][A-Z0-9_]*=\S*\s*$/.test(lines[i + 1]!)) {
        i++;
        text += `\n${lines[i]}`;
      }
    }
    const description = describe(comments.map((c) => c.text));
    comments = [];
    last = {
      run: text.trimEnd().replace(/^\s*\$\s+/, ''),
      line: firstLine + start,
      lang,
      ...(description ? { description } : {}),
      ...(condition ? { when: condition } : {}),
    };
    chunks.push(last);
    sinceBlank = false;
    i++;
  }
  flushComments();
  return chunks;
}

/**
 * Splits SQL into statements ending with `;`. With `single`, stops after the first statement
 * (a statement inside a shell block) and says where the shell text resumes.
 */
function splitStatements(
  lines: string[],
  firstLine: number,
  from: number,
  lang: string,
  single = false,
): { chunks: Chunk[]; next: number } {
  const chunks: Chunk[] = [];
  let comments: string[] = [];
  let buffer: string[] = [];
  let startLine = 0;
  let quote: string | undefined;
  let i = from;
  const emit = (): void => {
    const run = buffer.join('\n').trim();
    if (run) {
      const description = describe(comments);
      chunks.push({ run, line: firstLine + startLine, lang: 'sql', ...(description ? { description } : {}) });
    }
    buffer = [];
    comments = [];
  };
  for (; i < lines.length; i++) {
    const raw = lines[i]!;
    if (buffer.length === 0) {
      if (raw.trim() === '') {
        if (single) break;
        comments = [];
        continue;
      }
      const comment = commentText(raw, 'sql');
      if (comment !== undefined) {
        if (single) break;
        comments.push(comment);
        continue;
      }
      startLine = i;
    } else if (!quote && raw.trim() === '' && single) {
      break;
    }
    buffer.push(raw);
    quote = openQuote(raw.replace(/--.*$/, ''), quote);
    if (!quote && /;\s*(?:--.*)?$/.test(raw)) {
      emit();
      if (single) {
        i++;
        break;
      }
    }
  }
  emit();
  return { chunks: chunks.map((chunk) => ({ ...chunk, lang })), next: i };
}
