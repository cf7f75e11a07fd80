/**
 * The incident store contract: incidents, their timelines, the alerts behind them, the durable timers of
 * escalation, the notification outbox, silences, maintenance windows and API tokens. Every write the
 * pipeline acts on goes through `transaction`, so a decision and the rows that carry it out commit
 * together or not at all. Calls are synchronous: the embedded store answers from the same process in
 * microseconds, and a decision taken inside a transaction must not yield to another one.
 */
import type { Severity } from '../runbook/schema.ts';
import type { ChecklistStore } from './checklists.ts';
import type { MaintenanceRunStore } from './maintenance-runs.ts';
import type { ScenarioRunStore } from './scenario-runs.ts';

/** IncidentStatus is where an incident is in its lifecycle. */
export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved';

/** Incident is one incident as stored. */
export interface Incident {
  /** Public id, `INC-<seq>`. */
  readonly id: string;
  readonly seq: number;
  /** Alerts with the same key join the open incident instead of opening another. */
  readonly dedupKey: string;
  readonly title: string;
  readonly severity: Severity;
  readonly scenario?: string;
  readonly status: IncidentStatus;
  /** Escalation policy followed. */
  readonly policy?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly openedAt: number;
  readonly acknowledgedAt?: number;
  readonly acknowledgedBy?: string;
  readonly resolvedAt?: number;
  readonly resolvedBy?: string;
  readonly updatedAt: number;
}

/** TIMELINE_KINDS lists what a timeline entry can record. */
export const TIMELINE_KINDS = [
  'opened',
  'reopened',
  'alert',
  'alert-resolved',
  'severity',
  'diagnosis',
  'escalated',
  'notified',
  'notify-failed',
  'acknowledged',
  'ack-timeout',
  'resolved',
  'comment',
  'action',
  'checklist',
] as const;
/** TimelineKind is what a timeline entry records. */
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

/** TimelineEntry is one event of an incident, with who and when. */
export interface TimelineEntry {
  readonly id: number;
  readonly incidentId: string;
  readonly at: number;
  readonly kind: TimelineKind;
  /** `vigie` for what Vigie did itself, otherwise the person or token name. */
  readonly actor: string;
  readonly text: string;
  readonly data?: unknown;
}

/** AlertSource says where an alert came from. */
export type AlertSource = 'rule' | 'alertmanager' | 'webhook' | 'maintenance';

/** QuietReason says why a firing alert pages nobody. */
export interface QuietReason {
  readonly kind: 'silence' | 'maintenance' | 'inhibited';
  readonly id: string;
  readonly detail: string;
}

/** AlertRecord is the last known state of one alert: a runbook rule or an alert from another system. */
export interface AlertRecord {
  /** `rule:<alert id>`, `alertmanager:<fingerprint>` or `webhook:<key>`. */
  readonly key: string;
  readonly source: AlertSource;
  readonly name: string;
  readonly status: 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly severity?: Severity;
  readonly scenario?: string;
  readonly summary?: string;
  readonly incidentId?: string;
  /** Set while the alert fires inside a silence, a maintenance window or behind a dependency. */
  readonly quiet?: QuietReason;
  /** The rule state machine's state, for rule alerts (JSON). */
  readonly state?: unknown;
  readonly startedAt: number;
  readonly updatedAt: number;
  readonly resolvedAt?: number;
}

/** TimerKind is what a durable timer does when it is due. */
export type TimerKind = 'escalate' | 'ack-timeout';

/** TimerData says what a due timer does: the escalation position to page and why escalation started. */
export interface TimerData {
  readonly level: number;
  readonly cycle: number;
  /** When this escalation started; every level's delay counts from it. */
  readonly anchor: number;
  /** What started it: the incident opening, reopening, or an acknowledgement that lapsed. */
  readonly reason: 'triggered' | 'reopened' | 'ack-timeout';
}

/** Timer is a durable timer: stored before it is armed, done once it has acted. */
export interface Timer {
  readonly id: number;
  readonly incidentId: string;
  readonly kind: TimerKind;
  readonly dueAt: number;
  readonly data: TimerData;
}

/** OutboxStatus is where a notification is: waiting (maybe retrying), sent, or given up (dead letter). */
export type OutboxStatus = 'pending' | 'sent' | 'dead';

/** OutboxRow is one notification to one channel, written in the transaction that decided it. */
export interface OutboxRow {
  readonly id: number;
  /** Idempotency key: enqueuing the same key twice keeps one row; receivers see it in a header. */
  readonly key: string;
  readonly incidentId?: string;
  readonly channel: string;
  readonly recipient?: string;
  readonly payload: unknown;
  readonly status: OutboxStatus;
  readonly attempts: number;
  readonly nextAt: number;
  readonly lastError?: string;
  readonly createdAt: number;
  readonly sentAt?: number;
}

/** SilenceRecord is a stored silence; matchers are kept as their texts (`service=api`). */
export interface SilenceRecord {
  readonly id: string;
  readonly matchers: readonly string[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly createdBy: string;
  readonly comment: string;
  readonly createdAt: number;
  readonly expiredAt?: number;
}

/**
 * WindowPurpose says why a window was opened: `announced` by a person (shown on the public status
 * page), or opened by Vigie around a `deploy` or a `maintenance` run (it quiets alerts, and is not news
 * for the public).
 */
export type WindowPurpose = 'announced' | 'deploy' | 'maintenance';

/** WindowRecord is a one-off maintenance window added at run time (the runbook's recurring ones are not stored). */
export interface WindowRecord {
  readonly id: string;
  readonly title: string;
  readonly matchers: readonly string[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly purpose: WindowPurpose;
}

/** TokenRecord is an API token as stored: only the hash of its secret. */
export interface TokenRecord {
  readonly id: string;
  readonly hash: string;
  readonly role: 'viewer' | 'responder' | 'admin';
  readonly name: string;
  readonly createdAt: number;
  readonly revokedAt?: number;
}

/** SessionRecord is a browser session as stored: the hash of its cookie secret, its token and CSRF token. */
export interface SessionRecord {
  readonly hash: string;
  readonly tokenId: string;
  readonly csrf: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** ActionRunStatus is where a requested step stands. */
export type ActionRunStatus =
  | 'waiting'
  | 'running'
  | 'ok'
  | 'failed'
  | 'timeout'
  | 'refused'
  | 'skipped'
  | 'dry-run';

/** ActionRun is one request to run a scenario step, its gate decisions and its outcome. */
export interface ActionRun {
  readonly id: number;
  readonly incidentId?: string;
  readonly scenario: string;
  /** 1-based position of the step in the scenario's actions (diagnosis steps follow them). */
  readonly stepIndex: number;
  readonly stepId?: string;
  readonly risk: string;
  readonly run: string;
  readonly params: Readonly<Record<string, string>>;
  readonly dryRun: boolean;
  readonly requestedBy: string;
  readonly requestedAt: number;
  readonly status: ActionRunStatus;
  readonly approvedBy?: string;
  /** Why it waits or was refused. */
  readonly reasons?: readonly string[];
  /** The executor's outcome (redacted output, exit status, timing, output hash). */
  readonly outcome?: unknown;
  readonly finishedAt?: number;
  /** The scenario run it is a step of, when it was run as part of a whole scenario. */
  readonly scenarioRun?: number;
}

/** AuditEntry is one line of the append-only audit log. */
export interface AuditEntry {
  readonly id: number;
  readonly at: number;
  readonly actor: string;
  readonly action: string;
  readonly incidentId?: string;
  readonly detail: Readonly<Record<string, unknown>>;
  /** SHA-256 of the previous entry's hash and this entry's content. */
  readonly hash: string;
}

/** IncidentQuery filters and pages a list of incidents, newest first. */
export interface IncidentQuery {
  readonly status?: readonly IncidentStatus[];
  /** Only incidents with a seq below this one (the next page). */
  readonly before?: number;
  readonly limit?: number;
}

/** NewIncident is what opening an incident records. */
export type NewIncident = Omit<Incident, 'id' | 'seq' | 'updatedAt' | 'status'>;

/** IncidentStore keeps everything the incident pipeline must not lose. */
export interface IncidentStore {
  /** transaction runs `body` atomically; nested calls join the outer transaction. */
  transaction<T>(body: () => T): T;

  openIncident(incident: NewIncident): Incident;
  incident(id: string): Incident | undefined;
  /** openIncidentByKey gives the unresolved incident with this dedup key, if any. */
  openIncidentByKey(dedupKey: string): Incident | undefined;
  /** lastResolvedByKey gives the most recently resolved incident with this key, to reopen it. */
  lastResolvedByKey(dedupKey: string): Incident | undefined;
  updateIncident(id: string, change: Partial<Omit<Incident, 'id' | 'seq'>>): Incident;
  incidents(query?: IncidentQuery): Incident[];
  incidentCounts(): Record<IncidentStatus, number>;

  /** changedSince gives incidents changed after `at` (epoch ms), oldest change first. */
  changedSince(at: number, limit?: number): Incident[];
  addTimeline(entry: Omit<TimelineEntry, 'id'>): TimelineEntry;
  /** lastTimelineId gives the id of the newest timeline entry (0 when there is none). */
  lastTimelineId(): number;
  /** timelineAfter gives entries of every incident with an id above `id`, in order. */
  timelineAfter(id: number, limit?: number): TimelineEntry[];
  timeline(incidentId: string): TimelineEntry[];

  saveAlert(alert: AlertRecord): void;
  alert(key: string): AlertRecord | undefined;
  alertsOf(incidentId: string): AlertRecord[];
  /** quietAlerts gives the alerts firing without an incident because a quiet time held them. */
  quietAlerts(): AlertRecord[];
  /** alerts gives stored alerts, firing ones only when asked. */
  alerts(options?: { readonly firing?: boolean }): AlertRecord[];

  addTimer(timer: Omit<Timer, 'id'>): Timer;
  /** dueTimers gives undone timers due at or before `now`, earliest first. */
  dueTimers(now: number, limit?: number): Timer[];
  /** nextTimerAt gives the due time of the earliest undone timer. */
  nextTimerAt(): number | undefined;
  /** finishTimer marks a timer done; false when it was already done (someone else acted on it). */
  finishTimer(id: number, at: number): boolean;
  /** cancelTimers marks an incident's undone timers (of the given kinds, or all) done. */
  cancelTimers(incidentId: string, at: number, kinds?: readonly TimerKind[]): number;
  pendingTimers(incidentId?: string): Timer[];

  /** enqueue adds a notification; false when a row with the same key exists (it is not sent twice). */
  enqueue(row: Omit<OutboxRow, 'id' | 'status' | 'attempts' | 'sentAt' | 'lastError'>): boolean;
  /**
   * dueOutbox gives pending rows due at `now`, at most one per incident and channel (the oldest), so
   * messages of one incident reach a channel in the order they were written.
   */
  dueOutbox(now: number, limit?: number): OutboxRow[];
  nextOutboxAt(): number | undefined;
  markSent(id: number, at: number): void;
  markRetry(id: number, attempts: number, nextAt: number, error: string): void;
  markDead(id: number, attempts: number, error: string): void;
  outbox(options?: {
    readonly status?: OutboxStatus;
    readonly incidentId?: string;
    readonly limit?: number;
  }): OutboxRow[];
  outboxCounts(): Record<OutboxStatus, number>;

  addSilence(silence: SilenceRecord): void;
  silences(options?: { readonly activeAt?: number }): SilenceRecord[];
  expireSilence(id: string, at: number): boolean;

  addWindow(window: WindowRecord): void;
  windows(): WindowRecord[];
  /** endWindow ends a window at `at` if it was still open then; false when it had ended or does not exist. */
  endWindow(id: string, at: number): boolean;

  addToken(token: TokenRecord): void;
  tokenByHash(hash: string): TokenRecord | undefined;
  tokens(): TokenRecord[];
  revokeToken(id: string, at: number): boolean;
  tokenById(id: string): TokenRecord | undefined;

  addActionRun(run: Omit<ActionRun, 'id'>): ActionRun;
  actionRun(id: number): ActionRun | undefined;
  actionRuns(incidentId: string): ActionRun[];
  /** actionRunsOf gives the step runs a scenario run made, in order. */
  actionRunsOf(scenarioRunId: number): ActionRun[];
  updateActionRun(
    id: number,
    change: Partial<Pick<ActionRun, 'status' | 'approvedBy' | 'reasons' | 'outcome' | 'finishedAt'>>,
  ): ActionRun;
  addApproval(runId: number, by: string, at: number): void;
  approvals(runId: number): { by: string; at: number }[];
  /** appendAudit adds a line to the audit log, chained by hash to the one before. */
  appendAudit(entry: Omit<AuditEntry, 'id' | 'hash'>): AuditEntry;
  audit(options?: { readonly incidentId?: string; readonly limit?: number }): AuditEntry[];

  addSession(session: SessionRecord): void;
  /** session gives the unexpired session with this hash at `now`. */
  session(hash: string, now: number): SessionRecord | undefined;
  deleteSession(hash: string): void;

  /** maintenance keeps the runs of scheduled maintenance tasks, in the same database and transactions. */
  readonly maintenance: MaintenanceRunStore;
  /** checklists keeps deploys and tracked checklists, in the same database and transactions. */
  readonly checklists: ChecklistStore;
  /** scenarioRuns keeps whole-scenario runs, in the same database and transactions. */
  readonly scenarioRuns: ScenarioRunStore;

  close(): void;
}

/** incidentId gives the public id of an incident sequence number. */
export function incidentId(seq: number): string {
  return `INC-${seq}`;
}

/** incidentSeq reads an incident id (`INC-12` or `12`); undefined when it is not one. */
export function incidentSeq(id: string): number | undefined {
  const match = /^(?:INC-)?(\d{1,15})$/i.exec(id.trim());
  return match ? Number(match[1]) : undefined;
}
