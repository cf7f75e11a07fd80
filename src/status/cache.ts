/**
 * A short-lived cache for the status model: the page is public, so a burst of visitors must not each
 * run its hundreds of roll-up reads; concurrent requests share one build.
 */

/**
 * cachedFor wraps `build` so its answer is reused for `ttlMs` after it settles, and calls made while a
 * build runs wait for that build; a failed build is not kept.
 */
export function cachedFor<T>(
  build: () => Promise<T>,
  ttlMs: number,
  now: () => number = Date.now,
): () => Promise<T> {
  let cached: { value: T; at: number } | undefined;
  let running: Promise<T> | undefined;
  return () => {
    if (cached !== undefined && now() - cached.at < ttlMs) return Promise.resolve(cached.value);
    running ??= build().then(
      (value) => {
        cached = { value, at: now() };
        running = undefined;
        return value;
      },
      (error: unknown) => {
        running = undefined;
        throw error;
      },
    );
    return running;
  };
}
