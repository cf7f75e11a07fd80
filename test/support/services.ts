/**
 * Real services for tests: each test file gets its own PostgreSQL database and its own Redis key
 * prefix. Outside CI a missing service skips the test loudly; under CI=true it fails the test.
 */
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';

const PG_ADMIN = process.env.VIGIE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.VIGIE_TEST_REDIS ?? 'redis://127.0.0.1:6379';

/** missing skips (outside CI) or fails (under CI) a test whose service is not there; the caller returns. */
function missing(t: TestContext, what: string, error: unknown): undefined {
  const reason = `${what} is not reachable (${(error as Error).message}); start it, or set VIGIE_TEST_PG / VIGIE_TEST_REDIS`;
  if (process.env.CI === 'true') throw new Error(`CI needs ${reason}`);
  console.warn(`\n!!! SKIPPED: ${reason}\n`);
  t.skip(reason);
  return undefined;
}

/** TestDatabase is a fresh PostgreSQL database owned by one test file. */
export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** freshDatabase creates an empty database for the calling test and gives its URL; undefined when skipped. */
export async function freshDatabase(t: TestContext): Promise<TestDatabase | undefined> {
  const admin = new pg.Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (error) {
    return missing(t, `PostgreSQL at ${PG_ADMIN}`, error);
  }
  const name = `vigie_test_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: PG_ADMIN });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** TestRedis is the shared Redis with a key prefix owned by one test file. */
export interface TestRedis {
  readonly url: string;
  readonly prefix: string;
  /** clean deletes every key under the prefix. */
  clean(): Promise<void>;
}

/** freshRedis checks Redis answers and gives a key prefix no other test uses; undefined when skipped. */
export async function freshRedis(t: TestContext): Promise<TestRedis | undefined> {
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 3000,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    return missing(t, `Redis at ${REDIS_URL}`, error);
  }
  const prefix = `vigie-test:${randomBytes(6).toString('hex')}:`;
  return {
    url: REDIS_URL,
    prefix,
    async clean() {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        if (keys.length > 0) await client.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      client.disconnect();
    },
  };
}
