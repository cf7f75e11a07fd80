/**
 * Blast radius: what a destructive SQL or Redis step would touch, measured without touching it. A
 * `DELETE` or `UPDATE` becomes a `SELECT count(*)` with the same WHERE and the same bind values (one
 * with a CTE, USING or FROM gets the planner's estimate), a `TRUNCATE` counts its tables' rows, a
 * `pg_terminate_backend` query lists the sessions it selects, a Redis `DEL` counts the keys that
 * exist, a pattern is counted with SCAN, a `FLUSHDB` with DBSIZE. The SQL probes are planned here and
 * run by the sql executor inside its READ ONLY transaction.
 */
import type { Redis } from 'ioredis';

/**
 * SqlProbe is a read-only query that measures what one statement would touch: an exact count, the
 * sessions a kill selects, or (`estimate`) the planner's guess for a statement too involved to count
 * by rewriting it (a CTE, `DELETE … USING`, `UPDATE … FROM`).
 */
export interface SqlProbe {
  readonly action: 'delete' | 'update' | 'truncate' | 'terminate' | 'cancel' | 'estimate';
  /** The table a DELETE or UPDATE names, as written. */
  readonly table?: string;
  readonly text: string;
  readonly values: readonly string[];
}

const SESSION_COLUMNS = 'usename, state, query';
const SCAN_COUNT = 1000;

/** formatCount writes a count with thousands separators: 1,204. */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

/**
 * sqlBlast plans the probe of one statement (with `$n` bind parameters and their values): an exact
 * count for a plain DELETE, UPDATE or TRUNCATE, the planner's estimate for one too involved to
 * rewrite (a CTE, `DELETE … USING`, `UPDATE … FROM`), or undefined for a statement that destroys nothing.
 */
export function sqlBlast(statement: string, values: readonly string[]): SqlProbe | undefined {
  const code = blankQuoted(statement);
  const remove = /^\s*DELETE\s+FROM\s+/i.exec(code);
  if (remove) {
    const using = topLevel(code, 'USING', remove[0].length);
    if (using !== undefined) return estimateProbe(statement, values);
    return (
      countProbe('delete', statement, code, remove[0].length, values) ?? estimateProbe(statement, values)
    );
  }
  const update = /^\s*UPDATE\s+/i.exec(code);
  if (update) {
    const set = topLevel(code, 'SET', update[0].length);
    if (set === undefined) return undefined;
    const where = topLevel(code, 'WHERE', set);
    if (topLevel(code, 'FROM', set, where) !== undefined) return estimateProbe(statement, values);
    const table = statement.slice(update[0].length, set).trim();
    return countProbe('update', statement, code, set, values, table);
  }
  const truncate = /^\s*TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?/i.exec(code);
  if (truncate) {
    const end = /\b(?:RESTART|CONTINUE|CASCADE|RESTRICT)\b|;|$/i.exec(code.slice(truncate[0].length));
    const tables = statement
      .slice(truncate[0].length, truncate[0].length + (end?.index ?? 0))
      .split(',')
      .map((table) => table.trim())
      .filter((table) => table !== '');
    if (tables.length === 0) return undefined;
    const counts = tables.map((table) => `(SELECT count(*) FROM ${table})`).join(' + ');
    return { action: 'truncate', table: tables.join(', '), text: `SELECT ${counts}`, values: [] };
  }
  if (/^\s*WITH\b/i.test(code) && /\b(?:DELETE|UPDATE)\b/i.test(code))
    return estimateProbe(statement, values);
  const kill =
    /^(\s*SELECT\s+(?:[\s\S]*?,\s*)?)pg_(terminate|cancel)_backend\s*\(\s*([\w.]+|\$\d+)\s*\)/i.exec(code);
  if (kill) {
    const action = kill[2]!.toLowerCase() === 'terminate' ? 'terminate' : 'cancel';
    const arg = statement.slice(kill[0].lastIndexOf('(') + 1, kill[0].length - 1).trim();
    const rest = statement.slice(kill[0].length);
    const hasFrom = topLevel(code, 'FROM', kill[0].length) !== undefined;
    const text = hasFrom
      ? `${statement.slice(0, kill[1]!.length)}${arg} AS pid, ${SESSION_COLUMNS}${rest}`
      : `SELECT pid, ${SESSION_COLUMNS} FROM pg_stat_activity WHERE pid = ${arg}`;
    return { action, ...renumbered(withoutTail(text), values) };
  }
  return undefined;
}

/** describeSqlBlast says in one line what the probe found: "would delete 42 rows from jobs". */
export function describeSqlBlast(probe: SqlProbe, rows: readonly (readonly (string | null)[])[]): string {
  if (probe.action === 'terminate' || probe.action === 'cancel') {
    const verb = probe.action === 'terminate' ? 'terminate' : 'cancel the queries of';
    const n = rows.length;
    return `would ${verb} ${formatCount(n)} ${n === 1 ? 'session' : 'sessions'}${n > 0 ? ':' : ''}`;
  }
  if (probe.action === 'estimate') return describeEstimate(rows[0]?.[0] ?? null);
  const n = Number(rows[0]?.[0] ?? 0);
  const noun = n === 1 ? 'row' : 'rows';
  if (probe.action === 'truncate') return `would empty ${probe.table}: ${formatCount(n)} ${noun}`;
  return probe.action === 'delete'
    ? `would delete ${formatCount(n)} ${noun} from ${probe.table}`
    : `would update ${formatCount(n)} ${noun} of ${probe.table}`;
}

function estimateProbe(statement: string, values: readonly string[]): SqlProbe {
  return {
    action: 'estimate',
    text: `EXPLAIN (FORMAT JSON) ${withoutSemicolon(statement)}`,
    values: [...values],
  };
}

const withoutSemicolon = (text: string): string => text.replace(/[\s;]+$/, '');

interface PlanNode {
  readonly 'Node Type'?: string;
  readonly Operation?: string;
  readonly 'Relation Name'?: string;
  readonly 'Plan Rows'?: number;
  readonly Plans?: readonly PlanNode[];
}

/**
 * describeEstimate reads an EXPLAIN (FORMAT JSON) plan: each table a ModifyTable node changes, with
 * the rows the planner expects to reach it (its input's estimate), since it cannot be counted exactly
 * without running the statement.
 */
function describeEstimate(plan: string | null): string {
  const changes = new Map<string, number>();
  const visit = (node: PlanNode): void => {
    if (node['Node Type'] === 'ModifyTable' && node.Operation && node['Relation Name']) {
      const key = `${node.Operation.toLowerCase()} ${node['Relation Name']}`;
      const rows = node.Plans?.[0]?.['Plan Rows'] ?? node['Plan Rows'] ?? 0;
      changes.set(key, (changes.get(key) ?? 0) + rows);
    }
    for (const child of node.Plans ?? []) visit(child);
  };
  try {
    const parsed = (typeof plan === 'string' ? JSON.parse(plan) : plan) as { Plan: PlanNode }[];
    for (const root of parsed) visit(root.Plan);
  } catch {
    return 'the planner gave no estimate of what this would change';
  }
  if (changes.size === 0) return 'would change no table, by the planner';
  const parts = [...changes].map(([key, rows]) => {
    const [operation, table] = key.split(' ');
    const noun = rows === 1 ? 'row' : 'rows';
    return operation === 'delete'
      ? `delete about ${formatCount(rows)} ${noun} from ${table}`
      : `${operation} about ${formatCount(rows)} ${noun} of ${table}`;
  });
  return `would ${parts.join(', ')} (planner estimate: a CTE or a join cannot be counted without running it)`;
}

function countProbe(
  action: 'delete' | 'update',
  statement: string,
  code: string,
  from: number,
  values: readonly string[],
  table?: string,
): SqlProbe | undefined {
  const where = topLevel(code, 'WHERE', from);
  if (where !== undefined && /^WHERE\s+CURRENT\s+OF\b/i.test(code.slice(where))) return undefined;
  const named = table ?? statement.slice(from, where ?? endOfClause(code, from)).trim();
  const condition = where === undefined ? '' : ` ${statement.slice(where, endOfClause(code, where))}`;
  const text = `SELECT count(*) FROM ${named}${condition}`.trim();
  return { action, table: named.replace(/^ONLY\s+/i, ''), ...renumbered(text, values) };
}

/** endOfClause is where RETURNING (or the end of the statement) cuts a clause that starts at `from`. */
function endOfClause(code: string, from: number): number {
  const returning = topLevel(code, 'RETURNING', from);
  const end = returning ?? code.replace(/[\s;]+$/, '').length;
  return end;
}

function withoutTail(text: string): string {
  const code = blankQuoted(text);
  return text.slice(0, endOfClause(code, 0)).trim();
}

/** renumbered gives a probe's text with the `$n` it uses renumbered from $1, and only their values. */
function renumbered(text: string, values: readonly string[]): { text: string; values: string[] } {
  const code = blankQuoted(text);
  const map = new Map<number, number>();
  const kept: string[] = [];
  let out = '';
  let last = 0;
  for (const match of code.matchAll(/\$(\d+)/g)) {
    const old = Number(match[1]);
    let index = map.get(old);
    if (index === undefined) {
      kept.push(values[old - 1] ?? '');
      index = kept.length;
      map.set(old, index);
    }
    out += `${text.slice(last, match.index)}$${index}`;
    last = match.index + match[0].length;
  }
  return { text: out + text.slice(last), values: kept };
}

/** topLevel finds a keyword outside parentheses between `from` and `to`, in code whose quotes are blanked. */
function topLevel(code: string, keyword: string, from: number, to = code.length): number | undefined {
  const word = new RegExp(`\\b${keyword}\\b`, 'iy');
  let depth = 0;
  for (let i = from; i < to; i++) {
    const c = code.charAt(i);
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && /[A-Za-z]/.test(c) && !/[\w$]/.test(code.charAt(i - 1))) {
      word.lastIndex = i;
      if (word.test(code)) return i;
    }
  }
  return undefined;
}

/** blankQuoted keeps a statement's length but turns the inside of its literals, identifiers and comments into spaces. */
function blankQuoted(sql: string): string {
  return sql.replace(
    /'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\/|(\$\w*\$)[\s\S]*?\1/g,
    (piece) => piece.charAt(0) + ' '.repeat(Math.max(0, piece.length - 2)) + piece.charAt(piece.length - 1),
  );
}

/** RedisDeletion is a Redis command that removes keys, as the redis executor reads it. */
export type RedisDeletion =
  | { readonly argv: readonly string[] }
  | { readonly pattern: string; readonly command: string };

/**
 * redisBlast measures what a Redis command would remove: the keys of DEL/UNLINK that exist, the keys
 * a pattern matches (counted with SCAN, never KEYS), the size of the database for FLUSHDB and of
 * every database for FLUSHALL; undefined for a command that removes no keys.
 */
export async function redisBlast(client: Redis, step: RedisDeletion): Promise<string | undefined> {
  if ('pattern' in step) {
    const n = await countMatches(client, step.pattern);
    return `would delete ${formatCount(n)} ${n === 1 ? 'key' : 'keys'} matching ${step.pattern}`;
  }
  const [name, ...args] = step.argv;
  switch ((name ?? '').toUpperCase()) {
    case 'DEL':
    case 'UNLINK': {
      if (args.length === 0) return undefined;
      const n = Number(await client.call('EXISTS', ...args));
      const noun = args.length === 1 ? 'key' : 'keys';
      return n === args.length
        ? `would delete ${formatCount(n)} ${noun}`
        : `would delete ${formatCount(n)} of the ${formatCount(args.length)} ${noun} named (the others do not exist)`;
    }
    case 'FLUSHDB': {
      const n = await client.dbsize();
      return `would delete all ${formatCount(n)} keys of this database`;
    }
    case 'FLUSHALL': {
      const info = await client.info('keyspace');
      const n = [...info.matchAll(/^db\d+:keys=(\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
      return `would delete all ${formatCount(n)} keys of every database`;
    }
    default:
      return undefined;
  }
}

/** countMatches counts the keys matching a pattern with SCAN, which never blocks the server the way KEYS does. */
export async function countMatches(client: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  // SCAN may return a key twice while the keyspace is rehashed: count each once.
  const seen = new Set<string>();
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
    for (const key of keys) seen.add(key);
    cursor = next;
  } while (cursor !== '0');
  return seen.size;
}
