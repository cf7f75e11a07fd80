/**
 * The record of scheduled maintenance: one row per task and due time, written as `running` before the
 * task's first step starts, so a run survives a crash as evidence and a schedule fires once even when
 * Vigie restarts in the middle of it.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { StepOutcome } from '../actions/step.ts';

/** MaintenanceRunStatus says where a run is: still going, done, failed, refused by its gate, or never started in time. */
export type MaintenanceRunStatus = 'running' | 'ok' | 'failed' | 'refused' | 'missed';

/** MaintenanceTrigger says why a run started: its schedule, or a person asking for it. */
export type MaintenanceTrigger = 'schedule' | 'manual';

/** MaintenanceStepRecord is one step of a run as it ended (output redacted and capped). */
export interface MaintenanceStepRecord extends StepOutcome {
  readonly step: string;
}

/** MaintenanceRun is one run of a runbook maintenance task. */
export interface MaintenanceRun {
  readonly id: number;
  readonly task: string;
  /** When the schedule wanted it (epoch ms); the request time for a manual run. */
  readonly dueAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly status: MaintenanceRunStatus;
  readonly trigger: MaintenanceTrigger;
  /** Who asked for a manual run. */
  readonly requestedBy?: string;
  /** The maintenance window the run opened around itself. */
  readonly windowId?: string;
  readonly steps: readonly MaintenanceStepRecord[];
  readonly error?: string;
}

/** MaintenanceRunStore keeps maintenance runs. */
export interface MaintenanceRunStore {
  /**
   * claim records a run; a scheduled one only if none of that task is recorded for that due time,
   * else undefined (the schedule already fired for that time, before a restart or on another node).
   */
  claim(run: Omit<MaintenanceRun, 'id' | 'steps'>): MaintenanceRun | undefined;
  update(
    id: number,
    change: Partial<Pick<MaintenanceRun, 'status' | 'finishedAt' | 'windowId' | 'steps' | 'error'>>,
  ): MaintenanceRun;
  run(id: number): MaintenanceRun | undefined;
  /** runs gives the newest runs first, of one task when asked. */
  runs(options?: { readonly task?: string; readonly limit?: number }): MaintenanceRun[];
  /** lastDue gives the latest due time of a task's schedule recorded (ran or missed), to find the runs missed while Vigie was down. */
  lastDue(task: string): number | undefined;
  /** unfinished gives runs left `running` (by a crash). */
  unfinished(): MaintenanceRun[];
}

type Row = Record<string, unknown>;

function toRun(row: Row): MaintenanceRun {
  return {
    id: row.id as number,
    task: row.task as string,
    dueAt: row.due_at as number,
    ...(row.started_at === null ? {} : { startedAt: row.started_at as number }),
    ...(row.finished_at === null ? {} : { finishedAt: row.finished_at as number }),
    status: row.status as MaintenanceRunStatus,
    trigger: row.trigger as MaintenanceTrigger,
    ...(row.requested_by === null ? {} : { requestedBy: row.requested_by as string }),
    ...(row.window_id === null ? {} : { windowId: row.window_id as string }),
    steps: typeof row.steps_json === 'string' ? (JSON.parse(row.steps_json) as MaintenanceStepRecord[]) : [],
    ...(row.error === null ? {} : { error: row.error as string }),
  };
}

/** SqliteMaintenanceRunStore keeps maintenance runs in the incident store's SQLite connection. */
export class SqliteMaintenanceRunStore implements MaintenanceRunStore {
  private readonly sql;

  constructor(db: DatabaseSync) {
    this.sql = {
      claim: db.prepare(
        `INSERT INTO maintenance_runs (task, due_at, started_at, finished_at, status, trigger, requested_by, window_id, steps_json, error)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, '[]', ?) ON CONFLICT (task, due_at) WHERE trigger = 'schedule' DO NOTHING RETURNING *`,
      ),
      update: db.prepare(
        `UPDATE maintenance_runs SET status = ?, finished_at = ?, window_id = ?, steps_json = ?, error = ?
         WHERE id = ? RETURNING *`,
      ),
      run: db.prepare('SELECT * FROM maintenance_runs WHERE id = ?'),
      runs: db.prepare('SELECT * FROM maintenance_runs ORDER BY id DESC LIMIT ?'),
      runsOf: db.prepare('SELECT * FROM maintenance_runs WHERE task = ? ORDER BY id DESC LIMIT ?'),
      lastDue: db.prepare(
        `SELECT max(due_at) AS due FROM maintenance_runs WHERE task = ? AND trigger = 'schedule'`,
      ),
      unfinished: db.prepare(`SELECT * FROM maintenance_runs WHERE status = 'running' ORDER BY id`),
    };
  }

  claim(run: Omit<MaintenanceRun, 'id' | 'steps'>): MaintenanceRun | undefined {
    const row = this.sql.claim.get(
      run.task,
      run.dueAt,
      run.startedAt ?? null,
      run.finishedAt ?? null,
      run.status,
      run.trigger,
      run.requestedBy ?? null,
      run.windowId ?? null,
      run.error ?? null,
    ) as Row | undefined;
    return row ? toRun(row) : undefined;
  }

  update(
    id: number,
    change: Partial<Pick<MaintenanceRun, 'status' | 'finishedAt' | 'windowId' | 'steps' | 'error'>>,
  ): MaintenanceRun {
    const current = this.run(id);
    if (!current) throw new RangeError(`no maintenance run ${id}`);
    const next = { ...current, ...change };
    return toRun(
      this.sql.update.get(
        next.status,
        next.finishedAt ?? null,
        next.windowId ?? null,
        JSON.stringify(next.steps),
        next.error ?? null,
        id,
      ) as Row,
    );
  }

  run(id: number): MaintenanceRun | undefined {
    const row = this.sql.run.get(id) as Row | undefined;
    return row ? toRun(row) : undefined;
  }

  runs(options: { readonly task?: string; readonly limit?: number } = {}): MaintenanceRun[] {
    const limit = options.limit ?? 100;
    const rows =
      options.task === undefined ? this.sql.runs.all(limit) : this.sql.runsOf.all(options.task, limit);
    return (rows as Row[]).map(toRun);
  }

  lastDue(task: string): number | undefined {
    const due = (this.sql.lastDue.get(task) as Row | undefined)?.due;
    return typeof due === 'number' ? due : undefined;
  }

  unfinished(): MaintenanceRun[] {
    return (this.sql.unfinished.all() as Row[]).map(toRun);
  }
}
