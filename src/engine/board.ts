/**
 * The check board: what the dashboard shows of every check, kept in memory so a list of 10,000
 * checks is a slice, not 10,000 queries. Each run updates its check's latest state at once; uptime
 * and the latency sparkline are refreshed from the roll-ups in the background, a slice of checks per
 * turn of the event loop so probes never wait behind it. A change of state is told to listeners.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ObservationStore } from '../store/store.ts';
import type { RunnableCheck } from './compile.ts';
import type { CheckResult } from './run.ts';

/** CheckStatus is a check's state: its last run passed, failed, or it has not run yet. */
export type CheckStatus = 'ok' | 'failing' | 'unknown';

/** CheckState is one check as the dashboard shows it. */
export interface CheckState {
  readonly id: string;
  readonly name?: string;
  readonly probe: string;
  readonly target: string;
  readonly every: number;
  status: CheckStatus;
  latest?: { at: number; ok: boolean; latency: number; error?: string };
  uptime24h?: number;
  sparkline: (number | null)[];
}

const MINUTE = 60_000;
const SPARK_MINUTES = 60;
// Checks refreshed per turn of the event loop: two roll-up queries each, a few milliseconds a slice.
const SLICE = 20;
const ORDER: Record<CheckStatus, number> = { failing: 0, unknown: 1, ok: 2 };

/** CheckBoard holds every check's state. */
export class CheckBoard {
  private readonly states = new Map<string, CheckState>();
  private sorted: CheckState[] | undefined;
  private readonly listeners = new Set<(state: CheckState) => void>();
  private readonly mask: (text: string) => string;

  constructor(checks: readonly RunnableCheck[], mask: (text: string) => string) {
    this.mask = mask;
    for (const check of checks) {
      this.states.set(check.id, {
        id: check.id,
        ...(check.name && check.name !== check.id ? { name: check.name } : {}),
        probe: check.probe,
        target: mask(check.target.target),
        every: check.interval,
        status: 'unknown',
        sparkline: [],
      });
    }
  }

  /** onChange registers a listener told when a check's status changes; it returns the unsubscribe. */
  onChange(listener: (state: CheckState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** record applies a run's result. */
  record(checkId: string, result: CheckResult): void {
    const state = this.states.get(checkId);
    if (!state) return;
    const status: CheckStatus = result.ok ? 'ok' : 'failing';
    state.latest = {
      at: result.at,
      ok: result.ok,
      latency: Math.round(result.observation.latency),
      ...(result.ok ? {} : { error: this.mask(result.failures.join('; ')) }),
    };
    if (status !== state.status) {
      state.status = status;
      this.sorted = undefined;
      for (const listener of this.listeners) listener(state);
    }
  }

  /** get gives one check's state. */
  get(checkId: string): CheckState | undefined {
    return this.states.get(checkId);
  }

  /** list gives checks failing first, then unknown, then ok, by id; filtered by status and paged. */
  list(options: { status?: CheckStatus; offset?: number; limit?: number } = {}): {
    checks: CheckState[];
    total: number;
  } {
    this.sorted ??= [...this.states.values()].sort(
      (a, b) => ORDER[a.status] - ORDER[b.status] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    const all = options.status ? this.sorted.filter((state) => state.status === options.status) : this.sorted;
    const offset = options.offset ?? 0;
    return { checks: all.slice(offset, offset + (options.limit ?? all.length)), total: all.length };
  }

  /** counts gives how many checks are in each state. */
  counts(): Record<CheckStatus, number> {
    const counts: Record<CheckStatus, number> = { ok: 0, failing: 0, unknown: 0 };
    for (const state of this.states.values()) counts[state.status]++;
    return counts;
  }

  /** seed fills the latest state of every check from the store (after a restart). */
  async seed(store: ObservationStore): Promise<void> {
    for (const [id, observation] of await store.latest()) {
      const state = this.states.get(id);
      if (!state || state.latest) continue;
      state.status = observation.ok ? 'ok' : 'failing';
      state.latest = {
        at: observation.at,
        ok: observation.ok,
        latency: Math.round(observation.latency),
        ...(observation.error ? { error: this.mask(observation.error) } : {}),
      };
    }
    this.sorted = undefined;
  }

  /** refresh recomputes uptime over 24 h and the last hour's sparkline from the roll-ups. */
  async refresh(store: ObservationStore, now: number, stopped: () => boolean = () => false): Promise<void> {
    const ids = [...this.states.keys()];
    const since = Math.floor(now / MINUTE) * MINUTE - (SPARK_MINUTES - 1) * MINUTE;
    for (let start = 0; start < ids.length; start += SLICE) {
      if (stopped()) return;
      for (const id of ids.slice(start, start + SLICE)) {
        const state = this.states.get(id)!;
        const uptime = await store.uptime(id, now - 24 * 60 * MINUTE, now + 1);
        if (uptime !== undefined) state.uptime24h = Math.round(uptime * 100_000) / 100_000;
        const rows = await store.rollups(id, 'minute', since, now + 1);
        const byBucket = new Map(rows.map((row) => [row.bucket, row]));
        state.sparkline = Array.from({ length: SPARK_MINUTES }, (_, i) => {
          const row = byBucket.get(since + i * MINUTE);
          return row && row.count > 0 ? Math.round(row.latencySum / row.count) : null;
        });
      }
      await nextTurn();
    }
  }
}
