/**
 * Reading aids over the Markdown outline: clean titles, identifiers, bold labels ("**Symptômes:**"),
 * and the flattening of a section into the ordered labels and blocks the extractors walk.
 */

import { normalise } from './lexicon/index.ts';
import type { Block, Section } from './markdown.ts';
import { plainText } from './markdown.ts';

/** cleanTitle drops decoration from a heading: emoji and symbols, numbering ("3.1", "A."), stray punctuation. */
export function cleanTitle(title: string): string {
  return title
    .replace(/\uFFFD/g, '')
    .replace(/\p{Extended_Pictographic}|\p{Emoji_Modifier}|\u200d|\ufe0f|\u20e3/gu, '')
    .replace(/^\s*(?:\d+(?:\.\d+)*|[A-Z])[.)]\s+/, '')
    .replace(/^\s*\d+(?:\.\d+)+\s+/, '')
    .replace(/^[\s\-–—:•|]+|[\s\-–—:•|]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** trimEndOf drops trailing white space and the given characters, in linear time (a `[…]+$` pattern is not). */
export function trimEndOf(text: string, chars: string): string {
  let end = text.length;
  while (end > 0 && (chars.includes(text[end - 1]!) || /\s/.test(text[end - 1]!))) end--;
  return text.slice(0, end);
}

/** slugify makes an identifier from a title: ASCII, lower case, words joined by "-", at most 48 characters. */
export function slugify(text: string): string {
  const slug = normalise(text)
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const short = slug.length > 48 ? slug.slice(0, 48).replace(/-[^-]*$/, '') : slug;
  return short || 'item';
}

/** IdPool hands out unique identifiers, suffixing `-2`, `-3` on collisions. */
export class IdPool {
  private readonly used = new Set<string>();
  // Next suffix to try per base, so a document with thousands of alike titles stays linear.
  private readonly next = new Map<string, number>();
  /** take gives a free identifier made from the text. */
  take(text: string): string {
    const base = slugify(text);
    let id = base;
    let n = this.next.get(base) ?? 2;
    while (this.used.has(id)) id = `${base}-${n++}`;
    this.next.set(base, n);
    this.used.add(id);
    return id;
  }
}

/** Label is a bold label opening a line ("**Priorité:** 🔴 P0"), with the text after it. */
export interface Label {
  readonly label: string;
  readonly rest: string;
  readonly restRaw: string;
}

const LABEL = /^\s*(?:[-*]\s+)?\*\*([^*]+?)\*\*\s*:?\s*(.*)$/s;
const COLON_LABEL = /^\s*([^`]{2,40}?)\s*:\s+(.*)$/s;

/** labelOf reads a bold label at the start of a raw line; with `loose`, also "Label: value". */
export function labelOf(raw: string, loose = false): Label | undefined {
  const match = LABEL.exec(raw) ?? (loose ? COLON_LABEL.exec(raw) : null);
  if (!match) return undefined;
  const label = match[1]!.replace(/\s*:\s*$/, '').trim();
  if (!label || label.length > 60) return undefined;
  return { label, rest: plainText(match[2]!), restRaw: match[2]! };
}

/** Entry is one step of a section read in order: a label (heading or bold label) or a block. */
export type Entry =
  | {
      readonly kind: 'label';
      readonly label: string;
      readonly rest: string;
      readonly restRaw: string;
      readonly line: number;
      readonly heading: boolean;
    }
  | { readonly kind: 'block'; readonly block: Block };

/** entriesOf flattens a section and its sub-sections into labels and blocks, in document order. */
export function entriesOf(section: Section): Entry[] {
  const entries: Entry[] = [];
  const visit = (current: Section, top: boolean): void => {
    if (!top)
      entries.push({
        kind: 'label',
        label: current.title,
        rest: '',
        restRaw: '',
        line: current.line,
        heading: true,
      });
    for (const block of current.blocks) {
      if (block.type === 'paragraph') {
        // A paragraph may hold several "**Label:** value" lines joined by hard breaks.
        const lines = block.raw.split('\n');
        let pending: string[] = [];
        const flush = (offset: number): void => {
          if (pending.length === 0) return;
          const raw = pending.join('\n');
          entries.push({
            kind: 'block',
            block: { type: 'paragraph', raw, text: plainText(raw), line: block.line + offset },
          });
          pending = [];
        };
        lines.forEach((line, offset) => {
          const label = labelOf(line);
          if (label) {
            flush(offset - pending.length);
            entries.push({ kind: 'label', ...label, line: block.line + offset, heading: false });
          } else pending.push(line);
        });
        flush(lines.length - pending.length);
      } else entries.push({ kind: 'block', block });
    }
    for (const child of current.children) visit(child, false);
  };
  visit(section, true);
  return entries;
}

/** textsOf reads list items and paragraphs as plain strings (symptoms, causes, checklist lines). */
export function textsOf(block: Block): { text: string; line: number }[] {
  if (block.type === 'paragraph') return block.text ? [{ text: block.text, line: block.line }] : [];
  if (block.type === 'list') {
    return block.items.flatMap((item) => [
      ...(item.text ? [{ text: item.text, line: item.line }] : []),
      ...item.blocks.flatMap(textsOf),
    ]);
  }
  return [];
}
