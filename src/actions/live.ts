/**
 * A running step's output, passed on while it is printed: whole lines, masked, up to a byte budget.
 * A secret is only recognised whole, so text is held until its line ends (or, for a line that never
 * ends, all but a tail long enough to hold a secret) before it is masked and sent.
 */
import { StringDecoder } from 'node:string_decoder';

/** HELD_TAIL is how many characters of an unfinished long line are held back, so a secret is never sent in halves. */
const HELD_TAIL = 512;
/** LONG_LINE is the length past which an unfinished line is sent in part. */
const LONG_LINE = 8192;

/** LiveOutput turns raw output chunks into masked text for `send`, until `budget` bytes have gone. */
export class LiveOutput {
  readonly #send: (text: string) => void;
  readonly #mask: (text: string) => string;
  readonly #budget: number;
  readonly #decoder = new StringDecoder('utf8');
  #pending = '';
  #sent = 0;
  #closed = false;

  constructor(send: (text: string) => void, mask: (text: string) => string, budget: number) {
    this.#send = send;
    this.#mask = mask;
    this.#budget = budget;
  }

  /** write takes a chunk as the process printed it. */
  write(chunk: Buffer): void {
    if (this.#closed) return;
    this.#pending += this.#decoder.write(chunk);
    const end = this.#pending.lastIndexOf('\n');
    if (end >= 0) {
      this.#emit(this.#pending.slice(0, end + 1));
      this.#pending = this.#pending.slice(end + 1);
    } else if (this.#pending.length > LONG_LINE) {
      this.#emit(this.#pending.slice(0, -HELD_TAIL));
      this.#pending = this.#pending.slice(-HELD_TAIL);
    }
  }

  /** end sends what is left once the process has ended. */
  end(): void {
    if (this.#closed) return;
    const rest = this.#pending + this.#decoder.end();
    this.#pending = '';
    if (rest !== '') this.#emit(rest);
    this.#closed = true;
  }

  #emit(text: string): void {
    if (this.#closed) return;
    const masked = this.#mask(text);
    const room = this.#budget - this.#sent;
    const bytes = Buffer.byteLength(masked);
    if (bytes <= room) {
      this.#sent += bytes;
      this.#send(masked);
      return;
    }
    // Past the budget the live view stops; the stored outcome keeps the head and the tail.
    this.#closed = true;
    const head = Buffer.from(masked)
      .subarray(0, Math.max(0, room))
      .toString('utf8')
      .replace(/\uFFFD$/, '');
    this.#send(`${head}\n… (live output stops here; the run's record keeps the rest, capped)\n`);
  }
}
