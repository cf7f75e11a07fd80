import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { LATENCY_BOUNDS } from '../../src/store/histogram.ts';
import { MIGRATIONS, type Migration, migrate, schemaVersion } from '../../src/store/migrations.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { StoreError } from '../../src/store/store.ts';
import { scratchDir, T0 } from './support.ts';

const dir = scratchDir();

function versions(path: string): number[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db
      .prepare('SELECT version FROM schema_migrations ORDER BY version')
      .all()
      .map((row) => Number(row.version));
  } finally {
    db.close();
  }
}

describe('store migrations', () => {
  it('creates a new store at the latest version, in WAL mode, and reopens it without reapplying', async () => {
    const path = join(dir, 'fresh.sqlite');
    const store = openSqliteStore(path);
    await store.append([{ checkId: 'api', at: T0, ok: true, latency: 5 }]);
    await store.close();
    assert.deepEqual(
      versions(path),
      MIGRATIONS.map((migration) => migration.version),
    );

    const again = openSqliteStore(path);
    assert.equal((await again.latest()).get('api')?.latency, 5);
    await again.close();
    assert.deepEqual(
      versions(path),
      MIGRATIONS.map((migration) => migration.version),
    );

    const db = new DatabaseSync(path);
    assert.equal(db.prepare('PRAGMA journal_mode').get()?.journal_mode, 'wal');
    db.close();
  });

  it('brings an older store up to date, applying only the missing steps', () => {
    const db = new DatabaseSync(':memory:');
    const first: Migration = { version: 1, name: 'a table', sql: 'CREATE TABLE a (x INTEGER)' };
    const second: Migration = { version: 2, name: 'a column', sql: 'ALTER TABLE a ADD COLUMN y TEXT' };
    migrate(db, 'test', [first]);
    db.exec('INSERT INTO a (x) VALUES (1)');
    migrate(db, 'test', [first, second]);
    migrate(db, 'test', [first, second]);
    assert.equal(schemaVersion(db), 2);
    assert.deepEqual({ ...db.prepare('SELECT x, y FROM a').get() }, { x: 1, y: null });
    db.close();
  });

  it('refuses a store written by a newer Vigie, saying which versions and how to fix it', () => {
    const path = join(dir, 'future.sqlite');
    const db = new DatabaseSync(path);
    migrate(db, path);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
      999,
      'future',
      T0,
    );
    db.close();

    assert.throws(
      () => openSqliteStore(path),
      (error: unknown) =>
        error instanceof StoreError &&
        error.code === 'STORE_TOO_NEW' &&
        error.message.includes('999') &&
        error.message.includes(String(MIGRATIONS.length)) &&
        /upgrade Vigie/.test(error.fix),
    );
  });

  it('rolls a failed step back and leaves the store at the previous version', () => {
    const db = new DatabaseSync(':memory:');
    const good: Migration = { version: 1, name: 'good', sql: 'CREATE TABLE a (x INTEGER)' };
    const bad: Migration = {
      version: 2,
      name: 'bad',
      sql: 'CREATE TABLE b (x INTEGER); SELECT * FROM missing',
    };
    assert.throws(
      () => migrate(db, 'test', [good, bad]),
      (error: unknown) => error instanceof StoreError && error.code === 'STORE_MIGRATION_FAILED',
    );
    assert.equal(schemaVersion(db), 1);
    assert.equal(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'b'").get()?.n, 0);
    db.close();
  });

  it('refuses a migration list with gaps', () => {
    const db = new DatabaseSync(':memory:');
    assert.throws(() => migrate(db, 'test', [{ version: 2, name: 'gap', sql: '' }]), /without gaps/);
    db.close();
  });

  it('stores one histogram column per latency bound', () => {
    const db = new DatabaseSync(':memory:');
    migrate(db, 'test');
    for (const table of ['rollup_minute', 'rollup_hour']) {
      const columns = db
        .prepare(`PRAGMA table_info(${table})`)
        .all()
        .map((row) => String(row.name))
        .filter((name) => name.startsWith('le_'));
      assert.deepEqual(
        columns,
        LATENCY_BOUNDS.map((bound) => (Number.isFinite(bound) ? `le_${bound}` : 'le_inf')),
      );
    }
    db.close();
  });

  it('reports a file that is not a store with a code and a fix', () => {
    const path = join(dir, 'not-a-store.sqlite');
    writeFileSync(path, 'this is not a database, just text long enough to fill a header '.repeat(10));
    assert.throws(
      () => openSqliteStore(path),
      (error: unknown) =>
        error instanceof StoreError && error.code === 'STORE_OPEN_FAILED' && error.message.includes(path),
    );
    assert.throws(
      () => openSqliteStore(join(dir, 'missing-dir', 'store.sqlite')),
      (error: unknown) => error instanceof StoreError && error.code === 'STORE_OPEN_FAILED',
    );
  });
});
