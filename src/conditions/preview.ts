/**
 * How explanations show a seen value: short, on one line, and never longer than needed. A value is
 * written as JSON (so `"PONG\n"` shows its newline and `"200"` shows it is a string), numbers carry
 * the unit of the literal they were compared with, and anything long is cut near 60 characters
 * without first serialising all of it: a 2 MB body costs no more to explain than a small one.
 */
import type { Dimension } from './condition.ts';

/** PREVIEW_LIMIT is about how many characters of a seen value an explanation shows. */
export const PREVIEW_LIMIT = 60;

const SUFFIX: Readonly<Record<Dimension, string>> = { duration: 'ms', size: 'B', percent: '%' };

/** previewValue writes a seen value for an explanation; `dimension` adds the unit a number was compared in. */
export function previewValue(value: unknown, dimension?: Dimension): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'number')
    return dimension ? formatNumber(value) + SUFFIX[dimension] : formatNumber(value);
  if (typeof value === 'string') return quote(value, 0);
  if (value === null || typeof value === 'boolean') return String(value);
  return compactJson(value);
}

/** previewAround writes a long string around a found part (`"…OK PONG done…"`), so a pass shows why. */
export function previewAround(value: string, index: number, length: number): string {
  if (value.length <= PREVIEW_LIMIT || length >= PREVIEW_LIMIT) return quote(value, 0);
  const start = Math.max(
    0,
    Math.min(index - Math.floor((PREVIEW_LIMIT - length) / 2), value.length - PREVIEW_LIMIT),
  );
  return quote(value, start);
}

/** formatNumber writes a number for people: whole as it is, else to three decimals (three significant digits below 1). */
export function formatNumber(value: number): string {
  if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
  // Three decimals are enough to judge a threshold; 85.33333333333333% would only add noise.
  return Math.abs(value) >= 1
    ? String(Math.round(value * 1000) / 1000)
    : String(Number(value.toPrecision(3)));
}

// A cut is marked with `…` on its side, so nobody takes a preview for the whole value.
function quote(value: string, start: number): string {
  if (start === 0 && value.length <= PREVIEW_LIMIT) return JSON.stringify(value);
  let from = start;
  let to = Math.min(value.length, start + PREVIEW_LIMIT);
  // Never split a surrogate pair: half an emoji would print as an escape.
  if (from > 0 && isLowSurrogate(value.charCodeAt(from))) from++;
  if (to < value.length && isLowSurrogate(value.charCodeAt(to))) to--;
  const inner = JSON.stringify(value.slice(from, to)).slice(1, -1);
  return `"${from > 0 ? '…' : ''}${inner}${to < value.length ? '…' : ''}"`;
}

const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;

// Writes JSON itself rather than calling JSON.stringify, to stop as soon as the limit is passed.
function compactJson(value: unknown): string {
  let out = '';
  const full = (): boolean => out.length > PREVIEW_LIMIT;
  const write = (item: unknown): void => {
    if (full()) return;
    if (Array.isArray(item)) {
      out += '[';
      for (let i = 0; i < item.length && !full(); i++) {
        if (i > 0) out += ',';
        write(item[i]);
      }
      out += ']';
    } else if (item instanceof Date) {
      out += Number.isNaN(item.getTime()) ? 'null' : JSON.stringify(item.toISOString());
    } else if (item !== null && typeof item === 'object') {
      out += '{';
      let first = true;
      for (const key in item) {
        if (full()) break;
        if (!Object.hasOwn(item, key)) continue;
        out += `${first ? '' : ','}${JSON.stringify(key)}:`;
        first = false;
        write((item as Record<string, unknown>)[key]);
      }
      out += '}';
    } else if (typeof item === 'string') {
      // Only the head can be shown, so only the head is escaped.
      out += JSON.stringify(item.length > PREVIEW_LIMIT ? item.slice(0, PREVIEW_LIMIT + 1) : item);
    } else if (typeof item === 'number' || typeof item === 'boolean' || typeof item === 'bigint') {
      out += String(item);
    } else {
      out += 'null';
    }
  };
  write(value);
  return out.length > PREVIEW_LIMIT ? `${out.slice(0, PREVIEW_LIMIT)}…` : out;
}
