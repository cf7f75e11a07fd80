/**
 * The sql executor: the statements of an sql step (or of a `psql … -c "…"` line) run on the
 * PostgreSQL of the step's service, shown as psql shows them: an aligned table and "(N rows)".
 *
 * In read mode a step physically cannot write. The session starts read-only, the transaction is
 * `BEGIN READ ONLY` and made so for good by a first query (PostgreSQL refuses to turn a transaction
 * read-write once it has run one), each statement goes alone through the extended protocol (so
 * `SELECT 1; COMMIT; DELETE …` cannot slip a second statement into one message), statements that
 * end the transaction or change the session are refused, and so are the functions that act on the
 * server without writing (pg_terminate_backend, set_config, …). The transaction is rolled back and
 * the connection closed after every run.
 *
 * In write mode the statements run in one ordinary transaction, committed when all succeed, under the
 * same statement_timeout. A statement PostgreSQL refuses inside a transaction block (VACUUM, CREATE
 * INDEX CONCURRENTLY, CREATE DATABASE, …) runs instead alone, in autocommit, under a session
 * statement_timeout; the step must hold nothing else, since its statements could no longer commit or
 * fail together. Parameters are bind parameters (`$1`), their values sent apart from the SQL.
 * A dry run measures, in a READ ONLY transaction, what a DELETE, UPDATE or pg_terminate_backend would
 * touch (blast.ts), and changes nothing.
 */
import pg from 'pg';
import { describeError } from '../errors.ts';
import { abortable, abortMessage } from '../probes/probe.ts';
import { parseShell } from '../runbook/import/shell.ts';
import { type BoundSql, bindSql, fillWord, hasParams, sqlLiteral } from './bind.ts';
import { describeSqlBlast, sqlBlast } from './blast.ts';
import {
  type Execution,
  type ExecutionContext,
  type Executor,
  failure,
  refusal,
  type Unreadable,
} from './executor.ts';
import { capture } from './output.ts';
import { endpointOf, passwordOf } from './services.ts';
import type { StepRequest } from './step.ts';
import { displayWords, expand, type Vars, variables } from './words.ts';

// Rows are fetched in batches, and no more than MAX_ROWS: a step that selects a whole table shows its start.
const BATCH_ROWS = 200;
const MAX_ROWS = 1000;
// A cell longer than this is cut: one huge value would otherwise widen every line of the table.
const MAX_CELL = 2000;
const READ_SLACK = 4096;
const NUMERIC_TYPES = new Set([20, 21, 23, 26, 700, 701, 790, 1700]);
const RAW_TEXT: pg.CustomTypesConfig = {
  // Values are shown as PostgreSQL prints them, not as JavaScript would reprint them.
  getTypeParser: (() => (value: string) => value) as unknown as pg.CustomTypesConfig['getTypeParser'],
};

/** Statements that would end the read-only transaction or change the session, with why. */
const SESSION_CONTROL: Readonly<Record<string, string>> = {
  BEGIN: 'controls the transaction',
  START: 'controls the transaction',
  COMMIT: 'controls the transaction',
  END: 'controls the transaction',
  ROLLBACK: 'controls the transaction',
  ABORT: 'controls the transaction',
  SAVEPOINT: 'controls the transaction',
  RELEASE: 'controls the transaction',
  PREPARE: 'prepares statements or transactions',
  EXECUTE: 'runs a prepared statement',
  DEALLOCATE: 'changes the session',
  SET: 'changes the session',
  RESET: 'changes the session',
  DISCARD: 'changes the session',
  DO: 'runs procedural code',
  CALL: 'runs a procedure, which may commit',
  COPY: 'moves data to or from files and programs',
  LISTEN: 'changes the session',
  UNLISTEN: 'changes the session',
  NOTIFY: 'sends notifications',
  LOAD: 'loads a library into the server',
  CHECKPOINT: 'acts on the server',
  VACUUM: 'changes tables',
};

/** Functions that act on the server or other sessions without writing data, which READ ONLY lets through. */
const SERVER_ACTIONS =
  /\b(pg_terminate_backend|pg_cancel_backend|pg_reload_conf|pg_rotate_logfile|set_config|pg_switch_wal|pg_promote|pg_create_restore_point|pg_(?:create|drop)_\w*slot|pg_replication_origin_\w+|dblink\w*|lo_\w+|pg_file_\w+|pg_notify|pg_logical_emit_message|pg_stat_reset\w*|pg_wal_replay_\w+|pg_(?:try_)?advisory_\w+|pg_log_backend_memory_contexts)\s*\(/i;

/**
 * Statements PostgreSQL will not run inside a transaction block, with how to name them; the text
 * they are tested against has its comments and literals blanked out.
 */
const OUTSIDE_TRANSACTION: readonly { readonly pattern: RegExp; readonly name: string }[] = [
  { pattern: /^VACUUM\b/i, name: 'VACUUM' },
  { pattern: /^CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\b/i, name: 'CREATE INDEX CONCURRENTLY' },
  { pattern: /^DROP\s+INDEX\s+CONCURRENTLY\b/i, name: 'DROP INDEX CONCURRENTLY' },
  { pattern: /^REINDEX\b[^;]*\bCONCURRENTLY\b/i, name: 'REINDEX CONCURRENTLY' },
  { pattern: /^REINDEX\s+(?:\([^)]*\)\s*)?(?:DATABASE|SYSTEM)\b/i, name: 'REINDEX DATABASE' },
  { pattern: /^(?:CREATE|DROP)\s+DATABASE\b/i, name: 'CREATE or DROP DATABASE' },
  { pattern: /^ALTER\s+DATABASE\b[^;]*\bSET\s+TABLESPACE\b/i, name: 'ALTER DATABASE … SET TABLESPACE' },
  { pattern: /^(?:CREATE|DROP)\s+TABLESPACE\b/i, name: 'CREATE or DROP TABLESPACE' },
  { pattern: /^ALTER\s+SYSTEM\b/i, name: 'ALTER SYSTEM' },
  { pattern: /^CLUSTER\s*(?:\(\s*VERBOSE\s*\)|VERBOSE)?\s*$/i, name: 'CLUSTER of every table' },
  { pattern: /^(?:CREATE|DROP)\s+SUBSCRIPTION\b/i, name: 'CREATE or DROP SUBSCRIPTION' },
];

/**
 * outsideTransaction names the statement when PostgreSQL refuses to run it inside a transaction
 * block (VACUUM, CREATE INDEX CONCURRENTLY, …), so a write step runs it alone in autocommit; undefined
 * for any other statement.
 */
export function outsideTransaction(statement: string): string | undefined {
  const code = withoutLiterals(withoutComments(statement)).trim();
  return OUTSIDE_TRANSACTION.find((entry) => entry.pattern.test(code))?.name;
}

/** SqlStep is a step read into its statements and the server they run on. */
export interface SqlStep {
  readonly command: string;
  readonly statements: readonly string[];
  readonly dsn: string;
}

/** sqlExecutor runs sql steps, one connection per run, closed after it. */
export function sqlExecutor(): Executor {
  const open = new Set<pg.Client>();
  return {
    kind: 'sql',
    async run(request, context) {
      const read = readSql(request, variables(request.env));
      if ('refused' in read) return refusal(read.command, read.refused);
      if ('failed' in read) return failure(read.command, read.failed);
      const secrets = [passwordOf(read.dsn)].filter((value): value is string => value !== undefined);
      const notes: string[] = [];
      let statements = read.statements;
      let alone: string | undefined;
      if (context.mode === 'write') {
        statements = withoutOwnTransaction(statements, notes);
        const why = writeProblem(statements);
        if (why) return refusal(read.command, why, { target: read.dsn, secrets });
        const lone = loneStatement(statements);
        if ('problem' in lone) return refusal(read.command, lone.problem, { target: read.dsn, secrets });
        alone = lone.alone;
        if (alone !== undefined) {
          // Vigie's transaction does not replace the step's own BEGIN … COMMIT here: there is none.
          const dropped = notes.splice(0).length > 0 ? "the step's BEGIN … COMMIT was dropped: " : '';
          notes.push(
            `${dropped}${alone} runs alone, outside a transaction: PostgreSQL does not run it inside one`,
          );
        }
      } else {
        const why = readOnlyProblem(statements);
        if (why) return refusal(read.command, why, { target: read.dsn, secrets });
      }
      const bound: BoundSql[] = [];
      for (const statement of statements) {
        const bind = bindSql(statement, request.params);
        if ('problem' in bind) return refusal(read.command, bind.problem, { target: read.dsn, secrets });
        bound.push(bind);
      }
      const command = shownCommand(request, read, bound);
      const writing = context.mode === 'write' && !context.dryRun;
      const client = new pg.Client({
        connectionString: read.dsn,
        connectionTimeoutMillis: context.timeoutMs,
        application_name: writing ? 'vigie-action' : 'vigie-diagnosis',
        ...(writing ? {} : { options: '-c default_transaction_read_only=on' }),
      });
      client.on('error', () => {}); // a dropped connection ends this run only, reported by the query
      open.add(client);
      try {
        const ran = await runStatements(client, { ...read, command, statements }, bound, context, alone);
        return { ...ran, secrets, notes: [...notes, ...(ran.notes ?? [])] };
      } finally {
        open.delete(client);
        await closeClient(client, context.signal.aborted);
      }
    },
    async close() {
      await Promise.all([...open].map((client) => closeClient(client, true)));
      open.clear();
    },
  };
}

/** readOnlyProblem says why a statement may not run in a read step, or undefined when all may. */
export function readOnlyProblem(statements: readonly string[]): string | undefined {
  for (const statement of statements) {
    const code = withoutComments(statement).trim();
    if (code.startsWith('\\')) return `psql meta-command \`${code}\` is not SQL: run it by hand`;
    const keyword = /^[A-Za-z]+/.exec(code)?.[0]?.toUpperCase() ?? '';
    const control = SESSION_CONTROL[keyword];
    if (control) return `${keyword} ${control}: a read step runs in a read-only transaction Vigie keeps`;
    const action = SERVER_ACTIONS.exec(withoutLiterals(code));
    if (action) return `${action[1]}() acts on the server: a read step only reads`;
  }
  return undefined;
}

/** writeProblem says why a statement may not run in a write step, or undefined when all may. */
export function writeProblem(statements: readonly string[]): string | undefined {
  for (const statement of statements) {
    const code = withoutComments(statement).trim();
    if (code.startsWith('\\')) return `psql meta-command \`${code}\` is not SQL: run it by hand`;
    const keyword = /^[A-Za-z]+/.exec(code)?.[0]?.toUpperCase() ?? '';
    if (SESSION_CONTROL[keyword] === 'controls the transaction') {
      return `${keyword} inside the step: Vigie runs a write step in one transaction of its own, committed when every statement succeeds`;
    }
  }
  return undefined;
}

/**
 * loneStatement finds the statement of a write step that must run outside a transaction, if any, and
 * refuses a step that holds such a statement beside others: they could no longer succeed or fail
 * together, and a half-done step is worse than a refused one.
 */
function loneStatement(statements: readonly string[]): { alone?: string } | { problem: string } {
  const names = statements.map(outsideTransaction);
  const alone = names.find((name) => name !== undefined);
  if (alone === undefined) return {};
  if (statements.length > 1) {
    return {
      problem: `${alone} cannot run inside a transaction, and the other statements of this step run in one: give ${alone} a step of its own`,
    };
  }
  return { alone };
}

/** withoutOwnTransaction drops the step's own `BEGIN; … COMMIT;` around its statements: Vigie's transaction replaces it. */
function withoutOwnTransaction(statements: readonly string[], notes: string[]): readonly string[] {
  const first = withoutComments(statements[0] ?? '').trim();
  const last = withoutComments(statements.at(-1) ?? '').trim();
  if (
    statements.length > 2 &&
    /^(?:BEGIN|START\s+TRANSACTION)(?:\s+(?:WORK|TRANSACTION))?$/i.test(first) &&
    /^(?:COMMIT|END)(?:\s+(?:WORK|TRANSACTION))?$/i.test(last)
  ) {
    notes.push("the step's BEGIN … COMMIT was replaced by Vigie's own transaction");
    return statements.slice(1, -1);
  }
  return statements;
}

/** shownCommand is the step as run, each parameter shown as a SQL literal, for the timeline. */
function shownCommand(request: StepRequest, read: SqlStep, bound: readonly BoundSql[]): string {
  if (!hasParams(request.params)) return read.command;
  if (read.command === request.step.run.trim()) return bound.map((b) => b.shown).join(';\n');
  return fillWord(read.command, request.params, sqlLiteral);
}

function withoutComments(statement: string): string {
  return statement.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ');
}

function withoutLiterals(statement: string): string {
  return statement.replace(/'(?:[^']|'')*'/g, "''").replace(/"(?:[^"]|"")*"/g, '""');
}

/**
 * runStatements runs the statements in one transaction (read-only in read mode), or — `alone` naming
 * a statement PostgreSQL refuses inside one — that single statement in autocommit.
 */
async function runStatements(
  client: pg.Client,
  read: SqlStep,
  bound: readonly BoundSql[],
  context: ExecutionContext,
  alone?: string,
): Promise<Execution> {
  const start = performance.now();
  const { signal, timeoutMs } = context;
  const base = { command: read.command, target: read.dsn };
  try {
    await abortable(client.connect(), signal, () => {});
  } catch (error) {
    const why = signal.aborted ? `${abortMessage(signal, timeoutMs)} while connecting` : describeError(error);
    return failure(read.command, `cannot connect to ${serverName(read.dsn)}: ${why}`, base);
  }
  const blocks: string[] = [];
  let truncated = false;
  try {
    // A little under the deadline, so that the server says why it stopped rather than a dropped socket.
    const left = timeoutMs - (performance.now() - start);
    const remaining = Math.max(1, Math.floor(left - Math.min(100, left / 10)));
    const writing = context.mode === 'write' && !context.dryRun;
    const autocommit = writing && alone !== undefined;
    if (autocommit) {
      // No transaction to scope the limit to: the session carries it, and the session ends with the run.
      await abortable(client.query(`SET statement_timeout = ${remaining}`), signal, () => {});
    } else {
      await abortable(client.query(writing ? 'BEGIN' : 'BEGIN READ ONLY'), signal, () => {});
      await abortable(client.query(`SET LOCAL statement_timeout = ${remaining}`), signal, () => {});
    }
    // The first query fixes the transaction's mode: from here PostgreSQL refuses `SET transaction_read_only = off`.
    if (!writing) await abortable(client.query('SELECT 1'), signal, () => {});
    if (context.dryRun) {
      await abortable(measure(client, read, bound, blocks, alone), signal, () => {});
      const output = capture(blocks.join('\n'), context.outputCap + READ_SLACK, 'head');
      return { ...base, status: 'dry-run', output };
    }
    for (const statement of bound) {
      const result = await abortable(query(client, statement.text, statement.values), signal, () => {});
      blocks.push(renderResult(result));
      truncated ||= result.truncated;
    }
    if (writing && !autocommit) await abortable(client.query('COMMIT'), signal, () => {});
    const output = capture(blocks.join('\n'), context.outputCap + READ_SLACK, 'head');
    return { ...base, status: 'ok', output, truncated };
  } catch (error) {
    const shown = (signal.aborted ? blocks : [...blocks, errorText(error)]).join('\n');
    const ran = { ...base, output: capture(shown, context.outputCap + READ_SLACK, 'head'), truncated };
    if (signal.aborted) return failure(read.command, abortMessage(signal, timeoutMs), ran);
    if (isStatementTimeout(error)) {
      return failure(read.command, `timed out after ${timeoutMs}ms while running the query`, {
        ...ran,
        timedOut: true,
      });
    }
    return failure(read.command, describeError(error), ran);
  }
}

/** measure writes what a dry run would run, and the blast radius of each statement that has one, into `blocks`. */
async function measure(
  client: pg.Client,
  read: SqlStep,
  bound: readonly BoundSql[],
  blocks: string[],
  alone?: string,
): Promise<void> {
  const how = alone === undefined ? 'in one transaction' : `alone, outside a transaction (${alone} needs it)`;
  blocks.push(`would run on ${serverName(read.dsn)}, ${how}:`);
  for (const statement of bound) {
    blocks.push(`  ${statement.shown.replaceAll('\n', '\n  ')};`);
    const probe = sqlBlast(statement.text, statement.values);
    if (!probe) continue;
    await client.query('SAVEPOINT blast');
    try {
      const result = await query(client, probe.text, probe.values);
      blocks.push(describeSqlBlast(probe, result.rows));
      if ((probe.action === 'terminate' || probe.action === 'cancel') && result.rows.length > 0)
        blocks.push(renderResult(result));
    } catch (error) {
      // A probe that fails (a table that does not exist yet) leaves the reach unknown, not the dry run failed.
      await client.query('ROLLBACK TO SAVEPOINT blast');
      blocks.push(`blast radius unknown: ${describeError(error)}`);
    }
  }
  if (bound.length > 1) blocks.push('(each count ignores what the statements before it would change)');
}

interface Rows {
  readonly command: string | null;
  readonly rowCount: number | null;
  readonly fields: readonly { readonly name: string; readonly dataTypeID: number }[];
  readonly rows: readonly (readonly (string | null)[])[];
  readonly truncated: boolean;
}

interface Wire {
  sync(): void;
  execute(options: object): void;
  flush(): void;
}

/**
 * LimitedQuery is a one-statement query that stops fetching after MAX_ROWS rows. Fetching in batches
 * leaves the Sync to the client, so it must also send one after an error, as pg-cursor does, or the
 * server would wait for it and the connection hang.
 */
class LimitedQuery extends pg.Query {
  fetched = 0;
  truncated = false;
  synced = false;

  /** Called by pg each time the server pauses the portal after a batch of rows. */
  handlePortalSuspended(connection: Wire): void {
    this.fetched += BATCH_ROWS;
    if (this.fetched >= MAX_ROWS) {
      this.truncated = true;
      this.synced = true;
      connection.sync();
      return;
    }
    connection.execute({ portal: '', rows: BATCH_ROWS });
    connection.flush();
  }

  /** Called by pg when the statement completes; pg sends the Sync itself then. */
  handleCommandComplete(message: unknown, connection: Wire): void {
    this.synced = true;
    (
      pg.Query.prototype as unknown as { handleCommandComplete: (m: unknown, c: Wire) => void }
    ).handleCommandComplete.call(this, message, connection);
  }

  /** Called by pg on an error response: the server now waits for a Sync before it answers anything. */
  handleError(error: Error, connection: Wire): void {
    if (!this.synced) {
      this.synced = true;
      connection.sync();
    }
    (pg.Query.prototype as unknown as { handleError: (e: Error, c: Wire) => void }).handleError.call(
      this,
      error,
      connection,
    );
  }
}

function query(client: pg.Client, text: string, values: readonly string[] = []): Promise<Rows> {
  return new Promise((resolve, reject) => {
    const config = {
      text,
      values: [...values],
      rowMode: 'array',
      rows: BATCH_ROWS,
      queryMode: 'extended',
      types: RAW_TEXT,
    };
    const submitted: LimitedQuery = new LimitedQuery(config as pg.QueryConfig, (error, result) => {
      if (error) return reject(error);
      const answer = result as unknown as pg.QueryArrayResult<(string | null)[]>;
      resolve({
        command: answer.command,
        rowCount: answer.rowCount,
        fields: answer.fields,
        rows: answer.rows,
        truncated: submitted.truncated,
      });
    });
    client.query(submitted);
  });
}

/** renderResult draws a result as psql's aligned format does: centred headers, numbers to the right, "(N rows)". */
export function renderResult(result: Rows): string {
  if (result.fields.length === 0) {
    return result.command ? `${result.command}${result.rowCount === null ? '' : ` ${result.rowCount}`}` : '';
  }
  const cells = result.rows.map((row) => result.fields.map((_, index) => cellLines(row[index] ?? null)));
  const widths = result.fields.map((field, index) =>
    Math.max(field.name.length, ...cells.map((row) => Math.max(...row[index]!.map((line) => line.length)))),
  );
  const right = result.fields.map((field) => NUMERIC_TYPES.has(field.dataTypeID));
  const lines: string[] = [];
  lines.push(result.fields.map((field, index) => ` ${centre(field.name, widths[index]!)} `).join('|'));
  lines.push(widths.map((width) => '-'.repeat(width + 2)).join('+'));
  for (const row of cells) {
    const height = Math.max(...row.map((cell) => cell.length));
    for (let line = 0; line < height; line++) {
      const parts = row.map((cell, index) => {
        const text = cell[line] ?? '';
        const width = widths[index]!;
        const padded = right[index] ? text.padStart(width) : text.padEnd(width);
        // psql marks a value that goes on in the next line with `+` after it.
        return ` ${padded}${line < cell.length - 1 ? '+' : ' '}`;
      });
      lines.push(parts.join('|'));
    }
  }
  const count = result.rows.length;
  lines.push(
    result.truncated
      ? `(first ${count} rows; the rest was not fetched)`
      : `(${count} ${count === 1 ? 'row' : 'rows'})`,
  );
  return `${lines.map((line) => line.trimEnd()).join('\n')}\n`;
}

function cellLines(value: string | null): string[] {
  if (value === null) return [''];
  const text = value.length > MAX_CELL ? `${value.slice(0, MAX_CELL)}…` : value;
  return text.split(/\r?\n/);
}

function centre(text: string, width: number): string {
  const left = Math.floor((width - text.length) / 2);
  return (' '.repeat(left) + text).padEnd(width);
}

/** errorText shows a PostgreSQL error as psql does: `ERROR:  …`, then its detail and hint. */
function errorText(error: unknown): string {
  if (!(error instanceof pg.DatabaseError)) return `ERROR:  ${describeError(error)}\n`;
  let text = `ERROR:  ${error.message}\n`;
  if (error.detail) text += `DETAIL:  ${error.detail}\n`;
  if (error.hint) text += `HINT:  ${error.hint}\n`;
  return text;
}

function isStatementTimeout(error: unknown): boolean {
  return (
    error instanceof pg.DatabaseError && error.code === '57014' && error.message.includes('statement timeout')
  );
}

/** closeClient rolls back and disconnects; a run cut mid-query drops its socket instead of waiting on it. */
async function closeClient(client: pg.Client, abandoned: boolean): Promise<void> {
  const stream = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
  if (abandoned) {
    stream?.destroy();
    return;
  }
  try {
    await client.query('ROLLBACK');
  } catch {
    // Not connected, or the connection broke: there is nothing left to roll back.
  }
  await client.end().catch(() => stream?.destroy());
}

function serverName(dsn: string): string {
  return /^postgres(ql)?:\/\//i.test(dsn) ? dsn : 'PostgreSQL';
}

/**
 * readSql reads an sql step (its statements) or a `psql [DSN] [-h -p -U -d] -c "…"` line, and finds
 * its server: the DSN written on the line (`$DATABASE_URL` expanded), else the step's service, else
 * the runbook's only PostgreSQL; `-h`, `-p`, `-U` and `-d` then override parts of it.
 */
export function readSql(request: StepRequest, vars: Vars): SqlStep | Unreadable {
  const text = request.step.run.trim();
  let sql = text;
  let command = text;
  let written: string | undefined;
  const overrides: { host?: string; port?: string; user?: string; database?: string } = {};
  if (/^psql(?:\s|$)/.test(text)) {
    const psql = readPsql(text, vars);
    if ('refused' in psql) return psql;
    ({ sql, command, dsn: written } = psql);
    Object.assign(overrides, psql.overrides);
  }
  let dsn = written;
  if (dsn === undefined) {
    const endpoint = endpointOf(request, 'postgres');
    if (endpoint && 'error' in endpoint) return { command, failed: endpoint.error };
    dsn = endpoint?.address;
  }
  if (dsn === undefined) {
    return { command, failed: 'no PostgreSQL to query: declare a service with `postgres:` in the runbook' };
  }
  if (Object.keys(overrides).length > 0) {
    try {
      const url = new URL(dsn);
      if (overrides.host) url.hostname = overrides.host;
      if (overrides.port) url.port = overrides.port;
      if (overrides.user) url.username = encodeURIComponent(overrides.user);
      if (overrides.database) url.pathname = `/${encodeURIComponent(overrides.database)}`;
      dsn = url.href;
    } catch {
      return { command, refused: 'psql -h/-p/-U/-d need a URL connection string to apply to' };
    }
  }
  const statements = statementsOf(sql);
  if (statements.length === 0) return { command, refused: 'no SQL to run' };
  return { command, statements, dsn };
}

const PSQL_VALUED = new Set('c d h p U f v P F R o L T'.split(' '));
const PSQL_LONG: Readonly<Record<string, string>> = {
  '--command': 'c',
  '--dbname': 'd',
  '--host': 'h',
  '--port': 'p',
  '--username': 'U',
  '--file': 'f',
  '--set': 'v',
  '--variable': 'v',
  '--pset': 'P',
  '--field-separator': 'F',
  '--record-separator': 'R',
  '--output': 'o',
  '--log-file': 'L',
  '--table-attr': 'T',
};

interface Psql {
  readonly command: string;
  readonly sql: string;
  readonly dsn?: string;
  readonly overrides: { host?: string; port?: string; user?: string; database?: string };
}

/** readPsql reads the SQL and the connection of a psql line; formatting options are ignored. */
function readPsql(text: string, vars: Vars): Psql | { readonly command: string; readonly refused: string } {
  const { commands, end } = parseShell(text, 0);
  const line = commands[0];
  const command = displayWords(line?.words ?? []);
  if (!line || commands.length > 1 || text.slice(end).trim() !== '') {
    return { command, refused: 'several commands: split them into steps' };
  }
  if (line.substitutions.length > 0) return { command, refused: 'a command substitution needs a shell' };
  if (line.redirects.length > 0)
    return { command, refused: 'psql with a redirection reads or writes files: write the SQL with -c' };
  const sql: string[] = [];
  const positional: string[] = [];
  const overrides: Psql['overrides'] = {};
  let dsn: string | undefined;
  const value = (word: string): string | undefined => {
    const expanded = expand(word, vars);
    // An unset `$DATABASE_URL` leaves the choice to the runbook's services.
    return expanded.missing.length > 0 && expanded.text === '' ? undefined : expanded.text;
  };
  const words = line.words.slice(1);
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    let letter: string | undefined;
    let arg: string | undefined;
    if (word.startsWith('--')) {
      const equals = word.indexOf('=');
      letter = PSQL_LONG[equals < 0 ? word : word.slice(0, equals)];
      if (letter === undefined) continue; // a flag such as --no-psqlrc or --csv
      arg = equals < 0 ? words[++i] : word.slice(equals + 1);
    } else if (word.startsWith('-') && word.length > 1) {
      // -tAc "SELECT …": flags, then one letter that takes the rest of the word or the next one.
      const at = [...word.slice(1)].findIndex((c) => PSQL_VALUED.has(c));
      if (at < 0) continue;
      letter = word.charAt(at + 1);
      arg = word.length > at + 2 ? word.slice(at + 2) : words[++i];
    } else {
      positional.push(word);
      continue;
    }
    if (arg === undefined) return { command, refused: `psql -${letter} needs a value` };
    if (letter === 'c') sql.push(arg);
    else if (letter === 'f') return { command, refused: 'psql -f reads a file: put the SQL in the step' };
    else if (letter === 'o' || letter === 'L') return { command, refused: `psql -${letter} writes a file` };
    else if (letter === 'd') positional.unshift(arg);
    else if (letter === 'h') overrides.host = value(arg);
    else if (letter === 'p') overrides.port = value(arg);
    else if (letter === 'U') overrides.user = value(arg);
  }
  if (line.heredoc !== undefined) sql.push(line.heredoc);
  if (sql.length === 0)
    return { command, refused: 'psql without -c opens a prompt: write the query with -c' };
  const [database, user] = positional;
  if (database !== undefined) {
    const given = value(database);
    if (given !== undefined && /^postgres(?:ql)?:\/\//i.test(given)) dsn = given;
    else if (given?.includes('=')) {
      return { command, refused: 'a key=value connection string is not read: write it as postgres://…' };
    } else if (given !== undefined) overrides.database = given;
  }
  if (user !== undefined) overrides.user = value(user);
  for (const key of Object.keys(overrides) as (keyof Psql['overrides'])[]) {
    if (overrides[key] === undefined) delete overrides[key];
  }
  return { command, sql: sql.join(';\n'), dsn, overrides };
}

/**
 * statementsOf splits SQL on `;` outside quotes, dollar-quotes and comments, keeping each statement's
 * text as written (a newline inside a literal is data); a psql meta-command (`\dt`) ends at its line.
 */
export function statementsOf(sql: string): string[] {
  const statements: string[] = [];
  let from = 0;
  let i = 0;
  const cut = (end: number): void => {
    statements.push(sql.slice(from, end));
    from = end + 1;
  };
  while (i < sql.length) {
    const c = sql.charAt(i);
    if (
      c === '\\' &&
      sql
        .slice(from, i)
        .replace(/--[^\n]*/g, '')
        .trim() === ''
    ) {
      const newline = sql.indexOf('\n', i);
      const end = newline < 0 ? sql.length : newline;
      from = i;
      cut(end);
      i = end + 1;
    } else if (c === '-' && sql.charAt(i + 1) === '-') {
      const newline = sql.indexOf('\n', i);
      i = newline < 0 ? sql.length : newline;
    } else if (c === '/' && sql.charAt(i + 1) === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? sql.length : close + 2;
    } else if (c === "'" || c === '"' || (c === '$' && /^\$\w*\$/.test(sql.slice(i, i + 64)))) {
      const quote = c === '$' ? /^\$\w*\$/.exec(sql.slice(i, i + 64))![0] : c;
      const close = sql.indexOf(quote, i + quote.length);
      i = close < 0 ? sql.length : close + quote.length;
    } else if (c === ';') {
      cut(i);
      i++;
    } else i++;
  }
  statements.push(sql.slice(from));
  return statements
    .map((statement) => statement.trim())
    .filter((statement) => withoutComments(statement).trim() !== '');
}
