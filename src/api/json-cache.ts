/**
 * A short-lived cache of serialised answers for the hot list routes. At hundreds of requests a second
 * the same page of checks or incidents is asked for again and again; building and serialising it once
 * per interval (and sending the text as it is, past the schema serialiser) keeps each answer cheap. The
 * data is at most `ttlMs` old; live changes reach browsers through the event stream anyway.
 */

/** JsonCache remembers serialised answers by key for a short time. */
export class JsonCache {
  private readonly entries = new Map<string, { at: number; text: string }>();
  private readonly limit: number;
  private readonly now: () => number;

  constructor(now: () => number, limit = 200) {
    this.now = now;
    this.limit = limit;
  }

  /** get gives the answer for `key`, built by `build` and serialised when missing or older than `ttlMs`. */
  get(key: string, ttlMs: number, build: () => unknown): string {
    const now = this.now();
    const cached = this.entries.get(key);
    if (cached && now - cached.at < ttlMs && now >= cached.at) return cached.text;
    const text = JSON.stringify(build());
    if (this.entries.size >= this.limit) this.entries.clear();
    this.entries.set(key, { at: now, text });
    return text;
  }
}
