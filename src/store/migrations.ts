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
  {
    version: 2,
    name: 'incidents, timeline, alerts, durable timers, notification outbox, silences, windows, tokens',
    // Every table the incident pipeline writes before it acts: a timer or a notification is a row
    // first, so a crash between deciding and doing loses nothing and a restart doubles nothing.
    sql: `
CREATE TABLE incidents (
  seq INTEGER PRIMARY KEY,
  dedup_key TEXT NOT NULL,
  title TEXT NOT NULL,
  severity TEXT NOT NULL,
  scenario TEXT,
  status TEXT NOT NULL,
  policy TEXT,
  labels_json TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  acknowledged_at INTEGER,
  acknowledged_by TEXT,
  resolved_at INTEGER,
  resolved_by TEXT,
  updated_at INTEGER NOT NULL
);
CREATE INDEX incidents_dedup ON incidents (dedup_key, seq);
CREATE INDEX incidents_status ON incidents (status, seq);
CREATE TABLE timeline (
  id INTEGER PRIMARY KEY,
  incident_seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  actor TEXT NOT NULL,
  text TEXT NOT NULL,
  data_json TEXT
);
CREATE INDEX timeline_incident ON timeline (incident_seq, id);
CREATE TABLE alerts (
  key TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  labels_json TEXT NOT NULL,
  severity TEXT,
  scenario TEXT,
  summary TEXT,
  incident_seq INTEGER,
  quiet_json TEXT,
  state_json TEXT,
  started_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  resolved_at INTEGER
);
CREATE INDEX alerts_incident ON alerts (incident_seq);
CREATE INDEX alerts_status ON alerts (status);
CREATE INDEX alerts_quiet ON alerts (key) WHERE status = 'firing' AND quiet_json IS NOT NULL AND incident_seq IS NULL;
CREATE TABLE timers (
  id INTEGER PRIMARY KEY,
  incident_seq INTEGER NOT NULL,
  kind TEXT NOT NULL,
  due_at INTEGER NOT NULL,
  data_json TEXT NOT NULL,
  done_at INTEGER
);
CREATE INDEX timers_due ON timers (due_at) WHERE done_at IS NULL;
CREATE INDEX timers_incident ON timers (incident_seq) WHERE done_at IS NULL;
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  incident_seq INTEGER,
  channel TEXT NOT NULL,
  recipient TEXT,
  payload_json TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  sent_at INTEGER
);
CREATE INDEX outbox_pending ON outbox (next_at) WHERE status = 'pending';
CREATE INDEX outbox_incident ON outbox (incident_seq, id);
CREATE TABLE silences (
  id TEXT PRIMARY KEY,
  matchers_json TEXT NOT NULL,
  starts_at INTEGER NOT NULL,
  ends_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  comment TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expired_at INTEGER
);
CREATE TABLE windows (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  matchers_json TEXT NOT NULL,
  starts_at INTEGER NOT NULL,
  ends_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
`,
  },
  {
    version: 3,
    name: 'browser sessions, incidents by last change (live updates), outbox queues per incident and channel',
    // A session is a random secret in an HttpOnly cookie, stored hashed with its CSRF token; it acts
    // with the role of the API token it was opened with, so revoking the token ends its sessions.
    sql: `
CREATE TABLE sessions (
  hash TEXT PRIMARY KEY,
  token_id TEXT NOT NULL,
  csrf TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE INDEX incidents_updated ON incidents (updated_at);
CREATE INDEX outbox_queue ON outbox (incident_seq, channel, id) WHERE status = 'pending';
`,
  },
  {
    version: 4,
    name: 'action runs, approvals, append-only audit log',
    // The audit log refuses UPDATE and DELETE at the database itself, and chains each row to the one
    // before by hash, so a rewritten history shows.
    sql: `
CREATE TABLE action_runs (
  id INTEGER PRIMARY KEY,
  incident_seq INTEGER,
  scenario TEXT NOT NULL,
  step_index INTEGER NOT NULL,
  step_id TEXT,
  risk TEXT NOT NULL,
  run_text TEXT NOT NULL,
  params_json TEXT NOT NULL,
  dry_run INTEGER NOT NULL,
  requested_by TEXT NOT NULL,
  requested_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  approved_by TEXT,
  reasons_json TEXT,
  outcome_json TEXT,
  finished_at INTEGER
);
CREATE INDEX action_runs_incident ON action_runs (incident_seq, id);
CREATE TABLE approvals (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL,
  by TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX approvals_run ON approvals (run_id);
CREATE TABLE audit (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  incident_seq INTEGER,
  detail_json TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`,
  },
  {
    version: 5,
    name: 'maintenance runs, deploys, tracked checklists, scenario runs, window purposes',
    // A maintenance run is written as 'running' before its first step starts, and one scheduled row
    // per (task, due time) makes a schedule fire once even across a restart.
    sql: `
CREATE TABLE maintenance_runs (
  id INTEGER PRIMARY KEY,
  task TEXT NOT NULL,
  due_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  status TEXT NOT NULL,
  trigger TEXT NOT NULL,
  requested_by TEXT,
  window_id TEXT,
  steps_json TEXT,
  error TEXT
);
CREATE UNIQUE INDEX maintenance_runs_due ON maintenance_runs (task, due_at) WHERE trigger = 'schedule';
ALTER TABLE windows ADD COLUMN purpose TEXT NOT NULL DEFAULT 'announced';
CREATE INDEX maintenance_runs_task ON maintenance_runs (task, id);
CREATE TABLE scenario_runs (
  id INTEGER PRIMARY KEY,
  scenario TEXT NOT NULL,
  incident_seq INTEGER,
  requested_by TEXT NOT NULL,
  requested_at INTEGER NOT NULL,
  params_json TEXT NOT NULL,
  confirmations_json TEXT NOT NULL,
  dry_run INTEGER NOT NULL,
  next_step INTEGER NOT NULL,
  status TEXT NOT NULL,
  waiting_run INTEGER,
  finished_at INTEGER
);
CREATE INDEX scenario_runs_waiting ON scenario_runs (waiting_run) WHERE status = 'waiting';
ALTER TABLE action_runs ADD COLUMN scenario_run INTEGER;
CREATE INDEX action_runs_scenario_run ON action_runs (scenario_run, id) WHERE scenario_run IS NOT NULL;
CREATE TABLE deploys (
  id INTEGER PRIMARY KEY,
  title TEXT NOT NULL,
  status TEXT NOT NULL,
  started_by TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_by TEXT,
  finished_at INTEGER,
  window_id TEXT
);
CREATE TABLE checklists (
  id INTEGER PRIMARY KEY,
  subject_kind TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  name TEXT NOT NULL,
  title TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (subject_kind, subject_id, name)
);
CREATE TABLE checklist_items (
  checklist_id INTEGER NOT NULL,
  position INTEGER NOT NULL,
  text TEXT NOT NULL,
  check_id TEXT,
  hold_ms INTEGER,
  passing_since INTEGER,
  done_at INTEGER,
  done_by TEXT,
  note TEXT,
  PRIMARY KEY (checklist_id, position)
);
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
