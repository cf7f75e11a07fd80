/**
 * The alert state machine: ok → pending → firing → resolved → ok, driven by rule verdicts and `now`.
 *
 * Semantics, decided once here:
 * - A verdict acts once per new evidence: one whose `at` is not after the last acted-on `at` (the same
 *   history judged again on a timer, a late run older than the newest) changes nothing. So does
 *   `holds: undefined`: a gap in the data neither fires nor resolves. `no data` rules, whose evidence
 *   is the passage of time (`at` = now), are the exception that fires on the gap.
 * - ok or resolved → firing as soon as the rule holds. A held rule (`for 2m`) whose condition holds
 *   but not yet long enough goes to pending, then pending → firing when it holds, or pending → ok at
 *   the first clear verdict.
 * - firing → resolved when the recovery is met (default: 2 clear verdicts in a row; `clear for 5m`
 *   counts from the first clear verdict); any trouble starts the count again, partial trouble too
 *   (one failure under `fails 3 times`). That hysteresis keeps an ok/fail alternation to one firing.
 * - resolved is the phase right after firing: the incident may close. The next verdict moves it on:
 *   clear → ok, holds → firing again (a re-fire), pending → pending; partial leaves it resolved.
 * - Flap damping: a re-fire within `flapWindow` of the previous resolve is a flap; flaps chain while
 *   each comes within `flapWindow` of the resolve before it (a calm window starts the chain over).
 *   More than `flapLimit` flaps in a chain mark the alert `flapping`: it then resolves only once the
 *   recovery is met and it has been clear for the whole `flapWindow`, and that resolve ends the chain.
 * - Durations in the machine are measured on `now`; the state is plain JSON, stored between runs.
 */
import { DEFAULT_RECOVERY, type Recovery, type RuleVerdict } from './rule.ts';

/** AlertPhase is where an alert stands. */
export type AlertPhase = 'ok' | 'pending' | 'firing' | 'resolved';

/** AlertTransition names the phase an alert has just entered. */
export type AlertTransition = 'pending' | 'firing' | 'resolved' | 'ok';

/** AlertState is an alert's memory between verdicts: plain JSON, so it survives a restart in the store. */
export interface AlertState {
  readonly phase: AlertPhase;
  /** When the current phase began. */
  readonly since: number;
  /** Pending: when the held condition's run of observations began (from the verdict). */
  readonly pendingSince?: number;
  /** When the alert last fired. */
  readonly firedAt?: number;
  /** When the alert last resolved. */
  readonly resolvedAt?: number;
  /** Clear verdicts in a row. */
  readonly clearStreak: number;
  /** Firing: when the current run of clear verdicts began. */
  readonly clearSince?: number;
  /** The evidence (`verdict.at`) last acted on; older or equal evidence is ignored. */
  readonly lastAt?: number;
  /** Times of the re-fires in the current flap chain, oldest first; at most flapLimit + 1. */
  readonly flaps: readonly number[];
  /** Flapping alerts resolve only after a whole flapWindow clear. */
  readonly flapping: boolean;
}

/** AlertOptions tunes the machine for one alert. */
export interface AlertOptions {
  /** The alert's `resolve:` clause; DEFAULT_RECOVERY (2 clear verdicts) when absent. */
  readonly recovery?: Recovery;
  /** Milliseconds after a resolve within which a re-fire is a flap; DEFAULT_FLAP_WINDOW when absent. */
  readonly flapWindow?: number;
  /** Flaps in a chain tolerated before the alert is held firing; DEFAULT_FLAP_LIMIT when absent. */
  readonly flapLimit?: number;
}

/** AlertStep is the state after one verdict, and the transition made, if any. */
export interface AlertStep {
  readonly state: AlertState;
  readonly transition?: AlertTransition;
}

/** DEFAULT_FLAP_WINDOW is 10 minutes. */
export const DEFAULT_FLAP_WINDOW = 600_000;

/** DEFAULT_FLAP_LIMIT is 3 flaps; the fourth in a chain holds the alert firing. */
export const DEFAULT_FLAP_LIMIT = 3;

/** initialAlertState is the state of a new alert: ok since `now`. */
export function initialAlertState(now: number): AlertState {
  return { phase: 'ok', since: now, clearStreak: 0, flaps: [], flapping: false };
}

/** nextAlertState moves an alert on by one verdict at `now`; it is pure and never throws. */
export function nextAlertState(
  state: AlertState,
  verdict: RuleVerdict,
  now: number,
  options: AlertOptions = {},
): AlertStep {
  if (verdict.holds === undefined) return { state };
  const evidence = verdict.at ?? now;
  if (state.lastAt !== undefined && evidence <= state.lastAt) return { state };
  const flapWindow = options.flapWindow ?? DEFAULT_FLAP_WINDOW;
  const flapLimit = options.flapLimit ?? DEFAULT_FLAP_LIMIT;
  const recovery = options.recovery ?? DEFAULT_RECOVERY;
  const seen: AlertState = { ...state, lastAt: evidence };
  const trouble = verdict.holds;
  const starting = !trouble && verdict.pendingSince !== undefined;
  // Short of trouble (2 failures of 3, a held condition still pending) is not clear either.
  const partial = !trouble && (starting || verdict.partial === true);

  if (state.phase === 'firing') {
    if (trouble || partial) return { state: tidy({ ...seen, clearStreak: 0, clearSince: undefined }) };
    const clearStreak = state.clearStreak + 1;
    const clearSince = state.clearSince ?? now;
    const recovered =
      (recovery.kind === 'successes'
        ? clearStreak >= recovery.count
        : now - clearSince >= recovery.duration) &&
      (!state.flapping || now - clearSince >= flapWindow);
    if (!recovered) return { state: { ...seen, clearStreak, clearSince } };
    return {
      state: tidy({
        ...seen,
        phase: 'resolved',
        since: now,
        resolvedAt: now,
        clearStreak,
        clearSince: undefined,
        // A resolve out of flapping came after a whole calm window: the chain is over.
        flaps: state.flapping ? [] : state.flaps,
        flapping: false,
      }),
      transition: 'resolved',
    };
  }

  if (trouble) {
    const calm = state.resolvedAt === undefined || now - state.resolvedAt > flapWindow;
    const flaps = calm ? [] : [...state.flaps, now];
    return {
      state: tidy({
        ...seen,
        phase: 'firing',
        since: now,
        firedAt: now,
        pendingSince: undefined,
        clearStreak: 0,
        clearSince: undefined,
        flaps,
        flapping: state.flapping || flaps.length > flapLimit,
      }),
      transition: 'firing',
    };
  }

  if (starting) {
    const pending = { ...seen, pendingSince: verdict.pendingSince, clearStreak: 0 };
    if (state.phase === 'pending') return { state: pending };
    return { state: { ...pending, phase: 'pending', since: now }, transition: 'pending' };
  }

  if (partial) return { state: { ...seen, clearStreak: 0 } };

  const clearStreak = state.clearStreak + 1;
  if (state.phase === 'ok') return { state: { ...seen, clearStreak } };
  // pending cleared before its duration, or resolved confirmed by a clear verdict.
  return {
    state: tidy({ ...seen, phase: 'ok', since: now, pendingSince: undefined, clearStreak }),
    transition: 'ok',
  };
}

// Optional fields are left out rather than set to undefined, so a state equals its JSON round trip.
function tidy(state: { -readonly [K in keyof AlertState]: AlertState[K] | undefined }): AlertState {
  for (const key of Object.keys(state) as (keyof AlertState)[]) {
    if (state[key] === undefined) delete state[key];
  }
  return state as AlertState;
}
