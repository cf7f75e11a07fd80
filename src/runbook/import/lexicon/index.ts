import { english } from './en.ts';
import { french } from './fr.ts';
import type { Lexicon } from './types.ts';

export type { ChecklistKind, ColumnRole, Frequency, Lexicon, SectionRole } from './types.ts';

/** LEXICONS are the languages the importer reads; a runbook may mix them. */
export const LEXICONS: readonly Lexicon[] = [english, french];

/** normalise lowers case, strips accents and folds typographic quotes and spaces, for word matching. */
export function normalise(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\u2018\u2019\u02bc`]/g, "'")
    .replace(/[\u00a0\u2000-\u200b\u202f]/g, ' ')
    .replace(/[\u2010-\u2015]/g, '-')
    .toLowerCase();
}

const escapeRegExp = (word: string): string => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** wordPattern compiles words into one pattern that finds any of them as whole words of normalised text. */
export function wordPattern(words: readonly string[], flags = ''): RegExp {
  const sorted = [...new Set(words.map(normalise))].sort((a, b) => b.length - a.length);
  if (sorted.length === 0) return /(?!)/;
  return new RegExp(`(?<![a-z0-9])(?:${sorted.map(escapeRegExp).join('|')})(?![a-z0-9])`, flags);
}

type Table<R extends string> = (lexicon: Lexicon) => Readonly<Partial<Record<R, readonly string[]>>>;
const patterns = new Map<string, RegExp>();

/** wordsOf gathers, across every lexicon, the words a table gives one key. */
export function wordsOf<R extends string>(table: Table<R>, key: R): string[] {
  return LEXICONS.flatMap((lexicon) => table(lexicon)[key] ?? []);
}

/** roleOf gives the first candidate whose words appear in the text, in the candidates' order. */
export function roleOf<R extends string>(
  text: string,
  table: Table<R>,
  candidates: readonly R[],
  tableName: string,
): R | undefined {
  const normalised = normalise(text);
  for (const candidate of candidates) {
    const cacheKey = `${tableName}:${candidate}`;
    let pattern = patterns.get(cacheKey);
    if (!pattern) {
      pattern = wordPattern(wordsOf(table, candidate));
      patterns.set(cacheKey, pattern);
    }
    if (pattern.test(normalised)) return candidate;
  }
  return undefined;
}
