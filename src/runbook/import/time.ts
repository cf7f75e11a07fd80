/**
 * Amounts of time in prose ("15 min", "5-15 minutes", "1 day", "T+1h", "immédiat"), read with the
 * lexicons' unit words and written back in the author's own unit (`24h` stays `24h`, not `1d`).
 */
import { LEXICONS, normalise, wordPattern } from './lexicon/index.ts';

/** Amount is one amount of time: milliseconds, and the duration as the model writes it. */
export interface Amount {
  readonly ms: number;
  readonly written: string;
}

const UNIT_WORDS = Object.fromEntries(LEXICONS.flatMap((lexicon) => Object.entries(lexicon.timeUnits)));
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const INSTANT = wordPattern(LEXICONS.flatMap((lexicon) => lexicon.instant));
// Numbers are bounded (nine digits) and anchored after a non-digit so a long digit run cannot backtrack.
const AMOUNT =
  /(?<![\d.,])(\d{1,9}(?:[.,]\d{1,3})?)(?:\s*(?:-|–|à|a|to)\s*(\d{1,9}(?:[.,]\d{1,3})?))?\s*([a-z]+)/g;

/** amountsOfTime gives every amount of time a text names, ranges counting twice; "immédiat" counts as zero. */
export function amountsOfTime(text: string): Amount[] {
  const normalised = normalise(text);
  const amounts: Amount[] = [];
  for (const match of normalised.matchAll(AMOUNT)) {
    const unit = UNIT_WORDS[match[3]!];
    if (!unit) continue;
    for (const number of [match[1], match[2]]) {
      if (number === undefined) continue;
      const value = Number(number.replace(',', '.'));
      amounts.push({ ms: value * UNIT_MS[unit], written: `${value}${unit}` });
    }
  }
  if (INSTANT.test(normalised)) amounts.push({ ms: 0, written: '0m' });
  return amounts;
}

/** durationIn reads the first amount of time in a text as a duration, or undefined. */
export function durationIn(text: string): string | undefined {
  return amountsOfTime(text)[0]?.written;
}
