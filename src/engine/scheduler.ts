/**
 * The check scheduler: every check runs at its interval, phases spread over the interval so ten
 * thousand checks do not fire in the same millisecond, at most `concurrency` runs at once, never
 * two runs of one check at once, and its own lag (start time minus due time) measured.
 *
 * One timer serves every check: a min-heap of due times says when to wake next. A check goes back
 * into the heap only when its run has finished, which is what keeps runs of one check apart.
 */

/** Clock is the time source and timer of the scheduler; tests pass a fake one. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** SYSTEM_CLOCK is the real clock. */
export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    timer.unref?.();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Scheduled is what the scheduler needs of a check. */
export interface Scheduled {
  readonly id: string;
  /** Milliseconds between two runs. */
  readonly interval: number;
}

/** SchedulerStats describes how well the scheduler keeps time. */
export interface SchedulerStats {
  readonly runs: number;
  readonly running: number;
  readonly waiting: number;
  /** Lag percentiles over the last runs, in milliseconds. */
  readonly lagP50: number;
  readonly lagP99: number;
  readonly lagMax: number;
}

interface Entry {
  readonly check: Scheduled;
  due: number;
}

/** phaseOf spreads checks over their interval by a stable hash of the id, so a restart keeps the phases. */
export function phaseOf(id: string, interval: number): number {
  let hash = 2166136261;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 16777619);
  return (hash >>> 0) % Math.max(1, interval);
}

const LAG_WINDOW = 4096;
// Overdue checks after a restart start within this window rather than all in the same millisecond.
const CATCH_UP_MS = 2_000;

/**
 * RESUME_SHARE compresses the schedule after a restart: a check whose next run was `d` away runs
 * `d × RESUME_SHARE` away instead, so every check has run again well within one interval of the
 * restart (the order and the spread are kept; each check runs early once, never late).
 */
const RESUME_SHARE = 0.75;

/** firstDue is when a check first runs after `now`, given when it last ran, if known. */
export function firstDue(check: Scheduled, now: number, lastRun?: number): number {
  if (lastRun !== undefined) {
    const due = lastRun + check.interval;
    return due >= now
      ? now + Math.floor((due - now) * RESUME_SHARE)
      : now + phaseOf(check.id, Math.min(check.interval, CATCH_UP_MS));
  }
  const phase = phaseOf(check.id, check.interval);
  return now + ((((phase - now) % check.interval) + check.interval) % check.interval);
}

/** Scheduler runs checks at their intervals until stopped. */
export class Scheduler<C extends Scheduled> {
  private readonly heap: Entry[] = [];
  private ready: Entry[] = [];
  private readyHead = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly lags = new Float64Array(LAG_WINDOW);
  private lagCount = 0;
  private runs = 0;
  private timer: unknown;
  private wakeAt = Number.POSITIVE_INFINITY;
  private stopped = true;

  private readonly checks: readonly C[];
  private readonly run: (check: C) => Promise<void>;
  private readonly concurrency: number;
  private readonly clock: Clock;

  /** The scheduler calls `run` for each due check; `run` records the result itself. */
  constructor(
    checks: readonly C[],
    run: (check: C) => Promise<void>,
    options: { concurrency: number; clock?: Clock },
  ) {
    this.checks = checks;
    this.run = run;
    this.concurrency = options.concurrency;
    this.clock = options.clock ?? SYSTEM_CLOCK;
  }

  /**
   * start schedules every check's first run. A check whose last run is known (from the store, after
   * a restart) runs one interval after it, or at once — spread over a short catch-up window — when
   * that moment passed while Vigie was down; any other check runs at its fixed phase of the clock,
   * so phases survive restarts and no check waits more than one interval.
   */
  start(lastRuns?: ReadonlyMap<string, number>): void {
    if (!this.stopped) return;
    this.stopped = false;
    const now = this.clock.now();
    for (const check of this.checks) this.push({ check, due: firstDue(check, now, lastRuns?.get(check.id)) });
    this.wake();
  }

  /** stop runs nothing new and resolves when the runs under way have finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.inFlight]);
  }

  /** stats gives run counts and lag percentiles. */
  stats(): SchedulerStats {
    const count = Math.min(this.lagCount, LAG_WINDOW);
    const sorted = Array.from(this.lags.subarray(0, count)).sort((a, b) => a - b);
    const at = (q: number): number => (count === 0 ? 0 : sorted[Math.min(count - 1, Math.floor(q * count))]!);
    return {
      runs: this.runs,
      running: this.inFlight.size,
      waiting: this.ready.length - this.readyHead,
      lagP50: at(0.5),
      lagP99: at(0.99),
      lagMax: count === 0 ? 0 : sorted[count - 1]!,
    };
  }

  private wake(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    while (this.heap.length > 0 && this.heap[0]!.due <= now) this.ready.push(this.pop()!);
    this.dispatch();
    const next = this.heap[0]?.due;
    if (next === undefined) return;
    if (this.timer !== undefined && next >= this.wakeAt) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.wakeAt = next;
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.wakeAt = Number.POSITIVE_INFINITY;
        this.wake();
      },
      Math.max(0, next - now),
    );
  }

  private dispatch(): void {
    while (!this.stopped && this.inFlight.size < this.concurrency && this.readyHead < this.ready.length) {
      const entry = this.ready[this.readyHead++]!;
      if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
        this.ready = this.ready.slice(this.readyHead);
        this.readyHead = 0;
      }
      const started = this.clock.now();
      this.lags[this.lagCount % LAG_WINDOW] = started - entry.due;
      this.lagCount++;
      this.runs++;
      const running: Promise<void> = this.run(entry.check as C)
        .catch(() => {
          // A failing run is the check's business, recorded by `run`; the schedule goes on.
        })
        .finally(() => {
          this.inFlight.delete(running);
          // The next run keeps the phase; a check that overran skips the slots it missed.
          const now = this.clock.now();
          let due = entry.due + entry.check.interval;
          if (due <= now) due += Math.ceil((now - due + 1) / entry.check.interval) * entry.check.interval;
          if (!this.stopped) {
            this.push({ check: entry.check, due });
            this.wake();
          }
        });
      this.inFlight.add(running);
    }
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.due <= entry.due) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): Entry | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      const at = (k: number): number => (k === i ? last.due : heap[k]!.due);
      if (left < heap.length && heap[left]!.due < at(smallest)) smallest = left;
      if (right < heap.length && heap[right]!.due < at(smallest)) smallest = right;
      if (smallest === i) break;
      heap[i] = heap[smallest]!;
      i = smallest;
    }
    heap[i] = last;
    return top;
  }
}
