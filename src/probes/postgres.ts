/**
 * The postgres probe: the server's own health (connections against `max_connections`, blocked
 * sessions, the longest running query, idle transactions, database size) read in the same round trip
 * as the check's query. It also holds the pooling the sql probe shares: one small pool per DSN, a
 * statement timeout on every query, read-only sessions, and errors with the password masked.
 */
import pg from 'pg';
import { describeError } from '../errors.ts';
import { abortable, abortMessage, elapsed, failure, type Probe } from './probe.ts';

// Enough for a check and its neighbour: a thousand checks on one database queue here, not on the server.
const POOL_SIZE = 2;
const IDLE_MS = 30_000;
const CANCEL_CONNECT_MS = 2000;
const INT8_OID = 20;
const NUMERIC_OID = 1700;

// The activity measures look at this database only, but connections count against the whole server's limit.
const MEASURES = `SELECT
  count(*) FILTER (WHERE backend_type = 'client backend')::int AS connections,
  current_setting('max_connections')::int AS max_connections,
  count(*) FILTER (WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0)::int AS blocked,
  coalesce(extract(epoch FROM max(now() - query_start) FILTER (
    WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()
  )), 0)::float8 AS longest_query_seconds,
  count(*) FILTER (WHERE datname = current_database() AND state LIKE 'idle in transaction%')::int AS idle_in_transaction,
  pg_database_size(current_database())::float8 AS database_size
FROM pg_stat_activity`;

interface Measures {
  readonly connections: number;
  readonly max_connections: number;
  readonly blocked: number;
  readonly longest_query_seconds: number;
  readonly idle_in_transaction: number;
  readonly database_size: number;
}

/**
 * postgresProbe observes a PostgreSQL server at the DSN `target.target`; values: `connections`,
 * `max_connections`, `connections_used_percent`, `blocked`, `longest_query_seconds`,
 * `idle_in_transaction`, `database_size` (bytes), and with `target.query` its first row's columns,
 * `rows` and `value` (the first column of the first row).
 */
export function postgresProbe(): Probe {
  const pools = pgPools();
  return {
    kind: 'postgres',
    async run(target, signal) {
      const start = performance.now();
      try {
        const query = target.query?.trim();
        const [measures, answer] = await pools.query(
          target.target,
          query ? `${MEASURES};\n${query}` : MEASURES,
          target.timeout,
          signal,
        );
        const health = measures?.rows[0] as Measures | undefined;
        if (!health) throw new Error('pg_stat_activity gave no row');
        const used = health.max_connections ? health.connections / health.max_connections : 0;
        const values = { ...health, connections_used_percent: Math.round(used * 1000) / 10 };
        return {
          ok: true,
          latency: elapsed(start),
          values: answer ? { ...values, ...rowValues(answer) } : values,
        };
      } catch (error) {
        return failure(start, error);
      }
    },
    close: () => pools.close(),
  };
}

/** PgPools runs queries through one small pool per DSN, so many checks on one database share two connections. */
export interface PgPools {
  /**
   * query runs `sql` (one or more statements) in a read-only session within `timeout` milliseconds or
   * until `signal` aborts, and gives one result per statement; it rejects with an error that names
   * the server with its password masked.
   */
  query(dsn: string, sql: string, timeout: number, signal: AbortSignal): Promise<pg.QueryResult[]>;
  /** close ends every pool. */
  close(): Promise<void>;
}

/** pgPools creates an empty set of pools, opened on first use of each DSN. */
export function pgPools(): PgPools {
  const pools = new Map<string, pg.Pool>();
  const poolFor = (dsn: string, timeout: number): pg.Pool => {
    let pool = pools.get(dsn);
    if (!pool) {
      pool = new pg.Pool({
        connectionString: dsn,
        max: POOL_SIZE,
        idleTimeoutMillis: IDLE_MS,
        connectionTimeoutMillis: timeout,
        allowExitOnIdle: true,
        fallback_application_name: 'vigie',
        // A probe mutates nothing: a check's query cannot write, even by mistake.
        options: '-c default_transaction_read_only=on',
        types: { getTypeParser: parserFor },
      });
      // An idle connection the server drops must not crash the process; the next query reconnects.
      pool.on('error', () => {});
      pools.set(dsn, pool);
    }
    return pool;
  };
  return {
    async query(dsn, sql, timeout, signal) {
      const start = performance.now();
      const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeout)]);
      const server = serverName(dsn);
      let client: pg.PoolClient;
      try {
        client = await abortable(poolFor(dsn, timeout).connect(), deadline, (late) => late.release());
      } catch (error) {
        const why = deadline.aborted
          ? `${abortMessage(deadline, timeout)} while connecting`
          : describeError(error);
        throw new Error(maskCredentials(`cannot connect to ${server}: ${why}`, dsn));
      }
      let broken = false;
      try {
        // The server stops the query itself at the deadline, so a cut run leaves no work behind it.
        const remaining = Math.max(1, Math.floor(timeout - (performance.now() - start)));
        const sent = client.query(`SET statement_timeout = ${remaining};\n${sql}`) as Promise<unknown>;
        const results = await abortable(sent, deadline, () => {});
        return (Array.isArray(results) ? results : [results]).slice(1) as pg.QueryResult[];
      } catch (error) {
        // A connection abandoned mid-query may still be busy: destroy it rather than hand it to the next check.
        broken = deadline.aborted || !(error instanceof pg.DatabaseError);
        // The server would not notice the closed socket until the query ends: stop the query there too.
        if (deadline.aborted) cancelBackend(dsn, client);
        let why = `query failed: ${describeError(error)}`;
        if (deadline.aborted) why = `${abortMessage(deadline, timeout)} while running the query`;
        // 57014 is also an administrator's cancel; only the statement timeout is ours.
        else if (isStatementTimeout(error)) why = `timed out after ${timeout}ms while running the query`;
        throw new Error(maskCredentials(`${server}: ${why}`, dsn));
      } finally {
        client.release(broken ? new Error('abandoned') : undefined);
      }
    },
    async close() {
      const ending = [...pools.values()].map((pool) => pool.end());
      pools.clear();
      await Promise.all(ending);
    },
  };
}

/** rowValues gives the values of a query result: its first row's columns, `rows` (count) and `value` (first column of first row). */
export function rowValues(result: pg.QueryResult): Record<string, unknown> {
  const first: Record<string, unknown> = result.rows[0] ?? {};
  const column = result.fields[0]?.name;
  return { ...first, rows: result.rows.length, value: column === undefined ? null : (first[column] ?? null) };
}

/** maskCredentials replaces the password of every `scheme://user:password@` in a text, and the password of `url` wherever it appears, with `****`. */
export function maskCredentials(text: string, url?: string): string {
  let masked = text
    .replace(/(\/\/[^\s:@/]*):[^\s/]*@/g, '$1:****@')
    .replace(/([?&]password=)[^&\s]*/gi, '$1****');
  const password = url === undefined ? '' : passwordOf(url);
  // Below four characters a password would mask ordinary words; the patterns above still catch it in a URL.
  for (const form of new Set([password, safeDecode(password)])) {
    if (form.length >= 4) masked = masked.replaceAll(form, '****');
  }
  return masked;
}

/** serverName names a DSN's server in messages: a URL, which the caller masks; any other form stays out, as its password could not be found. */
function serverName(dsn: string): string {
  return /^postgres(ql)?:\/\//i.test(dsn) ? dsn : 'PostgreSQL';
}

function passwordOf(url: string): string {
  const written = /^[a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:([^\s/]*)@/i.exec(url)?.[1];
  if (written) return written;
  return /[?&]password=([^&\s]*)/i.exec(url)?.[1] ?? '';
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** cancelBackend asks the server, over a connection of its own, to stop what `busy` is running; it never waits nor fails. */
function cancelBackend(dsn: string, busy: pg.PoolClient): void {
  // node-postgres keeps the backend's pid from the connection handshake but does not type it.
  const pid = (busy as unknown as { processID?: unknown }).processID;
  if (typeof pid !== 'number') return;
  const canceller = new pg.Client({
    connectionString: dsn,
    connectionTimeoutMillis: CANCEL_CONNECT_MS,
    fallback_application_name: 'vigie',
  });
  canceller.on('error', () => {});
  canceller
    .connect()
    .then(() => canceller.query('SELECT pg_cancel_backend($1)', [pid]))
    .catch(() => {})
    .finally(() => canceller.end().catch(() => {}));
}

function isStatementTimeout(error: unknown): boolean {
  return (
    error instanceof pg.DatabaseError && error.code === '57014' && error.message.includes('statement timeout')
  );
}

/** parserFor reads counts and sums as numbers, so that `value > 0` compares numbers, keeping text only where a number would lose digits. */
function parserFor(oid: number, format?: 'text' | 'binary'): (text: string) => unknown {
  if (oid !== INT8_OID && oid !== NUMERIC_OID) return pg.types.getTypeParser(oid, format ?? 'text');
  return (text) => {
    const number = Number(text);
    return (oid === INT8_OID ? Number.isSafeInteger(number) : Number.isFinite(number)) ? number : text;
  };
}
