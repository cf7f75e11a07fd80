/**
 * The record of a whole scenario being run: who asked, with which values, how far it got, and the
 * step run it waits on. It is written before each step starts, so a restart knows where a scenario
 * stood, and a scenario waiting for an approval still waits for it after a restart.
 */
import type { DatabaseSync } from 'node:sqlite';
import { incidentId, incidentSeq } from './incidents.ts';

/**
 * ScenarioRunStatus says where a scenario run is: `running` a step, `waiting` on a step run's gate
 * (an approval, a confirmation), ended `done` or `failed`, or `interrupted` by a restart mid-step.
 */
export type ScenarioRunStatus = 'running' | 'waiting' | 'done' | 'failed' | 'interrupted';

/** ScenarioRunRecord is one run of a scenario's corrective steps. */
export interface ScenarioRunRecord {
  readonly id: number;
  readonly scenario: string;
  readonly incidentId?: string;
  readonly requestedBy: string;
  readonly requestedAt: number;
  readonly params: Readonly<Record<string, string>>;
  readonly confirmations: readonly string[];
  readonly dryRun: boolean;
  /** The 1-based position of the step running, waiting, or to run next. */
  readonly nextStep: number;
  readonly status: ScenarioRunStatus;
  /** The action run whose gate the scenario waits on. */
  readonly waitingRun?: number;
  readonly finishedAt?: number;
}

/** ScenarioRunStore keeps scenario runs. */
export interface ScenarioRunStore {
  add(run: Omit<ScenarioRunRecord, 'id'>): ScenarioRunRecord;
  update(
    id: number,
    change: Partial<Pick<ScenarioRunRecord, 'nextStep' | 'status' | 'waitingRun' | 'finishedAt'>>,
  ): ScenarioRunRecord;
  get(id: number): ScenarioRunRecord | undefined;
  /** waitingOn gives the scenario run that waits on an action run's gate, if one does. */
  waitingOn(actionRunId: number): ScenarioRunRecord | undefined;
  /** running gives the scenario runs that were running a step (a restart interrupted them). */
  running(): ScenarioRunRecord[];
}

type Row = Record<string, unknown>;

function toRecord(row: Row): ScenarioRunRecord {
  return {
    id: row.id as number,
    scenario: row.scenario as string,
    ...(row.incident_seq === null ? {} : { incidentId: incidentId(row.incident_seq as number) }),
    requestedBy: row.requested_by as string,
    requestedAt: row.requested_at as number,
    params: JSON.parse(row.params_json as string) as Record<string, string>,
    confirmations: JSON.parse(row.confirmations_json as string) as string[],
    dryRun: row.dry_run === 1,
    nextStep: row.next_step as number,
    status: row.status as ScenarioRunStatus,
    ...(row.waiting_run === null ? {} : { waitingRun: row.waiting_run as number }),
    ...(row.finished_at === null ? {} : { finishedAt: row.finished_at as number }),
  };
}

/** SqliteScenarioRunStore keeps scenario runs in the incident store's SQLite connection. */
export class SqliteScenarioRunStore implements ScenarioRunStore {
  private readonly sql;

  constructor(db: DatabaseSync) {
    this.sql = {
      add: db.prepare(
        `INSERT INTO scenario_runs (scenario, incident_seq, requested_by, requested_at, params_json,
           confirmations_json, dry_run, next_step, status, waiting_run, finished_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      ),
      update: db.prepare(
        'UPDATE scenario_runs SET next_step = ?, status = ?, waiting_run = ?, finished_at = ? WHERE id = ? RETURNING *',
      ),
      get: db.prepare('SELECT * FROM scenario_runs WHERE id = ?'),
      waitingOn: db.prepare(`SELECT * FROM scenario_runs WHERE status = 'waiting' AND waiting_run = ?`),
      running: db.prepare(`SELECT * FROM scenario_runs WHERE status = 'running' ORDER BY id`),
    };
  }

  add(run: Omit<ScenarioRunRecord, 'id'>): ScenarioRunRecord {
    return toRecord(
      this.sql.add.get(
        run.scenario,
        run.incidentId === undefined ? null : (incidentSeq(run.incidentId) ?? null),
        run.requestedBy,
        run.requestedAt,
        JSON.stringify(run.params),
        JSON.stringify(run.confirmations),
        run.dryRun ? 1 : 0,
        run.nextStep,
        run.status,
        run.waitingRun ?? null,
        run.finishedAt ?? null,
      ) as Row,
    );
  }

  update(
    id: number,
    change: Partial<Pick<ScenarioRunRecord, 'nextStep' | 'status' | 'waitingRun' | 'finishedAt'>>,
  ): ScenarioRunRecord {
    const current = this.get(id);
    if (!current) throw new RangeError(`no scenario run ${id}`);
    const next = { ...current, ...change };
    return toRecord(
      this.sql.update.get(
        next.nextStep,
        next.status,
        next.waitingRun ?? null,
        next.finishedAt ?? null,
        id,
      ) as Row,
    );
  }

  get(id: number): ScenarioRunRecord | undefined {
    const row = this.sql.get.get(id) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  waitingOn(actionRunId: number): ScenarioRunRecord | undefined {
    const row = this.sql.waitingOn.get(actionRunId) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  running(): ScenarioRunRecord[] {
    return (this.sql.running.all() as Row[]).map(toRecord);
  }
}
