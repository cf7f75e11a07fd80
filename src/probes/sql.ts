/**
 * The sql probe: an assertion over the data itself ("are there future tournaments?", "duplicate
 * events", "non-positive buy-in"), written as a query whose answer the check's conditions judge,
 * usually `SELECT count(*) …` with `expect: ["value > 0"]` or `["value == 0"]`.
 */
import { pgPools, rowValues } from './postgres.ts';
import { elapsed, failure, type Probe } from './probe.ts';

/**
 * sqlProbe runs `target.query` (or `target.target` when there is no query) on the PostgreSQL service
 * whose DSN is `target.connection`; values: the first row's columns, `rows` and `value` (the first
 * column of the first row, null when there is no row).
 */
export function sqlProbe(): Probe {
  const pools = pgPools();
  return {
    kind: 'sql',
    async run(target, signal) {
      const start = performance.now();
      if (!target.connection) {
        return failure(start, 'no PostgreSQL to query: name a service with a postgres connection string');
      }
      const query = (target.query ?? target.target).trim();
      if (!query) return failure(start, 'no SQL to run: write the query in the check');
      try {
        const [answer] = await pools.query(target.connection, query, target.timeout, signal);
        if (!answer) throw new Error('the query gave no result');
        return { ok: true, latency: elapsed(start), values: rowValues(answer) };
      } catch (error) {
        return failure(start, error);
      }
    },
    close: () => pools.close(),
  };
}
