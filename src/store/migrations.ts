/**
 * The SQLite store's schema, as an ordered list of migrations. Each is applied once, in its own
 * transaction, and recorded in `schema_migrations`; a released migration never changes (add a new
 * one instead), which is why migration 1 spells out its histogram edges rather than importing them.
 */
import type { DatabaseSync } from 'node:sqlite';
import { StoreError } from './store.ts';

/** Migration is one step of the schema: its version (1, 2, …, no gaps), a name, and the SQL it runs. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Latency bucket edges of migration 1 (ms); the last column counts everything above 60 s. */
const V1_EDGES = [
  1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500,
  10000, 15000, 30000, 60000,
];
const V1_HISTOGRAM = [...V1_EDGES.map((edge) => `le_${edge}`), 'le_inf']
  .map((column) => `  ${column} INTEGER NOT NULL DEFAULT 0`)
  .join(',\n');

function v1Rollup(table: string): string {
  // Keyed check first: the 720 hour rows of a 30-day query are adjacent, a dozen pages, not 720 reads
  // scattered over the file (a bucket-first key makes flushes cheaper but that query 100× slower).
  // WITHOUT ROWID: the key is the table, so an upsert or a range read walks one b-tree.
  return `CREATE TABLE ${table} (
  check_id INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  count INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  latency_sum REAL NOT NULL,
  latency_max REAL NOT NULL,
${V1_HISTOGRAM},
  PRIMARY KEY (check_id, bucket)
) WITHOUT ROWID;`;
}

/** MIGRATIONS is the schema's history, oldest first; the last version is the one this Vigie writes. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'checks, raw observations, latest per check, minute and hour roll-ups',
    // Check names are interned: an integer key keeps every raw row and index entry small.
    sql: `
CREATE TABLE checks (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE observations (
  check_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  latency REAL NOT NULL,
  error TEXT,
  values_json TEXT
);
CREATE INDEX observations_check_at ON observations (check_id, at);
CREATE TABLE latest (
  check_id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  latency REAL NOT NULL,
  error TEXT,
  values_json TEXT
);
${v1Rollup('rollup_minute')}
${v1Rollup('rollup_hour')}
`,
  },
];

/** schemaVersion gives the highest migration recorded in the database, 0 for a new one. */
export function schemaVersion(db: DatabaseSync): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at INTEGER NOT NULL
)`);
  const row = db.prepare('SELECT max(version) AS version FROM schema_migrations').get() as
    | { version: number | null }
    | undefined;
  return row?.version ?? 0;
}

/**
 * migrate brings the database to the last version of `migrations`, applying each missing one in its
 * own transaction; it refuses a database written by a newer Vigie rather than guess at its schema.
 */
export function migrate(
  db: DatabaseSync,
  location: string,
  migrations: readonly Migration[] = MIGRATIONS,
  now: () => number = Date.now,
): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `migrations must be numbered 1, 2, 3, … without gaps; found ${migration.version} at ${index}`,
      );
    }
  });
  const known = migrations.length;
  const found = schemaVersion(db);
  if (found > known) {
    throw new StoreError(
      'STORE_TOO_NEW',
      `store ${location} has schema version ${found}, newer than the ${known} this Vigie knows`,
      'upgrade Vigie to the version that wrote this store, or point --store at another file',
    );
  }
  for (const migration of migrations.slice(found)) {
    // IMMEDIATE takes the write lock first, so two processes opening one file cannot both apply a step.
    db.exec('BEGIN IMMEDIATE');
    try {
      if (schemaVersion(db) >= migration.version) {
        db.exec('ROLLBACK');
        continue;
      }
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        now(),
      );
      db.exec('COMMIT');
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw new StoreError(
        'STORE_MIGRATION_FAILED',
        `store ${location}: migration ${migration.version} (${migration.name}) failed: ${error instanceof Error ? error.message : String(error)}`,
        'restore the file from a backup or move it aside; the store was left at the previous version',
        { cause: error },
      );
    }
  }
}
