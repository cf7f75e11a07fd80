/**
 * Redaction of captured output. Executors capture what a step prints into a Capture (`src/exec/`),
 * which keeps a fixed number of bytes whatever the step prints; `redact` then masks secrets and cuts
 * the text to the step's cap. Masking comes before the final cut, so the cut never splits a secret
 * the mask would have recognised; at the cuts made while capturing, where a secret may have been
 * split, the visible piece of any known secret value is masked too.
 */
import { Capture, cutMarker, type Keep, type Piece } from '../exec/capture.ts';
import { maskSecrets } from '../runbook/secrets.ts';

const MASK = '****';
// Prefixes shorter than this are too common to tell from ordinary text.
const MIN_PARTIAL = 3;

/** capture puts a text already in memory (a rendered table) into pieces of at most `limit` bytes. */
export function capture(text: string, limit: number, keep: Keep): Piece[] {
  const bounded = new Capture(limit, keep);
  bounded.write(text);
  return bounded.pieces();
}

/** Redacted is output ready to store: masked, at most the cap (plus cut markers), and whether anything was cut. */
export interface Redacted {
  readonly text: string;
  readonly truncated: boolean;
}

/**
 * redact masks `secrets` (and every secret maskSecrets recognises) in captured pieces, masks the part
 * of a secret value left visible beside a cut, joins the pieces with `[… N bytes cut]` markers and
 * cuts the result to `cap` bytes, keeping the start or both ends.
 */
export function redact(
  pieces: readonly Piece[],
  secrets: readonly string[],
  cap: number,
  keep: Keep,
): Redacted {
  const values = partialCandidates(secrets);
  const texts = pieces.map((piece) => (typeof piece === 'string' ? maskSecrets(piece, secrets) : piece));
  let joined = '';
  let truncated = false;
  texts.forEach((piece, index) => {
    if (typeof piece !== 'string') {
      truncated = true;
      joined += cutMarker(piece.omitted);
      return;
    }
    let text = piece;
    if (typeof texts[index - 1] === 'object') text = maskLeadingPartial(text, values);
    if (typeof texts[index + 1] === 'object') text = maskTrailingPartial(text, values);
    joined += text;
  });
  const bytes = Buffer.from(joined, 'utf8');
  if (bytes.length <= cap) return { text: joined, truncated };
  const limit = Math.max(0, Math.floor(cap));
  if (keep === 'head') {
    const end = charStart(bytes, limit);
    return { text: bytes.subarray(0, end).toString('utf8') + cutMarker(bytes.length - end), truncated: true };
  }
  const headEnd = charStart(bytes, Math.ceil(limit / 2));
  const tailStart = charStart(bytes, bytes.length - Math.floor(limit / 2));
  const text =
    bytes.subarray(0, headEnd).toString('utf8') +
    cutMarker(tailStart - headEnd) +
    bytes.subarray(tailStart).toString('utf8');
  return { text, truncated: true };
}

/** charStart moves a byte offset back to the start of the UTF-8 character it falls in. */
function charStart(bytes: Buffer, offset: number): number {
  let at = Math.min(Math.max(0, offset), bytes.length);
  while (at > 0 && at < bytes.length && ((bytes[at] ?? 0) & 0xc0) === 0x80) at--;
  return at;
}

/** partialCandidates are the secret values worth looking for in pieces, longest first. */
function partialCandidates(secrets: readonly string[]): string[] {
  return [...new Set(secrets.filter((value) => value.length > MIN_PARTIAL))].sort(
    (a, b) => b.length - a.length,
  );
}

/** maskTrailingPartial masks the start of a secret value that a cut left at the end of `text` (the longest such start). */
function maskTrailingPartial(text: string, values: readonly string[]): string {
  const length = longestPartial(values, text.length, (value, n) => text.endsWith(value.slice(0, n)));
  return length === 0 ? text : text.slice(0, text.length - length) + MASK;
}

/** maskLeadingPartial masks the end of a secret value that a cut left at the start of `text` (the longest such end). */
function maskLeadingPartial(text: string, values: readonly string[]): string {
  const length = longestPartial(values, text.length, (value, n) =>
    text.startsWith(value.slice(value.length - n)),
  );
  return length === 0 ? text : MASK + text.slice(length);
}

/** longestPartial gives the longest proper part of a value, at least MIN_PARTIAL long, that `matches`; 0 when none. */
function longestPartial(
  values: readonly string[],
  room: number,
  matches: (value: string, length: number) => boolean,
): number {
  let best = 0;
  for (const value of values) {
    for (let length = Math.min(value.length - 1, room); length >= Math.max(MIN_PARTIAL, best + 1); length--) {
      if (matches(value, length)) {
        best = length;
        break;
      }
    }
  }
  return best;
}

/** joinPieces lays texts and captured pieces end to end, merging neighbouring texts. */
export function joinPieces(...parts: readonly (string | readonly Piece[])[]): Piece[] {
  const joined: Piece[] = [];
  for (const piece of parts.flatMap((part) => (typeof part === 'string' ? [part] : part))) {
    const last = joined.at(-1);
    if (typeof piece === 'string' && typeof last === 'string') joined[joined.length - 1] = last + piece;
    else joined.push(piece);
  }
  return joined;
}
