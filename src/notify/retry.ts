/**
 * How long to wait before trying a failed notification again: exponential backoff with full jitter,
 * so that many messages failing together (a provider outage) do not retry in step.
 */

/** RETRY_LIMIT is how many attempts a notification gets before it is given up (with the defaults, at most about 19 minutes of waiting in all, half that on average). */
export const RETRY_LIMIT = 12;

/** BackoffOptions tunes backoffDelay; `random` returns a number in [0, 1), Math.random by default. */
export interface BackoffOptions {
  /** Ceiling of the first delay, in milliseconds; 1000 by default. */
  base?: number;
  /** Largest ceiling, in milliseconds; 300000 (5 minutes) by default. */
  max?: number;
  random?: () => number;
}

/**
 * backoffDelay gives the milliseconds to wait after failed attempt number `attempt` (1 for the first):
 * a uniform draw between 0 and min(max, base × 2^(attempt − 1)).
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.base ?? 1000;
  const max = options.max ?? 300_000;
  const random = options.random ?? Math.random;
  const exponent = Number.isNaN(attempt) ? 0 : Math.max(0, Math.floor(attempt) - 1);
  // 2 ** exponent overflows to Infinity past ~1024, which min() turns back into max.
  const ceiling = Math.min(max, base * 2 ** exponent);
  const draw = Math.min(Math.max(random(), 0), 1);
  return Math.floor(draw * ceiling);
}
