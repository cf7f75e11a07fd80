/**
 * The observation store contract: where check observations are kept, rolled up and read back.
 * It names no database: the embedded SQLite store (`sqlite.ts`) implements it today and a PostgreSQL
 * one will later, so callers (engine, API, dashboard) depend only on this file.
 */
import { VigieError } from '../errors.ts';

/** StoredObservation is one probe run of one check, as kept by the store. */
export interface StoredObservation {
  /** The check that ran. */
  readonly checkId: string;
  /** When the run started, epoch milliseconds. */
  readonly at: number;
  /** Whether the check passed. */
  readonly ok: boolean;
  /** Milliseconds the run took. */
  readonly latency: number;
  /** What failed, when it failed; stored up to 2,048 characters. */
  readonly error?: string;
  /**
   * Named values the probe saw; kept as JSON up to 16 KB, the largest entries dropped beyond (see
   * serialize.ts).
   */
  readonly values?: Readonly<Record<string, unknown>>;
}

/** Resolution is the width of a roll-up bucket. */
export type Resolution = 'minute' | 'hour';

/** RollupRow sums the observations of one check whose start falls in one bucket. */
export interface RollupRow {
  /** Start of the bucket, epoch milliseconds (UTC-aligned minute or hour). */
  readonly bucket: number;
  /** Observations in the bucket. */
  readonly count: number;
  /** Observations that passed. */
  readonly ok: number;
  /** Sum of all latencies (ms), so the mean is latencySum / count. */
  readonly latencySum: number;
  /** Largest latency (ms). */
  readonly latencyMax: number;
  /** Observations per latency bucket, in the order of LATENCY_BOUNDS (histogram.ts). */
  readonly histogram: readonly number[];
}

/**
 * ObservationStore keeps observations, their per-minute and per-hour roll-ups and the latest observation of
 * every check.
 */
// Reads see what has been flushed, not what is still buffered. Windows are half-open, [from, to),
// in epoch milliseconds.
export interface ObservationStore {
  /**
   * append buffers observations, writing them when the buffer reaches the batch size; it never fails on a
   * write error (the next flush reports it).
   */
  append(observations: readonly StoredObservation[]): void | Promise<void>;
  /**
   * flush writes every buffered observation, roll-up and latest row in one transaction; on failure the rows
   * stay buffered for the next flush.
   */
  flush(): Promise<void>;
  /** latest gives the newest observation of each check (of the named ones, or of all), keyed by check id. */
  latest(checkIds?: readonly string[]): Promise<Map<string, StoredObservation>>;
  /**
   * range gives a check's raw observations in the window, oldest first; with `limit`, only the newest
   * `limit` of them.
   */
  range(checkId: string, from: number, to: number, limit?: number): Promise<StoredObservation[]>;
  /** rollups gives a check's roll-up rows whose bucket starts in the window, oldest first. */
  rollups(checkId: string, resolution: Resolution, from: number, to: number): Promise<RollupRow[]>;
  /**
   * uptime gives the share (0–1) of a check's observations that passed in the window, read from roll-ups;
   * undefined when there were none.
   */
  uptime(checkId: string, from: number, to: number): Promise<number | undefined>;
  /**
   * latencyPercentile estimates the p-th percentile (0 < p ≤ 100) of a check's latency in the window from
   * roll-up histograms; undefined when there were none.
   */
  latencyPercentile(checkId: string, p: number, from: number, to: number): Promise<number | undefined>;
  /** prune deletes what is past retention at `now` (the store's clock by default). */
  prune(now?: number): Promise<void>;
  /** close flushes the buffer and releases the store; it must not be used afterwards. */
  close(): Promise<void>;
}

/** Retention says how long each level of detail is kept, in milliseconds. */
export interface Retention {
  /** Raw observations (range). */
  readonly rawRetentionMs: number;
  /** Per-minute roll-ups. */
  readonly minuteRetentionMs: number;
  /** Per-hour roll-ups. */
  readonly hourRetentionMs: number;
}

const DAY_MS = 86_400_000;

/**
 * DEFAULT_RETENTION keeps raw rows 2 days, minute roll-ups 14 days and hour roll-ups 400 days (a year and a
 * month of SLO history).
 */
export const DEFAULT_RETENTION: Retention = {
  rawRetentionMs: 2 * DAY_MS,
  minuteRetentionMs: 14 * DAY_MS,
  hourRetentionMs: 400 * DAY_MS,
};

/** StoreErrorCode names what went wrong opening, migrating or writing a store. */
export type StoreErrorCode =
  | 'STORE_OPEN_FAILED'
  | 'STORE_TOO_NEW'
  | 'STORE_MIGRATION_FAILED'
  | 'STORE_WRITE_FAILED';

/** StoreError is a store failure: a VigieError whose code is one of the store's, from the one catalogue. */
export class StoreError extends VigieError {
  constructor(code: StoreErrorCode, message: string, fix: string, options?: { cause?: unknown }) {
    super(code, message, fix, options);
    this.name = 'StoreError';
  }
}
