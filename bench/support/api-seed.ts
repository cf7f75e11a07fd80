/**
 * The history a month of running leaves in the SQLite store, written straight into its tables for
 * bench/api.ts: 30 days of hour roll-ups and the last hour of minute roll-ups for every check, in
 * one transaction. The layout is src/store/migrations.ts's; the approach (one INSERT … SELECT over a
 * recursive series, rows in key order) is bench/scale.ts's, so 7.2 M rows take seconds, not minutes.
 */
import { DatabaseSync } from 'node:sqlite';
import { openSqliteStore } from '../../src/store/sqlite.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** SeededHistory says what seedHistory wrote. */
export interface SeededHistory {
  readonly hourRows: number;
  readonly minuteRows: number;
  readonly ms: number;
}

/**
 * seedHistory creates the store at `path` (migrated by Vigie itself) and writes `days` of hour
 * roll-ups up to the current hour and the 60 minute roll-ups before the current minute for each of
 * `checkIds`; the current hour and minute stay the engine's.
 */
export function seedHistory(
  path: string,
  checkIds: readonly string[],
  days: number,
  now: number,
): SeededHistory {
  const start = performance.now();
  openSqliteStore(path).close();
  const hourTo = Math.floor(now / HOUR) * HOUR;
  const minuteTo = Math.floor(now / MINUTE) * MINUTE;
  const db = new DatabaseSync(path);
  try {
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA cache_size = -262144');
    db.exec('BEGIN IMMEDIATE');
    try {
      // Check names are interned in `checks`; the engine finds these ids by name and adds to the rows.
      const insertCheck = db.prepare('INSERT INTO checks (id, name) VALUES (?, ?)');
      for (const [index, name] of checkIds.entries()) insertCheck.run(index + 1, name);
      insertRollups(db, 'rollup_hour', HOUR, 360, hourTo - days * DAY, hourTo);
      insertRollups(db, 'rollup_minute', MINUTE, 6, minuteTo - 60 * MINUTE, minuteTo);
      db.exec('COMMIT');
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw error;
    }
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    const count = (table: string): number =>
      Number((db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n);
    return {
      hourRows: count('rollup_hour'),
      minuteRows: count('rollup_minute'),
      ms: performance.now() - start,
    };
  } finally {
    db.close();
  }
}

/**
 * insertRollups writes one row per check and bucket of [from, to): `runs` observations of a check
 * every 10 s, loopback-like latencies over six histogram buckets varying by check and bucket, a slow
 * one now and then; rows in key order (check, bucket), so the b-tree is appended to, not split.
 */
function insertRollups(
  db: DatabaseSync,
  table: 'rollup_hour' | 'rollup_minute',
  width: number,
  runs: number,
  from: number,
  to: number,
): void {
  const vary = `((checks.id * 7 + buckets.bucket / ${width}) % 5)`;
  // The histogram's counts add up to `runs`: a third each at 1 and 2 ms, most of the rest at 3 ms,
  // two at 5-10 ms of which one or both may be slower.
  const third = Math.floor(runs / 3);
  db.prepare(
    `WITH RECURSIVE buckets(bucket) AS (
       SELECT ? UNION ALL SELECT bucket + ${width} FROM buckets WHERE bucket + ${width} < ?
     )
     INSERT INTO ${table} (check_id, bucket, count, ok, latency_sum, latency_max,
                           le_1, le_2, le_3, le_5, le_10, le_50, le_300)
     SELECT checks.id, buckets.bucket, ${runs}, ${runs} - ${vary} % 2 * (${runs} > 6 OR checks.id % 97 = 0),
            ${runs} * 1.9 + ${vary} * ${runs / 18},
            CASE WHEN ${vary} > 3 THEN 100 + checks.id % 150 ELSE 20 + checks.id % 30 END,
            ${third}, ${third}, ${runs - 2 * third - 2}, 0, 2 - (${vary} > 1) - (${vary} > 3), (${vary} > 1), (${vary} > 3)
     FROM checks CROSS JOIN buckets`,
  ).run(from, to);
}
