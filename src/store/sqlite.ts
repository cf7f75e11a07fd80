/**
 * The embedded observation store: one SQLite file through Node's built-in `node:sqlite`, in WAL mode,
 * so `vigie serve` needs nothing else. Writes are buffered and land in one transaction per flush:
 * raw rows, the latest row per check and the minute and hour roll-ups (summed in memory first, then
 * added to the stored rows by upsert). Reads are single indexed queries.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { openDatabase } from './database.ts';
import { LATENCY_BOUNDS, percentile } from './histogram.ts';
import { coverWindow, HOUR_MS, MINUTE_MS, type Rollup, rollUp } from './rollup.ts';
import { serializeError, serializeValues } from './serialize.ts';
import {
  DEFAULT_RETENTION,
  type ObservationStore,
  type Resolution,
  type Retention,
  type RollupRow,
  type StoredObservation,
  StoreError,
} from './store.ts';

/** SqliteStoreOptions tunes the embedded store; every field has a default fit for `vigie serve`. */
export interface SqliteStoreOptions extends Partial<Retention> {
  /** Clock for retention and for choosing roll-up levels; tests pass a fake one. */
  readonly now?: () => number;
  /** Buffered observations that trigger a write without waiting for flush, and rows per transaction of a flush (default 50: a few milliseconds of writing at a time). */
  readonly batchSize?: number;
  /** How long a write waits for another process's lock before failing, in ms (default 5,000). */
  readonly busyTimeoutMs?: number;
}

/**
 * openSqliteStore opens the store at `path` (or a private in-memory one for ':memory:'), creating and
 * migrating it as needed, and throws a StoreError when it cannot be opened or is from a newer Vigie.
 */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): ObservationStore {
  const settings: Settings = {
    now: options.now ?? Date.now,
    batchSize: positive('batchSize', options.batchSize ?? 50),
    retention: {
      rawRetentionMs: positive('rawRetentionMs', options.rawRetentionMs ?? DEFAULT_RETENTION.rawRetentionMs),
      minuteRetentionMs: positive(
        'minuteRetentionMs',
        options.minuteRetentionMs ?? DEFAULT_RETENTION.minuteRetentionMs,
      ),
      hourRetentionMs: positive(
        'hourRetentionMs',
        options.hourRetentionMs ?? DEFAULT_RETENTION.hourRetentionMs,
      ),
    },
  };
  const db = openDatabase(path, {
    busyTimeoutMs: positive('busyTimeoutMs', options.busyTimeoutMs ?? 5000),
    // WAL lets readers run while a flush writes; NORMAL skips an fsync per commit and can lose only
    // the last commits on power loss, never on a process crash, and never corrupts the file.
    synchronous: 'NORMAL',
    // A flush of 1,000 checks touches a page per check in each table; 32 MB keeps the inner pages of
    // every b-tree cached. The WAL is checkpointed at SQLite's default 4 MB: larger, rarer checkpoints
    // cost less CPU but stall the flush that runs them for hundreds of milliseconds.
    cacheKib: 32768,
    now: settings.now,
  });
  return new SqliteStore(db, path, settings);
}

/** A buffered observation, already reduced to what is stored. */
interface PendingRow {
  readonly checkId: string;
  readonly at: number;
  readonly ok: boolean;
  readonly latency: number;
  readonly error: string | null;
  readonly valuesJson: string | null;
}

const HISTOGRAM_COLUMNS = LATENCY_BOUNDS.map((bound) => (Number.isFinite(bound) ? `le_${bound}` : 'le_inf'));
const ROLLUP_TABLES: Readonly<Record<Resolution, string>> = { minute: 'rollup_minute', hour: 'rollup_hour' };
/** Checks whose raw rows are pruned per transaction: short enough not to hold a flush up for long. */
const PRUNE_CHECKS_PER_STEP = 200;
/**
 * The buffer bound, in batches, when writes keep failing: memory stays bounded and the newest rows are
 * kept.
 */
const MAX_BUFFERED_BATCHES = 100;

interface Settings {
  readonly now: () => number;
  readonly batchSize: number;
  readonly retention: Retention;
}

class SqliteStore implements ObservationStore {
  private readonly db: DatabaseSync;
  private readonly location: string;
  private readonly settings: Settings;
  private buffer: PendingRow[] = [];
  private dropped = 0;
  private closed = false;
  /** Check name → interned id; filled lazily, and only with ids that are committed. */
  private readonly ids = new Map<string, number>();
  private readonly sql: ReturnType<typeof prepare>;

  constructor(db: DatabaseSync, location: string, settings: Settings) {
    this.db = db;
    this.location = location;
    this.settings = settings;
    this.sql = prepare(db);
  }

  append(observations: readonly StoredObservation[]): void {
    this.assertOpen();
    const rows = observations.map(pendingRow);
    for (const row of rows) this.buffer.push(row);
    if (this.buffer.length >= this.settings.batchSize) {
      try {
        this.write();
      } catch {
        // The rows stay buffered and the engine's next flush() reports the failure; a probe
        // recording its result is not the place to handle a full disk.
      }
    }
    const limit = this.settings.batchSize * MAX_BUFFERED_BATCHES;
    if (this.buffer.length > limit) {
      this.dropped += this.buffer.length - limit;
      this.buffer.splice(0, this.buffer.length - limit);
    }
  }

  async flush(): Promise<void> {
    this.assertOpen();
    // A batch per transaction, a turn of the event loop between two: a flush of a thousand rows into
    // large roll-up tables must not hold probes and requests up for its whole length.
    while (this.buffer.length > this.settings.batchSize) {
      this.write(this.settings.batchSize);
      await nextTurn();
      if (this.closed) return;
    }
    this.write();
  }

  async latest(checkIds?: readonly string[]): Promise<Map<string, StoredObservation>> {
    this.assertOpen();
    const rows = (checkIds === undefined
      ? this.sql.latestAll.all()
      : this.sql.latestOf.all(JSON.stringify(checkIds))) as unknown as unknown[][];
    const latest = new Map<string, StoredObservation>();
    for (const row of rows) latest.set(row[0] as string, storedObservation(row[0] as string, row, 1));
    return latest;
  }

  async range(checkId: string, from: number, to: number, limit?: number): Promise<StoredObservation[]> {
    this.assertOpen();
    const id = this.idOf(checkId);
    if (id === undefined || limit === 0) return [];
    const rows = (limit === undefined
      ? this.sql.range.all(id, from, to)
      : this.sql.rangeNewest.all(id, from, to, Math.max(0, Math.floor(limit)))) as unknown as unknown[][];
    return rows.map((row) => storedObservation(checkId, row, 0));
  }

  async rollups(checkId: string, resolution: Resolution, from: number, to: number): Promise<RollupRow[]> {
    this.assertOpen();
    const id = this.idOf(checkId);
    if (id === undefined) return [];
    const rows = this.sql.rollups[resolution].all(id, from, to) as unknown as number[][];
    return rows.map((row) => ({
      bucket: row[0]!,
      count: row[1]!,
      ok: row[2]!,
      latencySum: row[3]!,
      latencyMax: row[4]!,
      histogram: row.slice(5),
    }));
  }

  async uptime(checkId: string, from: number, to: number): Promise<number | undefined> {
    const total = this.summarize(checkId, from, to);
    return total.count === 0 ? undefined : total.ok / total.count;
  }

  async latencyPercentile(checkId: string, p: number, from: number, to: number): Promise<number | undefined> {
    if (!(p > 0 && p <= 100)) throw new RangeError(`latencyPercentile: p must be in (0, 100], got ${p}`);
    const total = this.summarize(checkId, from, to);
    return percentile(total.histogram, p, total.latencyMax);
  }

  async prune(now: number = this.settings.now()): Promise<void> {
    this.assertOpen();
    const { rawRetentionMs, minuteRetentionMs, hourRetentionMs } = this.settings.retention;
    const ids = (this.sql.allCheckIds.all() as unknown as number[][]).map((row) => row[0]!);
    // Per check, so each delete walks the check-first key or index instead of scanning a table; in
    // short transactions with a turn of the event loop after each, so probes and flushes go on while
    // a large backlog is pruned.
    for (let start = 0; start < ids.length; start += PRUNE_CHECKS_PER_STEP) {
      if (this.closed) return;
      this.transaction(() => {
        for (const id of ids.slice(start, start + PRUNE_CHECKS_PER_STEP)) {
          this.sql.pruneRaw.run(id, now - rawRetentionMs);
          this.sql.pruneRollups.minute.run(id, now - minuteRetentionMs);
          this.sql.pruneRollups.hour.run(id, now - hourRetentionMs);
        }
      });
      await nextTurn();
    }
    if (this.closed) return;
    // A check silent for longer than every retention has nothing left: forget it entirely.
    const forgottenBefore = now - Math.max(rawRetentionMs, minuteRetentionMs, hourRetentionMs);
    this.transaction(() => {
      const { changes } = this.sql.pruneLatest.run(forgottenBefore);
      if (Number(changes) > 0) {
        this.sql.pruneChecks.run();
        this.ids.clear();
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      this.write();
    } finally {
      this.closed = true;
      try {
        this.db.exec('PRAGMA optimize');
      } finally {
        this.db.close();
      }
    }
  }

  /**
   * Writes the buffer (or its oldest `limit` rows) in one transaction; on failure puts the rows back so
   * nothing is lost to a busy lock.
   */
  private write(limit = Number.POSITIVE_INFINITY): void {
    if (this.buffer.length === 0) return;
    const batch = this.buffer.length > limit ? this.buffer.splice(0, limit) : this.buffer;
    if (batch === this.buffer) this.buffer = [];
    const created = new Map<string, number>();
    const idFor = (name: string): number => {
      let id = this.ids.get(name) ?? created.get(name);
      if (id === undefined) {
        const found = this.sql.findCheck.get(name) as unknown as [number] | undefined;
        id = found?.[0] ?? (this.sql.insertCheck.get(name) as unknown as [number])[0];
        created.set(name, id);
      }
      return id;
    };
    try {
      this.transaction(() => {
        const newest = new Map<string, PendingRow>();
        for (const row of batch) {
          this.sql.insertRaw.run(
            idFor(row.checkId),
            row.at,
            row.ok ? 1 : 0,
            row.latency,
            row.error,
            row.valuesJson,
          );
          const seen = newest.get(row.checkId);
          if (!seen || row.at >= seen.at) newest.set(row.checkId, row);
        }
        for (const row of newest.values()) {
          this.sql.upsertLatest.run(
            idFor(row.checkId),
            row.at,
            row.ok ? 1 : 0,
            row.latency,
            row.error,
            row.valuesJson,
          );
        }
        for (const rollup of rollUp(batch, MINUTE_MS))
          this.sql.upsertRollup.minute.run(...rollupParams(idFor, rollup));
        for (const rollup of rollUp(batch, HOUR_MS))
          this.sql.upsertRollup.hour.run(...rollupParams(idFor, rollup));
      });
    } catch (error) {
      this.buffer = batch.concat(this.buffer);
      const lost = this.dropped > 0 ? `; ${this.dropped} older observations were dropped meanwhile` : '';
      throw new StoreError(
        'STORE_WRITE_FAILED',
        `store ${this.location}: writing ${batch.length} observations failed: ${message(error)}${lost}`,
        'check free disk space and that the store file is writable; the observations stay buffered and the next flush retries',
        { cause: error },
      );
    }
    for (const [name, id] of created) this.ids.set(name, id);
  }

  /** Sums the roll-ups covering [from, to) with as few rows as coverWindow allows. */
  private summarize(
    checkId: string,
    from: number,
    to: number,
  ): { count: number; ok: number; latencyMax: number; histogram: number[] } {
    this.assertOpen();
    const total = {
      count: 0,
      ok: 0,
      latencyMax: 0,
      histogram: new Array<number>(LATENCY_BOUNDS.length).fill(0),
    };
    const id = this.idOf(checkId);
    if (id === undefined) return total;
    const horizon = this.settings.now() - this.settings.retention.minuteRetentionMs;
    for (const span of coverWindow(from, to, horizon)) {
      const row = this.sql.sums[span.resolution].get(id, span.from, span.to) as unknown as (number | null)[];
      if (!row[0]) continue;
      total.count += row[0];
      total.ok += row[1]!;
      total.latencyMax = Math.max(total.latencyMax, row[2]!);
      for (let index = 0; index < total.histogram.length; index++) total.histogram[index]! += row[3 + index]!;
    }
    return total;
  }

  private idOf(checkId: string): number | undefined {
    let id = this.ids.get(checkId);
    if (id === undefined) {
      id = (this.sql.findCheck.get(checkId) as unknown as [number] | undefined)?.[0];
      if (id !== undefined) this.ids.set(checkId, id);
    }
    return id;
  }

  private transaction(body: () => void): void {
    // IMMEDIATE takes the write lock up front, so busy_timeout applies instead of a deadlock error.
    this.db.exec('BEGIN IMMEDIATE');
    try {
      body();
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`store ${this.location} is closed`);
  }
}

function prepare(db: DatabaseSync) {
  // Reads return rows as arrays: node:sqlite builds an object per row about 20 times slower, which
  // is most of the cost of latest() over 10,000 checks.
  const query = (sql: string): StatementSync => {
    const statement = db.prepare(sql);
    statement.setReturnArrays(true);
    return statement;
  };
  const columns = ['count', 'ok', 'latency_sum', 'latency_max', ...HISTOGRAM_COLUMNS];
  const upsert = (table: string): StatementSync =>
    db.prepare(
      `INSERT INTO ${table} (check_id, bucket, ${columns.join(', ')})
       VALUES (${['?', '?', ...columns.map(() => '?')].join(', ')})
       ON CONFLICT (check_id, bucket) DO UPDATE SET ${columns
         .map((column) =>
           column === 'latency_max'
             ? `latency_max = max(${table}.latency_max, excluded.latency_max)`
             : `${column} = ${table}.${column} + excluded.${column}`,
         )
         .join(', ')}`,
    );
  const rollupRows = (table: string): StatementSync =>
    query(
      `SELECT bucket, ${columns.join(', ')} FROM ${table}
       WHERE check_id = ? AND bucket >= ? AND bucket < ? ORDER BY bucket`,
    );
  const sums = (table: string): StatementSync =>
    query(
      `SELECT sum(count), sum(ok), max(latency_max), ${HISTOGRAM_COLUMNS.map((column) => `sum(${column})`).join(', ')}
       FROM ${table} WHERE check_id = ? AND bucket >= ? AND bucket < ?`,
    );
  const observation = 'at, ok, latency, error, values_json';
  return {
    findCheck: query('SELECT id FROM checks WHERE name = ?'),
    insertCheck: query('INSERT INTO checks (name) VALUES (?) RETURNING id'),
    insertRaw: db.prepare(`INSERT INTO observations (check_id, ${observation}) VALUES (?, ?, ?, ?, ?, ?)`),
    // The guard keeps a late-arriving older observation from replacing a newer one.
    upsertLatest: db.prepare(
      `INSERT INTO latest (check_id, ${observation}) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (check_id) DO UPDATE SET at = excluded.at, ok = excluded.ok, latency = excluded.latency,
         error = excluded.error, values_json = excluded.values_json
       WHERE excluded.at >= latest.at`,
    ),
    upsertRollup: { minute: upsert(ROLLUP_TABLES.minute), hour: upsert(ROLLUP_TABLES.hour) },
    latestAll: query(
      `SELECT checks.name AS name, ${observation} FROM latest JOIN checks ON checks.id = latest.check_id`,
    ),
    latestOf: query(
      `SELECT checks.name AS name, ${observation}
       FROM json_each(?) AS wanted JOIN checks ON checks.name = wanted.value JOIN latest ON latest.check_id = checks.id`,
    ),
    range: query(
      `SELECT ${observation} FROM observations WHERE check_id = ? AND at >= ? AND at < ? ORDER BY at, rowid`,
    ),
    rangeNewest: query(
      `SELECT ${observation} FROM (
         SELECT rowid AS seq, ${observation} FROM observations
         WHERE check_id = ? AND at >= ? AND at < ? ORDER BY at DESC, rowid DESC LIMIT ?
       ) ORDER BY at, seq`,
    ),
    rollups: { minute: rollupRows(ROLLUP_TABLES.minute), hour: rollupRows(ROLLUP_TABLES.hour) },
    sums: { minute: sums(ROLLUP_TABLES.minute), hour: sums(ROLLUP_TABLES.hour) },
    allCheckIds: query('SELECT id FROM checks ORDER BY id'),
    pruneRaw: db.prepare('DELETE FROM observations WHERE check_id = ? AND at < ?'),
    pruneRollups: {
      minute: db.prepare(`DELETE FROM ${ROLLUP_TABLES.minute} WHERE check_id = ? AND bucket < ?`),
      hour: db.prepare(`DELETE FROM ${ROLLUP_TABLES.hour} WHERE check_id = ? AND bucket < ?`),
    },
    pruneLatest: db.prepare('DELETE FROM latest WHERE at < ?'),
    pruneChecks: db.prepare('DELETE FROM checks WHERE id NOT IN (SELECT check_id FROM latest)'),
  };
}

function rollupParams(idFor: (name: string) => number, rollup: Rollup): number[] {
  return [
    idFor(rollup.checkId),
    rollup.bucket,
    rollup.count,
    rollup.ok,
    rollup.latencySum,
    rollup.latencyMax,
    ...rollup.histogram,
  ];
}

function pendingRow(observation: StoredObservation): PendingRow {
  const { checkId, at, ok, latency } = observation;
  if (typeof checkId !== 'string' || checkId === '')
    throw new TypeError('append: checkId must be a non-empty string');
  if (!Number.isFinite(at))
    throw new TypeError(`append: ${checkId}: at must be epoch milliseconds, got ${at}`);
  if (!(Number.isFinite(latency) && latency >= 0)) {
    throw new TypeError(`append: ${checkId}: latency must be a finite number of ms ≥ 0, got ${latency}`);
  }
  // Serialized now, so the buffer holds at most the capped text and not whatever body the probe parsed.
  return {
    checkId,
    at: Math.floor(at),
    ok: ok === true,
    latency,
    error: serializeError(observation.error),
    valuesJson: serializeValues(observation.values),
  };
}

/** Builds an observation from the five stored columns found in `row` from index `first` on. */
function storedObservation(checkId: string, row: readonly unknown[], first: number): StoredObservation {
  const stored: {
    checkId: string;
    at: number;
    ok: boolean;
    latency: number;
    error?: string;
    values?: Record<string, unknown>;
  } = { checkId, at: row[first] as number, ok: row[first + 1] === 1, latency: row[first + 2] as number };
  const error = row[first + 3] as string | null;
  const valuesJson = row[first + 4] as string | null;
  if (error !== null) stored.error = error;
  if (valuesJson !== null) stored.values = JSON.parse(valuesJson) as Record<string, unknown>;
  return stored;
}

function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0))
    throw new RangeError(`openSqliteStore: ${name} must be > 0, got ${value}`);
  return value;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
