/**
 * Tracked checklists and deploys. A runbook checklist (pre-deploy, post-deploy, post-incident) becomes a
 * list of items on a deploy or an incident; a person ticks an item, or Vigie does when the check the item
 * names has held long enough. A deploy is the span between `vigie deploy start` and `finish`.
 */
import type { DatabaseSync } from 'node:sqlite';

/** ChecklistSubject is what a tracked checklist belongs to. */
export type ChecklistSubjectKind = 'deploy' | 'incident';

/** TrackedItem is one line of a tracked checklist. */
export interface TrackedItem {
  readonly position: number;
  readonly text: string;
  /** The check whose success ticks the item by itself. */
  readonly checkId?: string;
  /** How long (ms) the check must keep succeeding before the item ticks. */
  readonly holdMs?: number;
  /** Since when the check has been succeeding without a break (epoch ms), while the item waits. */
  readonly passingSince?: number;
  readonly doneAt?: number;
  /** Who ticked it: a person, or `vigie` for an item its check ticked. */
  readonly doneBy?: string;
  readonly note?: string;
}

/** TrackedChecklist is a runbook checklist made a list to tick on one deploy or incident. */
export interface TrackedChecklist {
  readonly id: number;
  readonly subjectKind: ChecklistSubjectKind;
  readonly subjectId: string;
  /** The runbook checklist's id (pre-deploy, post-incident, …). */
  readonly name: string;
  readonly title: string;
  readonly createdAt: number;
  readonly items: readonly TrackedItem[];
}

/** DeployStatus says whether a deploy is going on or over. */
export type DeployStatus = 'running' | 'finished';

/** Deploy is one deploy, opened by `vigie deploy start` and closed by `finish`. */
export interface Deploy {
  readonly id: number;
  readonly title: string;
  readonly status: DeployStatus;
  readonly startedBy: string;
  readonly startedAt: number;
  readonly finishedBy?: string;
  readonly finishedAt?: number;
  /** The maintenance window open while the deploy runs. */
  readonly windowId?: string;
}

/** ChecklistStore keeps deploys and tracked checklists. */
export interface ChecklistStore {
  addDeploy(deploy: Omit<Deploy, 'id'>): Deploy;
  updateDeploy(
    id: number,
    change: Partial<Pick<Deploy, 'status' | 'finishedBy' | 'finishedAt' | 'windowId'>>,
  ): Deploy;
  deploy(id: number): Deploy | undefined;
  /** deploys gives the newest deploys first. */
  deploys(limit?: number): Deploy[];
  /**
   * addChecklist tracks a checklist on a subject; undefined when that subject already tracks a
   * checklist of that name (a second `deploy finish` does not add it twice).
   */
  addChecklist(
    checklist: Omit<TrackedChecklist, 'id' | 'items'>,
    items: readonly Omit<TrackedItem, 'position'>[],
  ): TrackedChecklist | undefined;
  checklist(id: number): TrackedChecklist | undefined;
  checklistsOf(kind: ChecklistSubjectKind, subjectId: string): TrackedChecklist[];
  /** pendingCheckItems gives the unticked items that a check ticks, with their checklist id. */
  pendingCheckItems(): (TrackedItem & { readonly checklistId: number })[];
  /** updateItem changes one item; undefined when the checklist has no such position. */
  updateItem(
    checklistId: number,
    position: number,
    change: Partial<Pick<TrackedItem, 'passingSince' | 'doneAt' | 'doneBy' | 'note'>>,
  ): TrackedItem | undefined;
}

type Row = Record<string, unknown>;

const optional = <K extends string, T>(key: K, value: unknown): { [P in K]?: T } =>
  (value === null || value === undefined ? {} : { [key]: value as T }) as { [P in K]?: T };

function toDeploy(row: Row): Deploy {
  return {
    id: row.id as number,
    title: row.title as string,
    status: row.status as DeployStatus,
    startedBy: row.started_by as string,
    startedAt: row.started_at as number,
    ...optional<'finishedBy', string>('finishedBy', row.finished_by),
    ...optional<'finishedAt', number>('finishedAt', row.finished_at),
    ...optional<'windowId', string>('windowId', row.window_id),
  };
}

function toItem(row: Row): TrackedItem {
  return {
    position: row.position as number,
    text: row.text as string,
    ...optional<'checkId', string>('checkId', row.check_id),
    ...optional<'holdMs', number>('holdMs', row.hold_ms),
    ...optional<'passingSince', number>('passingSince', row.passing_since),
    ...optional<'doneAt', number>('doneAt', row.done_at),
    ...optional<'doneBy', string>('doneBy', row.done_by),
    ...optional<'note', string>('note', row.note),
  };
}

/** SqliteChecklistStore keeps deploys and checklists in the incident store's SQLite connection. */
export class SqliteChecklistStore implements ChecklistStore {
  private readonly sql;

  constructor(db: DatabaseSync) {
    this.sql = {
      addDeploy: db.prepare(
        `INSERT INTO deploys (title, status, started_by, started_at, finished_by, finished_at, window_id)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      ),
      updateDeploy: db.prepare(
        'UPDATE deploys SET status = ?, finished_by = ?, finished_at = ?, window_id = ? WHERE id = ? RETURNING *',
      ),
      deploy: db.prepare('SELECT * FROM deploys WHERE id = ?'),
      deploys: db.prepare('SELECT * FROM deploys ORDER BY id DESC LIMIT ?'),
      addChecklist: db.prepare(
        `INSERT INTO checklists (subject_kind, subject_id, name, title, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (subject_kind, subject_id, name) DO NOTHING RETURNING id`,
      ),
      addItem: db.prepare(
        `INSERT INTO checklist_items (checklist_id, position, text, check_id, hold_ms, passing_since, done_at, done_by, note)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      checklist: db.prepare('SELECT * FROM checklists WHERE id = ?'),
      checklistsOf: db.prepare(
        'SELECT * FROM checklists WHERE subject_kind = ? AND subject_id = ? ORDER BY id',
      ),
      items: db.prepare('SELECT * FROM checklist_items WHERE checklist_id = ? ORDER BY position'),
      pendingCheckItems: db.prepare(
        'SELECT * FROM checklist_items WHERE check_id IS NOT NULL AND done_at IS NULL ORDER BY checklist_id, position',
      ),
      updateItem: db.prepare(
        `UPDATE checklist_items SET passing_since = ?, done_at = ?, done_by = ?, note = ?
         WHERE checklist_id = ? AND position = ? RETURNING *`,
      ),
      item: db.prepare('SELECT * FROM checklist_items WHERE checklist_id = ? AND position = ?'),
    };
  }

  addDeploy(deploy: Omit<Deploy, 'id'>): Deploy {
    return toDeploy(
      this.sql.addDeploy.get(
        deploy.title,
        deploy.status,
        deploy.startedBy,
        deploy.startedAt,
        deploy.finishedBy ?? null,
        deploy.finishedAt ?? null,
        deploy.windowId ?? null,
      ) as Row,
    );
  }

  updateDeploy(
    id: number,
    change: Partial<Pick<Deploy, 'status' | 'finishedBy' | 'finishedAt' | 'windowId'>>,
  ): Deploy {
    const current = this.deploy(id);
    if (!current) throw new RangeError(`no deploy ${id}`);
    const next = { ...current, ...change };
    return toDeploy(
      this.sql.updateDeploy.get(
        next.status,
        next.finishedBy ?? null,
        next.finishedAt ?? null,
        next.windowId ?? null,
        id,
      ) as Row,
    );
  }

  deploy(id: number): Deploy | undefined {
    const row = this.sql.deploy.get(id) as Row | undefined;
    return row ? toDeploy(row) : undefined;
  }

  deploys(limit = 50): Deploy[] {
    return (this.sql.deploys.all(limit) as Row[]).map(toDeploy);
  }

  addChecklist(
    checklist: Omit<TrackedChecklist, 'id' | 'items'>,
    items: readonly Omit<TrackedItem, 'position'>[],
  ): TrackedChecklist | undefined {
    const row = this.sql.addChecklist.get(
      checklist.subjectKind,
      checklist.subjectId,
      checklist.name,
      checklist.title,
      checklist.createdAt,
    ) as Row | undefined;
    if (!row) return undefined;
    const id = row.id as number;
    items.forEach((item, index) => {
      this.sql.addItem.run(
        id,
        index + 1,
        item.text,
        item.checkId ?? null,
        item.holdMs ?? null,
        item.passingSince ?? null,
        item.doneAt ?? null,
        item.doneBy ?? null,
        item.note ?? null,
      );
    });
    return this.checklist(id);
  }

  checklist(id: number): TrackedChecklist | undefined {
    const row = this.sql.checklist.get(id) as Row | undefined;
    return row ? this.withItems(row) : undefined;
  }

  checklistsOf(kind: ChecklistSubjectKind, subjectId: string): TrackedChecklist[] {
    return (this.sql.checklistsOf.all(kind, subjectId) as Row[]).map((row) => this.withItems(row));
  }

  pendingCheckItems(): (TrackedItem & { readonly checklistId: number })[] {
    return (this.sql.pendingCheckItems.all() as Row[]).map((row) => ({
      ...toItem(row),
      checklistId: row.checklist_id as number,
    }));
  }

  updateItem(
    checklistId: number,
    position: number,
    change: Partial<Pick<TrackedItem, 'passingSince' | 'doneAt' | 'doneBy' | 'note'>>,
  ): TrackedItem | undefined {
    const row = this.sql.item.get(checklistId, position) as Row | undefined;
    if (!row) return undefined;
    const next = { ...toItem(row), ...change };
    return toItem(
      this.sql.updateItem.get(
        next.passingSince ?? null,
        next.doneAt ?? null,
        next.doneBy ?? null,
        next.note ?? null,
        checklistId,
        position,
      ) as Row,
    );
  }

  private withItems(row: Row): TrackedChecklist {
    const id = row.id as number;
    return {
      id,
      subjectKind: row.subject_kind as ChecklistSubjectKind,
      subjectId: row.subject_id as string,
      name: row.name as string,
      title: row.title as string,
      createdAt: row.created_at as number,
      items: (this.sql.items.all(id) as Row[]).map(toItem),
    };
  }
}
