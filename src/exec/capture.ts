/**
 * Output in bounded memory: a Capture keeps a fixed number of bytes of a stream whatever is written
 * to it, the start or both ends, and says where it cut. The command probe and every executor capture
 * into one; the executors' redaction (`src/actions/output.ts`) works on its pieces.
 */

/** Piece is captured text, or a cut where `omitted` bytes were dropped (undefined when the rest was never read). */
export type Piece = string | { readonly omitted: number | undefined };

/** Keep says which part of an over-long output matters: the start (a response, a table) or both ends (a log). */
export type Keep = 'head' | 'head-and-tail';

/**
 * Capture keeps at most `limit` bytes of a byte stream: the first `limit` bytes, or the first and the
 * last halves with a ring for the tail, in memory fixed at creation.
 */
export class Capture {
  /** Bytes written so far, kept or not. */
  total = 0;
  readonly #keep: Keep;
  readonly #head: Buffer;
  #headLength = 0;
  readonly #tailCap: number;
  #tail: Buffer | undefined;
  #tailEnd = 0;
  #tailLength = 0;

  constructor(limit: number, keep: Keep) {
    const size = Math.max(2, Math.floor(limit));
    this.#keep = keep;
    this.#head = Buffer.alloc(keep === 'head' ? size : Math.ceil(size / 2));
    this.#tailCap = keep === 'head' ? 0 : Math.floor(size / 2);
  }

  /** full tells whether a head-only capture has all it keeps, so a reader may stop reading. */
  get full(): boolean {
    return this.#keep === 'head' && this.#headLength === this.#head.length;
  }

  /** write adds bytes (a string is taken as UTF-8). */
  write(chunk: Buffer | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.total += bytes.length;
    const taken = bytes.copy(this.#head, this.#headLength);
    this.#headLength += taken;
    let rest = bytes.subarray(taken);
    if (rest.length === 0 || this.#tailCap === 0) return;
    // Allocated only for output longer than the head: most steps never need it.
    this.#tail ??= Buffer.alloc(this.#tailCap);
    if (rest.length >= this.#tailCap) {
      rest = rest.subarray(rest.length - this.#tailCap);
      rest.copy(this.#tail, 0);
      this.#tailEnd = 0;
      this.#tailLength = this.#tailCap;
      return;
    }
    const first = rest.copy(this.#tail, this.#tailEnd);
    rest.copy(this.#tail, 0, first);
    this.#tailEnd = (this.#tailEnd + rest.length) % this.#tailCap;
    this.#tailLength = Math.min(this.#tailCap, this.#tailLength + rest.length);
  }

  /** pieces gives what was kept; `unread` says the writer stopped before the end, so how much is missing is unknown. */
  pieces(unread = false): Piece[] {
    const head = this.#head.subarray(0, this.#headLength);
    const tail =
      this.#tail === undefined
        ? Buffer.alloc(0)
        : this.#tailLength < this.#tailCap
          ? this.#tail.subarray(0, this.#tailLength)
          : Buffer.concat([this.#tail.subarray(this.#tailEnd), this.#tail.subarray(0, this.#tailEnd)]);
    const omitted = this.total - head.length - tail.length;
    // Decoded together when nothing was cut, so a character split across the halves stays whole.
    if (omitted === 0 && !unread) return [Buffer.concat([head, tail]).toString('utf8')];
    const cut = { omitted: unread ? undefined : omitted };
    return tail.length === 0
      ? [head.toString('utf8'), cut]
      : [head.toString('utf8'), cut, tail.toString('utf8')];
  }

  /** text gives what was kept as one string, with `[… N bytes cut]` where bytes were dropped. */
  text(): string {
    return this.pieces()
      .map((piece) => (typeof piece === 'string' ? piece : cutMarker(piece.omitted)))
      .join('');
  }
}

/** cutMarker is the line that stands where output was cut: how many bytes, when known. */
export function cutMarker(omitted: number | undefined): string {
  return omitted === undefined ? '\n[… output cut]\n' : `\n[… ${omitted} bytes cut]\n`;
}
