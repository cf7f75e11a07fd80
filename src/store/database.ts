/**
 * Opening the embedded SQLite file, the same way for every store that lives in it: a busy timeout for
 * another process's lock, WAL so readers never wait for a writer, the store's own durability, and the
 * migrations brought up to date. Whatever fails comes back as a StoreError that says how to fix it.
 */
import { DatabaseSync } from 'node:sqlite';
import { migrate } from './migrations.ts';
import { StoreError } from './store.ts';

/** DatabaseOptions tune one connection to the store file. */
export interface DatabaseOptions {
  /** How long a write waits for another process's lock, in ms. */
  readonly busyTimeoutMs: number;
  /** FULL syncs every commit (survives a power cut); NORMAL syncs at checkpoints (survives a crash). */
  readonly synchronous: 'FULL' | 'NORMAL';
  /** Page cache in KiB, when the default (2 MB) is not enough. */
  readonly cacheKib?: number;
  /** Clock stamped on applied migrations. */
  readonly now?: () => number;
}

/** openDatabase opens (creating and migrating) the store file at `path`, or ':memory:'. */
export function openDatabase(path: string, options: DatabaseOptions): DatabaseSync {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
  } catch (error) {
    throw openFailed(path, error);
  }
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.floor(options.busyTimeoutMs)}`);
    db.exec('PRAGMA journal_mode = WAL');
    db.exec(`PRAGMA synchronous = ${options.synchronous}`);
    if (options.cacheKib !== undefined) db.exec(`PRAGMA cache_size = -${Math.floor(options.cacheKib)}`);
    migrate(db, path, undefined, options.now);
  } catch (error) {
    db.close();
    throw error instanceof StoreError ? error : openFailed(path, error);
  }
  return db;
}

function openFailed(path: string, error: unknown): StoreError {
  return new StoreError(
    'STORE_OPEN_FAILED',
    `cannot open store ${path}: ${error instanceof Error ? error.message : String(error)}`,
    'check that the directory exists and is writable and that the file is a Vigie store (SQLite)',
    { cause: error },
  );
}
