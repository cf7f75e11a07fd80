/**
 * Load shapes for bench/probes.ts, shared by both sides so they are driven the same way: saturation
 * (a fixed number of checks always in flight) or a fixed rate (checks started on a clock). Every
 * loop stops by itself at its deadline; what is in flight then is awaited and counted.
 */

/** Load is how checks are started: `concurrency` always in flight, or `rate` per second. */
export type Load =
  | { readonly kind: 'saturation'; readonly concurrency: number }
  | { readonly kind: 'rate'; readonly rate: number };

/** Driven counts what a load run completed. */
export interface Driven {
  /** Checks that completed, passing or not. */
  readonly completed: number;
  /** Checks that completed and passed. */
  readonly passed: number;
  /** From the first start to the last completion, in milliseconds. */
  readonly elapsedMs: number;
  /** Checks the rate load could not start because too many were still in flight. */
  readonly skipped: number;
}

// A rate run never holds more than this many checks in flight; beyond it a tick's checks are skipped.
const MAX_IN_FLIGHT = 2000;
export const TICK_MS = 5;

/** drive starts `once` per the load for `durationMs`, then waits for the checks still in flight. */
export async function drive(
  load: Load,
  durationMs: number,
  once: (slot: number) => Promise<boolean>,
): Promise<Driven> {
  let completed = 0;
  let passed = 0;
  let skipped = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  const count = (ok: boolean): void => {
    completed++;
    if (ok) passed++;
  };
  if (load.kind === 'saturation') {
    const worker = async (slot: number): Promise<void> => {
      while (performance.now() < deadline) count(await once(slot).catch(() => false));
    };
    await Promise.all(Array.from({ length: load.concurrency }, (_, slot) => worker(slot)));
  } else {
    const inFlight = new Set<Promise<void>>();
    let started = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now();
        const due = Math.floor((Math.min(now, deadline) - start) * (load.rate / 1000));
        while (started < due) {
          const slot = started++;
          if (inFlight.size >= MAX_IN_FLIGHT) {
            skipped++;
            continue;
          }
          const run: Promise<void> = once(slot)
            .catch(() => false)
            .then(count)
            .finally(() => inFlight.delete(run));
          inFlight.add(run);
        }
        if (now >= deadline) {
          clearInterval(timer);
          resolve();
        }
      }, TICK_MS);
    });
    await Promise.all(inFlight);
  }
  return { completed, passed, elapsedMs: performance.now() - start, skipped };
}
