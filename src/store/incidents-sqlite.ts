/**
 * The embedded incident store: the same SQLite file as the observations (its own connection, WAL),
 * every statement prepared once. Writes commit synchronously (synchronous = FULL): an incident, a
 * timer or a notification that Vigie is about to act on must survive a power cut, not only a crash.
 */
import { createHash } from 'node:crypto';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Severity } from '../runbook/schema.ts';
import { type ChecklistStore, SqliteChecklistStore } from './checklists.ts';
import { openDatabase } from './database.ts';
import {
  type ActionRun,
  type ActionRunStatus,
  type AlertRecord,
  type AuditEntry,
  type Incident,
  type IncidentQuery,
  type IncidentStatus,
  type IncidentStore,
  incidentId,
  incidentSeq,
  type NewIncident,
  type OutboxRow,
  type OutboxStatus,
  type SessionRecord,
  type SilenceRecord,
  type TimelineEntry,
  type TimelineKind,
  type Timer,
  type TimerKind,
  type TokenRecord,
  type WindowPurpose,
  type WindowRecord,
} from './incidents.ts';
import { type MaintenanceRunStore, SqliteMaintenanceRunStore } from './maintenance-runs.ts';
import { type ScenarioRunStore, SqliteScenarioRunStore } from './scenario-runs.ts';

type Row = Record<string, unknown>;

/** openSqliteIncidentStore opens (creating and migrating) the incident tables of the store at `path`. */
export function openSqliteIncidentStore(
  path: string,
  options: { busyTimeoutMs?: number } = {},
): IncidentStore {
  // Every commit is synced: a timer or a notification Vigie is about to act on must survive a power cut.
  const db = openDatabase(path, { busyTimeoutMs: options.busyTimeoutMs ?? 5000, synchronous: 'FULL' });
  return new SqliteIncidentStore(db);
}

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const parsed = <T>(text: unknown): T | undefined =>
  typeof text === 'string' ? (JSON.parse(text) as T) : undefined;
const optional = <T>(value: unknown): T | undefined => (value === null ? undefined : (value as T));

function toIncident(row: Row): Incident {
  const seq = row.seq as number;
  return {
    id: incidentId(seq),
    seq,
    dedupKey: row.dedup_key as string,
    title: row.title as string,
    severity: row.severity as Severity,
    scenario: optional(row.scenario),
    status: row.status as IncidentStatus,
    policy: optional(row.policy),
    labels: parsed(row.labels_json) ?? {},
    openedAt: row.opened_at as number,
    acknowledgedAt: optional(row.acknowledged_at),
    acknowledgedBy: optional(row.acknowledged_by),
    resolvedAt: optional(row.resolved_at),
    resolvedBy: optional(row.resolved_by),
    updatedAt: row.updated_at as number,
  };
}

function toTimeline(row: Row): TimelineEntry {
  return {
    id: row.id as number,
    incidentId: incidentId(row.incident_seq as number),
    at: row.at as number,
    kind: row.kind as TimelineKind,
    actor: row.actor as string,
    text: row.text as string,
    data: parsed(row.data_json),
  };
}

function toAlert(row: Row): AlertRecord {
  const seq = optional<number>(row.incident_seq);
  return {
    key: row.key as string,
    source: row.source as AlertRecord['source'],
    name: row.name as string,
    status: row.status as AlertRecord['status'],
    labels: parsed(row.labels_json) ?? {},
    severity: optional(row.severity),
    scenario: optional(row.scenario),
    summary: optional(row.summary),
    incidentId: seq === undefined ? undefined : incidentId(seq),
    quiet: parsed(row.quiet_json),
    state: parsed(row.state_json),
    startedAt: row.started_at as number,
    updatedAt: row.updated_at as number,
    resolvedAt: optional(row.resolved_at),
  };
}

function toTimer(row: Row): Timer {
  return {
    id: row.id as number,
    incidentId: incidentId(row.incident_seq as number),
    kind: row.kind as TimerKind,
    dueAt: row.due_at as number,
    data: parsed(row.data_json) as Timer['data'],
  };
}

function toOutbox(row: Row): OutboxRow {
  const seq = optional<number>(row.incident_seq);
  return {
    id: row.id as number,
    key: row.key as string,
    incidentId: seq === undefined ? undefined : incidentId(seq),
    channel: row.channel as string,
    recipient: optional(row.recipient),
    payload: parsed(row.payload_json),
    status: row.status as OutboxStatus,
    attempts: row.attempts as number,
    nextAt: row.next_at as number,
    lastError: optional(row.last_error),
    createdAt: row.created_at as number,
    sentAt: optional(row.sent_at),
  };
}

function toSilence(row: Row): SilenceRecord {
  return {
    id: row.id as string,
    matchers: parsed(row.matchers_json) ?? [],
    startsAt: row.starts_at as number,
    endsAt: row.ends_at as number,
    createdBy: row.created_by as string,
    comment: row.comment as string,
    createdAt: row.created_at as number,
    expiredAt: optional(row.expired_at),
  };
}

/** seqOf reads an incident id the store wrote; anything else is a caller bug. */
function seqOf(id: string): number {
  const seq = incidentSeq(id);
  if (seq === undefined) throw new RangeError(`not an incident id: ${id}`);
  return seq;
}

const INCIDENT_COLUMNS: Readonly<Record<string, string>> = {
  dedupKey: 'dedup_key',
  title: 'title',
  severity: 'severity',
  scenario: 'scenario',
  status: 'status',
  policy: 'policy',
  labels: 'labels_json',
  openedAt: 'opened_at',
  acknowledgedAt: 'acknowledged_at',
  acknowledgedBy: 'acknowledged_by',
  resolvedAt: 'resolved_at',
  resolvedBy: 'resolved_by',
  updatedAt: 'updated_at',
};

function prepare(db: DatabaseSync) {
  const q = (sql: string): StatementSync => db.prepare(sql);
  return {
    insertIncident:
      q(`INSERT INTO incidents (dedup_key, title, severity, scenario, status, policy, labels_json,
      opened_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by, updated_at)
      VALUES (?, ?, ?, ?, 'triggered', ?, ?, ?, NULL, NULL, NULL, NULL, ?) RETURNING *`),
    incident: q('SELECT * FROM incidents WHERE seq = ?'),
    openByKey: q(
      "SELECT * FROM incidents WHERE dedup_key = ? AND status != 'resolved' ORDER BY seq DESC LIMIT 1",
    ),
    resolvedByKey: q(
      "SELECT * FROM incidents WHERE dedup_key = ? AND status = 'resolved' ORDER BY resolved_at DESC LIMIT 1",
    ),
    incidents: q('SELECT * FROM incidents WHERE seq < ? ORDER BY seq DESC LIMIT ?'),
    // Per status through the (status, seq) index: the open few are found without walking every
    // resolved incident ever stored.
    incidentsByStatus: q(`SELECT * FROM incidents WHERE status IN (SELECT value FROM json_each(?)) AND seq < ?
      ORDER BY seq DESC LIMIT ?`),
    addTimeline: q(
      'INSERT INTO timeline (incident_seq, at, kind, actor, text, data_json) VALUES (?, ?, ?, ?, ?, ?) RETURNING id',
    ),
    timeline: q('SELECT * FROM timeline WHERE incident_seq = ? ORDER BY id'),
    lastTimelineId: q('SELECT coalesce(max(id), 0) AS id FROM timeline'),
    timelineAfter: q('SELECT * FROM timeline WHERE id > ? ORDER BY id LIMIT ?'),
    changedSince: q('SELECT * FROM incidents WHERE updated_at > ? ORDER BY updated_at, seq LIMIT ?'),
    saveAlert: q(`INSERT INTO alerts (key, source, name, status, labels_json, severity, scenario, summary,
      incident_seq, quiet_json, state_json, started_at, updated_at, resolved_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET source = excluded.source, name = excluded.name, status = excluded.status,
        labels_json = excluded.labels_json, severity = excluded.severity, scenario = excluded.scenario,
        summary = excluded.summary, incident_seq = excluded.incident_seq, quiet_json = excluded.quiet_json,
        state_json = excluded.state_json, started_at = excluded.started_at, updated_at = excluded.updated_at,
        resolved_at = excluded.resolved_at`),
    alert: q('SELECT * FROM alerts WHERE key = ?'),
    alertsOf: q('SELECT * FROM alerts WHERE incident_seq = ? ORDER BY started_at'),
    alertsAll: q('SELECT * FROM alerts ORDER BY key'),
    alertsFiring: q("SELECT * FROM alerts WHERE status = 'firing' ORDER BY key"),
    alertsQuiet: q(
      "SELECT * FROM alerts WHERE status = 'firing' AND quiet_json IS NOT NULL AND incident_seq IS NULL ORDER BY key",
    ),
    addTimer: q(
      'INSERT INTO timers (incident_seq, kind, due_at, data_json) VALUES (?, ?, ?, ?) RETURNING id',
    ),
    dueTimers: q('SELECT * FROM timers WHERE done_at IS NULL AND due_at <= ? ORDER BY due_at, id LIMIT ?'),
    nextTimer: q('SELECT min(due_at) AS at FROM timers WHERE done_at IS NULL'),
    finishTimer: q('UPDATE timers SET done_at = ? WHERE id = ? AND done_at IS NULL'),
    cancelTimers: q(`UPDATE timers SET done_at = ? WHERE incident_seq = ? AND done_at IS NULL
      AND (? IS NULL OR kind IN (SELECT value FROM json_each(?)))`),
    pendingTimers: q(
      'SELECT * FROM timers WHERE done_at IS NULL AND (? IS NULL OR incident_seq = ?) ORDER BY due_at',
    ),
    enqueue:
      q(`INSERT INTO outbox (key, incident_seq, channel, recipient, payload_json, status, attempts, next_at, created_at)
      VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (key) DO NOTHING`),
    // The oldest pending row of each incident and channel, if it is due: a later message never
    // overtakes an earlier one that is waiting for its retry.
    dueOutbox: q(`SELECT o.* FROM outbox o
      WHERE o.status = 'pending' AND o.next_at <= ?
        AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.status = 'pending'
          AND p.incident_seq IS o.incident_seq AND p.channel = o.channel AND p.id < o.id AND o.incident_seq IS NOT NULL)
      ORDER BY o.next_at, o.id LIMIT ?`),
    nextOutbox: q("SELECT min(next_at) AS at FROM outbox WHERE status = 'pending'"),
    markSent: q("UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1 WHERE id = ?"),
    markRetry: q('UPDATE outbox SET attempts = ?, next_at = ?, last_error = ? WHERE id = ?'),
    markDead: q("UPDATE outbox SET status = 'dead', attempts = ?, last_error = ? WHERE id = ?"),
    outbox: q(`SELECT * FROM outbox WHERE (? IS NULL OR status = ?) AND (? IS NULL OR incident_seq = ?)
      ORDER BY id LIMIT ?`),
    outboxCounts: q('SELECT status, count(*) AS n FROM outbox GROUP BY status'),
    incidentCounts: q('SELECT status, count(*) AS n FROM incidents GROUP BY status'),
    addSilence:
      q(`INSERT INTO silences (id, matchers_json, starts_at, ends_at, created_by, comment, created_at, expired_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    silences: q('SELECT * FROM silences ORDER BY created_at'),
    silencesActive: q(
      'SELECT * FROM silences WHERE expired_at IS NULL AND starts_at <= ? AND ends_at > ? ORDER BY created_at',
    ),
    expireSilence: q(
      'UPDATE silences SET expired_at = ?, ends_at = min(ends_at, ?) WHERE id = ? AND expired_at IS NULL',
    ),
    addWindow:
      q(`INSERT INTO windows (id, title, matchers_json, starts_at, ends_at, created_by, created_at, purpose)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    windows: q('SELECT * FROM windows ORDER BY starts_at'),
    endWindow: q('UPDATE windows SET ends_at = ? WHERE id = ? AND ends_at > ?'),
    addToken: q(
      'INSERT INTO tokens (id, hash, role, name, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    tokenByHash: q('SELECT * FROM tokens WHERE hash = ? AND revoked_at IS NULL'),
    tokens: q('SELECT * FROM tokens ORDER BY created_at'),
    revokeToken: q('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    tokenById: q('SELECT * FROM tokens WHERE id = ? AND revoked_at IS NULL'),
    addActionRun:
      q(`INSERT INTO action_runs (incident_seq, scenario, step_index, step_id, risk, run_text, params_json,
      dry_run, requested_by, requested_at, status, approved_by, reasons_json, outcome_json, finished_at, scenario_run)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`),
    actionRun: q('SELECT * FROM action_runs WHERE id = ?'),
    actionRuns: q('SELECT * FROM action_runs WHERE incident_seq = ? ORDER BY id'),
    actionRunsOf: q('SELECT * FROM action_runs WHERE scenario_run = ? ORDER BY id'),
    updateActionRun:
      q(`UPDATE action_runs SET status = ?, approved_by = ?, reasons_json = ?, outcome_json = ?,
      finished_at = ? WHERE id = ? RETURNING *`),
    addApproval: q('INSERT INTO approvals (run_id, by, at) VALUES (?, ?, ?)'),
    approvals: q('SELECT by, at FROM approvals WHERE run_id = ? ORDER BY id'),
    lastAudit: q('SELECT hash FROM audit ORDER BY id DESC LIMIT 1'),
    appendAudit: q(
      'INSERT INTO audit (at, actor, action, incident_seq, detail_json, hash) VALUES (?, ?, ?, ?, ?, ?) RETURNING id',
    ),
    audit: q('SELECT * FROM audit WHERE (? IS NULL OR incident_seq = ?) ORDER BY id DESC LIMIT ?'),
    addSession: q(
      'INSERT INTO sessions (hash, token_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
    ),
    session: q('SELECT * FROM sessions WHERE hash = ? AND expires_at > ?'),
    deleteSession: q('DELETE FROM sessions WHERE hash = ? OR expires_at <= ?'),
  };
}

function toActionRun(row: Row): ActionRun {
  const seq = optional<number>(row.incident_seq);
  return {
    id: row.id as number,
    ...(seq === undefined ? {} : { incidentId: incidentId(seq) }),
    scenario: row.scenario as string,
    stepIndex: row.step_index as number,
    ...(row.step_id === null ? {} : { stepId: row.step_id as string }),
    risk: row.risk as string,
    run: row.run_text as string,
    params: parsed<Record<string, string>>(row.params_json) ?? {},
    dryRun: row.dry_run === 1,
    requestedBy: row.requested_by as string,
    requestedAt: row.requested_at as number,
    status: row.status as ActionRunStatus,
    ...(row.approved_by === null ? {} : { approvedBy: row.approved_by as string }),
    ...(row.reasons_json === null ? {} : { reasons: parsed<string[]>(row.reasons_json) }),
    ...(row.outcome_json === null ? {} : { outcome: parsed(row.outcome_json) }),
    ...(row.finished_at === null ? {} : { finishedAt: row.finished_at as number }),
    ...(row.scenario_run === null ? {} : { scenarioRun: row.scenario_run as number }),
  };
}

function toToken(row: Row): TokenRecord {
  return {
    id: row.id as string,
    hash: row.hash as string,
    role: row.role as TokenRecord['role'],
    name: row.name as string,
    createdAt: row.created_at as number,
    revokedAt: optional(row.revoked_at),
  };
}

class SqliteIncidentStore implements IncidentStore {
  private readonly db: DatabaseSync;
  private readonly sql: ReturnType<typeof prepare>;
  private depth = 0;
  readonly maintenance: MaintenanceRunStore;
  readonly checklists: ChecklistStore;
  readonly scenarioRuns: ScenarioRunStore;

  constructor(db: DatabaseSync) {
    this.db = db;
    this.sql = prepare(db);
    this.maintenance = new SqliteMaintenanceRunStore(db);
    this.checklists = new SqliteChecklistStore(db);
    this.scenarioRuns = new SqliteScenarioRunStore(db);
  }

  transaction<T>(body: () => T): T {
    if (this.depth > 0) return body();
    this.db.exec('BEGIN IMMEDIATE');
    this.depth++;
    try {
      const result = body();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    } finally {
      this.depth--;
    }
  }

  openIncident(incident: NewIncident): Incident {
    const row = this.sql.insertIncident.get(
      incident.dedupKey,
      incident.title,
      incident.severity,
      incident.scenario ?? null,
      incident.policy ?? null,
      JSON.stringify(incident.labels),
      incident.openedAt,
      incident.openedAt,
    ) as Row;
    return toIncident(row);
  }

  incident(id: string): Incident | undefined {
    const seq = incidentSeq(id);
    if (seq === undefined) return undefined;
    const row = this.sql.incident.get(seq) as Row | undefined;
    return row ? toIncident(row) : undefined;
  }

  openIncidentByKey(dedupKey: string): Incident | undefined {
    const row = this.sql.openByKey.get(dedupKey) as Row | undefined;
    return row ? toIncident(row) : undefined;
  }

  lastResolvedByKey(dedupKey: string): Incident | undefined {
    const row = this.sql.resolvedByKey.get(dedupKey) as Row | undefined;
    return row ? toIncident(row) : undefined;
  }

  updateIncident(id: string, change: Partial<Omit<Incident, 'id' | 'seq'>>): Incident {
    const sets: string[] = [];
    const values: (string | number | null)[] = [];
    for (const [field, value] of Object.entries(change)) {
      const column = INCIDENT_COLUMNS[field];
      if (column === undefined) throw new RangeError(`updateIncident: unknown field ${field}`);
      sets.push(`${column} = ?`);
      values.push(field === 'labels' ? JSON.stringify(value) : ((value ?? null) as string | number | null));
    }
    const seq = seqOf(id);
    if (sets.length > 0)
      this.db.prepare(`UPDATE incidents SET ${sets.join(', ')} WHERE seq = ?`).run(...values, seq);
    const updated = this.incident(id);
    if (!updated) throw new RangeError(`no incident ${id}`);
    return updated;
  }

  incidents(query: IncidentQuery = {}): Incident[] {
    const status = query.status && query.status.length > 0 ? JSON.stringify(query.status) : null;
    const before = query.before ?? Number.MAX_SAFE_INTEGER;
    const limit = Math.max(1, Math.min(query.limit ?? 50, 1000));
    const rows = (
      status === null
        ? this.sql.incidents.all(before, limit)
        : this.sql.incidentsByStatus.all(status, before, limit)
    ) as Row[];
    return rows.map(toIncident);
  }

  incidentCounts(): Record<IncidentStatus, number> {
    const counts: Record<IncidentStatus, number> = { triggered: 0, acknowledged: 0, resolved: 0 };
    for (const row of this.sql.incidentCounts.all() as Row[])
      counts[row.status as IncidentStatus] = row.n as number;
    return counts;
  }

  addTimeline(entry: Omit<TimelineEntry, 'id'>): TimelineEntry {
    const row = this.sql.addTimeline.get(
      seqOf(entry.incidentId),
      entry.at,
      entry.kind,
      entry.actor,
      entry.text,
      json(entry.data),
    ) as Row;
    return { ...entry, id: row.id as number };
  }

  lastTimelineId(): number {
    return (this.sql.lastTimelineId.get() as Row).id as number;
  }

  timelineAfter(id: number, limit = 500): TimelineEntry[] {
    return (this.sql.timelineAfter.all(id, limit) as Row[]).map(toTimeline);
  }

  changedSince(at: number, limit = 500): Incident[] {
    return (this.sql.changedSince.all(at, limit) as Row[]).map(toIncident);
  }

  timeline(id: string): TimelineEntry[] {
    const seq = incidentSeq(id);
    return seq === undefined ? [] : (this.sql.timeline.all(seq) as Row[]).map(toTimeline);
  }

  saveAlert(alert: AlertRecord): void {
    this.sql.saveAlert.run(
      alert.key,
      alert.source,
      alert.name,
      alert.status,
      JSON.stringify(alert.labels),
      alert.severity ?? null,
      alert.scenario ?? null,
      alert.summary ?? null,
      alert.incidentId === undefined ? null : seqOf(alert.incidentId),
      json(alert.quiet),
      json(alert.state),
      alert.startedAt,
      alert.updatedAt,
      alert.resolvedAt ?? null,
    );
  }

  alert(key: string): AlertRecord | undefined {
    const row = this.sql.alert.get(key) as Row | undefined;
    return row ? toAlert(row) : undefined;
  }

  alertsOf(id: string): AlertRecord[] {
    const seq = incidentSeq(id);
    return seq === undefined ? [] : (this.sql.alertsOf.all(seq) as Row[]).map(toAlert);
  }

  quietAlerts(): AlertRecord[] {
    return (this.sql.alertsQuiet.all() as Row[]).map(toAlert);
  }

  alerts(options: { readonly firing?: boolean } = {}): AlertRecord[] {
    return ((options.firing ? this.sql.alertsFiring : this.sql.alertsAll).all() as Row[]).map(toAlert);
  }

  addTimer(timer: Omit<Timer, 'id'>): Timer {
    const row = this.sql.addTimer.get(
      seqOf(timer.incidentId),
      timer.kind,
      timer.dueAt,
      JSON.stringify(timer.data),
    ) as Row;
    return { ...timer, id: row.id as number };
  }

  dueTimers(now: number, limit = 100): Timer[] {
    return (this.sql.dueTimers.all(now, limit) as Row[]).map(toTimer);
  }

  nextTimerAt(): number | undefined {
    return optional((this.sql.nextTimer.get() as Row).at);
  }

  finishTimer(id: number, at: number): boolean {
    return Number(this.sql.finishTimer.run(at, id).changes) > 0;
  }

  cancelTimers(id: string, at: number, kinds?: readonly TimerKind[]): number {
    const filter = kinds === undefined ? null : JSON.stringify(kinds);
    return Number(this.sql.cancelTimers.run(at, seqOf(id), filter, filter).changes);
  }

  pendingTimers(id?: string): Timer[] {
    const seq = id === undefined ? null : seqOf(id);
    return (this.sql.pendingTimers.all(seq, seq) as Row[]).map(toTimer);
  }

  enqueue(row: Omit<OutboxRow, 'id' | 'status' | 'attempts' | 'sentAt' | 'lastError'>): boolean {
    const result = this.sql.enqueue.run(
      row.key,
      row.incidentId === undefined ? null : seqOf(row.incidentId),
      row.channel,
      row.recipient ?? null,
      JSON.stringify(row.payload),
      row.nextAt,
      row.createdAt,
    );
    return Number(result.changes) > 0;
  }

  dueOutbox(now: number, limit = 100): OutboxRow[] {
    return (this.sql.dueOutbox.all(now, limit) as Row[]).map(toOutbox);
  }

  nextOutboxAt(): number | undefined {
    return optional((this.sql.nextOutbox.get() as Row).at);
  }

  markSent(id: number, at: number): void {
    this.sql.markSent.run(at, id);
  }

  markRetry(id: number, attempts: number, nextAt: number, error: string): void {
    this.sql.markRetry.run(attempts, nextAt, error, id);
  }

  markDead(id: number, attempts: number, error: string): void {
    this.sql.markDead.run(attempts, error, id);
  }

  outbox(
    options: { readonly status?: OutboxStatus; readonly incidentId?: string; readonly limit?: number } = {},
  ): OutboxRow[] {
    const status = options.status ?? null;
    const seq = options.incidentId === undefined ? null : seqOf(options.incidentId);
    return (this.sql.outbox.all(status, status, seq, seq, options.limit ?? 1000) as Row[]).map(toOutbox);
  }

  outboxCounts(): Record<OutboxStatus, number> {
    const counts: Record<OutboxStatus, number> = { pending: 0, sent: 0, dead: 0 };
    for (const row of this.sql.outboxCounts.all() as Row[])
      counts[row.status as OutboxStatus] = row.n as number;
    return counts;
  }

  addSilence(silence: SilenceRecord): void {
    this.sql.addSilence.run(
      silence.id,
      JSON.stringify(silence.matchers),
      silence.startsAt,
      silence.endsAt,
      silence.createdBy,
      silence.comment,
      silence.createdAt,
      silence.expiredAt ?? null,
    );
  }

  silences(options: { readonly activeAt?: number } = {}): SilenceRecord[] {
    const rows =
      options.activeAt === undefined
        ? this.sql.silences.all()
        : this.sql.silencesActive.all(options.activeAt, options.activeAt);
    return (rows as Row[]).map(toSilence);
  }

  expireSilence(id: string, at: number): boolean {
    return Number(this.sql.expireSilence.run(at, at, id).changes) > 0;
  }

  endWindow(id: string, at: number): boolean {
    return Number(this.sql.endWindow.run(at, id, at).changes) > 0;
  }

  addWindow(window: WindowRecord): void {
    this.sql.addWindow.run(
      window.id,
      window.title,
      JSON.stringify(window.matchers),
      window.startsAt,
      window.endsAt,
      window.createdBy,
      window.createdAt,
      window.purpose,
    );
  }

  windows(): WindowRecord[] {
    return (this.sql.windows.all() as Row[]).map((row) => ({
      id: row.id as string,
      title: row.title as string,
      matchers: parsed<string[]>(row.matchers_json) ?? [],
      startsAt: row.starts_at as number,
      endsAt: row.ends_at as number,
      createdBy: row.created_by as string,
      createdAt: row.created_at as number,
      purpose: row.purpose as WindowPurpose,
    }));
  }

  addToken(token: TokenRecord): void {
    this.sql.addToken.run(
      token.id,
      token.hash,
      token.role,
      token.name,
      token.createdAt,
      token.revokedAt ?? null,
    );
  }

  tokenByHash(hash: string): TokenRecord | undefined {
    const row = this.sql.tokenByHash.get(hash) as Row | undefined;
    return row ? toToken(row) : undefined;
  }

  tokens(): TokenRecord[] {
    return (this.sql.tokens.all() as Row[]).map(toToken);
  }

  revokeToken(id: string, at: number): boolean {
    return Number(this.sql.revokeToken.run(at, id).changes) > 0;
  }

  addActionRun(run: Omit<ActionRun, 'id'>): ActionRun {
    const row = this.sql.addActionRun.get(
      run.incidentId === undefined ? null : seqOf(run.incidentId),
      run.scenario,
      run.stepIndex,
      run.stepId ?? null,
      run.risk,
      run.run,
      JSON.stringify(run.params),
      run.dryRun ? 1 : 0,
      run.requestedBy,
      run.requestedAt,
      run.status,
      run.approvedBy ?? null,
      json(run.reasons),
      json(run.outcome),
      run.finishedAt ?? null,
      run.scenarioRun ?? null,
    ) as Row;
    return toActionRun(row);
  }

  actionRunsOf(scenarioRunId: number): ActionRun[] {
    return (this.sql.actionRunsOf.all(scenarioRunId) as Row[]).map(toActionRun);
  }

  actionRun(id: number): ActionRun | undefined {
    const row = this.sql.actionRun.get(id) as Row | undefined;
    return row ? toActionRun(row) : undefined;
  }

  actionRuns(id: string): ActionRun[] {
    const seq = incidentSeq(id);
    return seq === undefined ? [] : (this.sql.actionRuns.all(seq) as Row[]).map(toActionRun);
  }

  updateActionRun(
    id: number,
    change: Partial<Pick<ActionRun, 'status' | 'approvedBy' | 'reasons' | 'outcome' | 'finishedAt'>>,
  ): ActionRun {
    const current = this.actionRun(id);
    if (!current) throw new RangeError(`no action run ${id}`);
    const next = { ...current, ...change };
    const row = this.sql.updateActionRun.get(
      next.status,
      next.approvedBy ?? null,
      json(next.reasons),
      json(next.outcome),
      next.finishedAt ?? null,
      id,
    ) as Row;
    return toActionRun(row);
  }

  addApproval(runId: number, by: string, at: number): void {
    this.sql.addApproval.run(runId, by, at);
  }

  approvals(runId: number): { by: string; at: number }[] {
    return (this.sql.approvals.all(runId) as Row[]).map((row) => ({
      by: row.by as string,
      at: row.at as number,
    }));
  }

  appendAudit(entry: Omit<AuditEntry, 'id' | 'hash'>): AuditEntry {
    return this.transaction(() => {
      const previous = ((this.sql.lastAudit.get() as Row | undefined)?.hash as string | undefined) ?? '';
      const detail = JSON.stringify(entry.detail);
      const hash = createHash('sha256')
        .update(
          `${previous}\n${entry.at}\n${entry.actor}\n${entry.action}\n${entry.incidentId ?? ''}\n${detail}`,
        )
        .digest('hex');
      const row = this.sql.appendAudit.get(
        entry.at,
        entry.actor,
        entry.action,
        entry.incidentId === undefined ? null : seqOf(entry.incidentId),
        detail,
        hash,
      ) as Row;
      return { ...entry, id: row.id as number, hash };
    });
  }

  audit(options: { readonly incidentId?: string; readonly limit?: number } = {}): AuditEntry[] {
    const seq = options.incidentId === undefined ? null : seqOf(options.incidentId);
    return (this.sql.audit.all(seq, seq, options.limit ?? 500) as Row[]).map((row) => {
      const incident = optional<number>(row.incident_seq);
      return {
        id: row.id as number,
        at: row.at as number,
        actor: row.actor as string,
        action: row.action as string,
        ...(incident === undefined ? {} : { incidentId: incidentId(incident) }),
        detail: parsed<Record<string, unknown>>(row.detail_json) ?? {},
        hash: row.hash as string,
      };
    });
  }

  tokenById(id: string): TokenRecord | undefined {
    const row = this.sql.tokenById.get(id) as Row | undefined;
    return row ? toToken(row) : undefined;
  }

  addSession(session: SessionRecord): void {
    this.sql.addSession.run(
      session.hash,
      session.tokenId,
      session.csrf,
      session.createdAt,
      session.expiresAt,
    );
  }

  session(hash: string, now: number): SessionRecord | undefined {
    const row = this.sql.session.get(hash, now) as Row | undefined;
    return row
      ? {
          hash: row.hash as string,
          tokenId: row.token_id as string,
          csrf: row.csrf as string,
          createdAt: row.created_at as number,
          expiresAt: row.expires_at as number,
        }
      : undefined;
  }

  deleteSession(hash: string): void {
    // Expired sessions go with it: the table holds only live ones.
    this.sql.deleteSession.run(hash, Date.now());
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
