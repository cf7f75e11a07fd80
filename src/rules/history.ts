/**
 * The per-alert buffer of observations a rule reads. It keeps only what evaluation needs: the runs in
 * the rule's window, the newest one before it (so `for 2m` can see a run that spans the whole window),
 * and the newest `ruleDepth` runs however old (`fails 3 times`), each cut down to the values the rule
 * reads. The engine may hold one per alert for 10,000 alerts, so an in-order add costs O(1) amortised
 * and memory is bounded by the window, the depth and HISTORY_LIMIT.
 */
import type { Path } from '../conditions/index.ts';
import { conditionPaths, projectObservation } from './paths.ts';
import { type Rule, type RuleObservation, ruleDepth, ruleWindow } from './rule.ts';

/** HISTORY_LIMIT caps the observations one history keeps; a window holding more is judged on the newest. */
export const HISTORY_LIMIT = 5000;

// Below this many dropped entries the array is not copied: compaction is paid for by the drops.
const COMPACT_AFTER = 64;

/** RuleHistory keeps a rule's recent observations sorted by `at`, accepting late and duplicate arrivals. */
export class RuleHistory {
  /** Milliseconds of history kept back from `now` (ruleWindow). */
  readonly window: number;
  /** Newest observations kept however old (ruleDepth). */
  readonly depth: number;
  /** Most observations kept. */
  readonly limit: number;
  private readonly paths: readonly Path[];
  private items: RuleObservation[] = [];
  // Entries before `head` are dropped; they are cut off in bulk, not one shift at a time.
  private head = 0;

  constructor(rule: Rule, limit = HISTORY_LIMIT) {
    this.window = ruleWindow(rule);
    this.depth = ruleDepth(rule);
    this.limit = Math.max(limit, this.depth + 1);
    this.paths =
      rule.kind === 'aggregate'
        ? [rule.path]
        : rule.kind === 'condition' || rule.kind === 'held'
          ? conditionPaths(rule.condition)
          : [];
  }

  /** size is how many observations are kept. */
  get size(): number {
    return this.items.length - this.head;
  }

  /**
   * add keeps an observation (only the values the rule reads) in `at` order and prunes at `now`; it
   * returns false for a duplicate (an `at` already kept: the first arrival wins).
   */
  add(observation: RuleObservation, now: number): boolean {
    const items = this.items;
    const newest = items[items.length - 1];
    if (this.size === 0 || newest!.at < observation.at) {
      items.push(projectObservation(observation, this.paths));
    } else {
      // A late arrival (another node, a retried write): placed by binary search, rare enough for splice.
      const index = lowerBound(items, observation.at, this.head);
      if (items[index]?.at === observation.at) return false;
      items.splice(index, 0, projectObservation(observation, this.paths));
    }
    this.prune(now);
    return true;
  }

  /** prune drops what evaluation at `now` or later no longer needs. */
  prune(now: number): void {
    const items = this.items;
    const cutoff = now - this.window;
    let head = this.head;
    // items[head] goes only when the next one is also outside the window: the newest run before the
    // window stays, as the start a `for` streak may be measured from.
    while (items.length - head > this.depth && items[head + 1]!.at <= cutoff) head++;
    if (items.length - head > this.limit) head = items.length - this.limit;
    this.head = head;
    if (head > COMPACT_AFTER && head * 2 > items.length) this.compact();
  }

  /** observations gives the kept observations, oldest first, for `evaluateRule`; valid until the next add. */
  observations(): readonly RuleObservation[] {
    if (this.head > 0) this.compact();
    return this.items;
  }

  private compact(): void {
    this.items = this.items.slice(this.head);
    this.head = 0;
  }
}

function lowerBound(items: readonly RuleObservation[], at: number, from: number): number {
  let lo = from;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (items[mid]!.at < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
