/**
 * How `vigie serve` runs its process. It is long-lived and may watch 10,000 checks, so it runs with a
 * young generation of 8 MB per semi-space (V8 sizes it up to 64 MB on a large machine, and a busy
 * engine touches all of it) and two glibc malloc arenas (one per thread otherwise, each holding freed
 * memory). Together they keep resident memory near the live data: at 10,000 checks every 10 s,
 * about 285 MB instead of 415 MB (bench/results/scale.txt). bin/vigie.js applies them by starting
 * `serve` in a child process; bench/scale.ts runs its engine with the same settings.
 */

/** SERVE_NODE_FLAGS are the Node/V8 flags of the serving process. */
export const SERVE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];

/** SERVE_ENV is the environment the serving process adds (values already set by the user win). */
export const SERVE_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** TUNED_MARK is set in the serving child's environment, so it does not start another. */
export const TUNED_MARK = 'VIGIE_SERVE_TUNED';
