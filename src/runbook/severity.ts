/**
 * Severity normalisation: every way runbooks name how bad an incident is (P0..P3, SEV1..SEV4,
 * CRITICAL/HIGH/MEDIUM/LOW in any lexicon's words, coloured dots) comes down to SEV1..SEV4.
 */
import { LEXICONS, normalise, wordPattern } from './import/lexicon/index.ts';
import { SEVERITIES, type Severity } from './schema.ts';

/** NormalisedSeverity is a severity with the words it was read from. */
export interface NormalisedSeverity {
  readonly id: Severity;
  readonly label: string;
}

const DOTS: Readonly<Record<string, Severity>> = {
  '🔴': 'SEV1',
  '🟥': 'SEV1',
  '🟠': 'SEV2',
  '🟧': 'SEV2',
  '🟡': 'SEV3',
  '🟨': 'SEV3',
  '🟢': 'SEV4',
  '🟩': 'SEV4',
  '🔵': 'SEV4',
};

const CODE = /\b(?:SEV\s*-?\s*([1-5])|P-?([0-4]))\b/i;
const DOT = new RegExp(Object.keys(DOTS).join('|'), 'u');
const WORDS = SEVERITIES.map((id) => ({
  id,
  pattern: wordPattern(LEXICONS.flatMap((lexicon) => lexicon.severities[id])),
}));

const clamp = (rank: number): Severity => SEVERITIES[Math.min(Math.max(rank, 0), 3)]!;

/** normaliseSeverity reads the first severity named in a text ("🔴 P0 (Critical)" → SEV1), or undefined. */
export function normaliseSeverity(text: string): NormalisedSeverity | undefined {
  const code = CODE.exec(text);
  if (code) {
    const id = code[1] !== undefined ? clamp(Number(code[1]) - 1) : clamp(Number(code[2]));
    return { id, label: code[0].replace(/\s+/g, '') };
  }
  const normalised = normalise(text);
  let best: { id: Severity; index: number; label: string } | undefined;
  for (const { id, pattern } of WORDS) {
    const match = pattern.exec(normalised);
    if (match && (!best || match.index < best.index)) best = { id, index: match.index, label: match[0] };
  }
  if (best)
    return { id: best.id, label: text.slice(best.index, best.index + best.label.length) || best.label };
  const dot = DOT.exec(text);
  if (dot) return { id: DOTS[dot[0]]!, label: dot[0] };
  return undefined;
}

/** severityMark reads only unmistakable marks (a coloured dot, SEV2, P1), for text such as a title where "low" or "high" may mean something else. */
export function severityMark(text: string): NormalisedSeverity | undefined {
  if (!CODE.test(text) && !DOT.test(text)) return undefined;
  const code = CODE.exec(text);
  if (code) return normaliseSeverity(code[0]);
  const dot = DOT.exec(text)!;
  return { id: DOTS[dot[0]]!, label: dot[0] };
}
