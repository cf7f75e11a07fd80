/**
 * The checklist tracker: runbook checklists become lists to tick on a deploy or an incident. A person
 * ticks or unticks an item with a note; an item that names a check ticks itself once that check has
 * succeeded without a break for the item's `hold` ("no errors in the logs for 5 minutes"), counting
 * only runs started after the list was attached; one failure starts the count over. Every tick lands
 * in the audit log, and in the incident's timeline when the list belongs to an incident.
 *
 * The post-incident list is attached when an incident resolves, not when it opens: its items are the
 * follow-up ("root cause documented", "post-mortem written", "/health returns 200 again"), which only
 * make sense once service is back, and a check item must count its hold from the recovery. The store
 * is read once a second for incidents resolved since the last look, so a resolution from any path
 * (an alert clearing, the API, the dashboard, another process on the same store) gets its list.
 */
import type { Log } from '../engine/runtime.ts';
import type { Clock } from '../engine/scheduler.ts';
import type { RunbookConfig } from '../runbook/schema.ts';
import { formatDuration } from '../runbook/units.ts';
import type { ChecklistSubjectKind, TrackedChecklist, TrackedItem } from '../store/checklists.ts';
import type { IncidentStore } from '../store/incidents.ts';
import { type ChecklistRole, checklistsFor } from './roles.ts';

/** VIGIE is the actor of what Vigie does itself. */
const VIGIE = 'vigie';
/** How often the store is read for resolved incidents and for items changed by another process. */
const POLL_MS = 1000;
/** How far back a starting tracker looks for resolved incidents it has not seen (Vigie was down). */
const CATCH_UP_MS = 24 * 3_600_000;
/** Incidents read per page of changes. */
const PAGE = 500;
/** Longest note kept on an item. */
const NOTE_MAX = 2000;

/** ChecklistError is a request the checklists cannot honour: no such list or item, or it is already in that state. */
export class ChecklistError extends Error {
  readonly status: 'not-found' | 'conflict' | 'invalid';
  readonly fix: string;
  constructor(status: 'not-found' | 'conflict' | 'invalid', message: string, fix: string) {
    super(message);
    this.name = 'ChecklistError';
    this.status = status;
    this.fix = fix;
  }
}

/** CheckOutcome is what the tracker needs of a check run: when it started and whether it passed. */
export interface CheckOutcome {
  readonly at: number;
  readonly ok: boolean;
}

/** TrackerOptions are the runbook (resolved), the store and the effects the tracker uses. */
export interface TrackerOptions {
  readonly runbook: Pick<RunbookConfig, 'checklists' | 'checks'>;
  readonly store: IncidentStore;
  readonly clock: Clock;
  readonly mask: (text: string) => string;
  readonly log?: Log;
  /** Hears of a list attached or an item ticked, untouched or holding, for the live view. */
  readonly onChange?: (checklist: Pick<TrackedChecklist, 'id' | 'subjectKind' | 'subjectId'>) => void;
}

/** Subject is what a tracked checklist belongs to. */
export interface Subject {
  readonly kind: ChecklistSubjectKind;
  readonly id: string;
}

/** ItemChange is a person ticking (done) or unticking an item, with an optional note saying why. */
export interface ItemChange {
  readonly done: boolean;
  readonly note?: string;
}

/** Waiting is an unticked item that a check ticks, as the tracker holds it between two runs. */
interface Waiting {
  readonly checklistId: number;
  readonly position: number;
  readonly text: string;
  readonly checkId: string;
  readonly holdMs: number;
  /** Runs started before the list was attached say nothing about after it. */
  readonly since: number;
  passingSince?: number;
}

const utc = (at: number): string => new Date(at).toISOString().replace(/\.\d+Z$/, 'Z');

/** ChecklistTracker attaches runbook checklists and keeps their items ticked. */
export class ChecklistTracker {
  private readonly options: TrackerOptions;
  private readonly store: IncidentStore;
  /** Check id → the items its success ticks. */
  private waiting = new Map<string, Waiting[]>();
  /** Checklist id → when it was attached, read once per list. */
  private readonly attachedAt = new Map<number, number>();
  private lastChange: number;
  private timer: unknown;
  private running = false;

  constructor(options: TrackerOptions) {
    this.options = options;
    this.store = options.store;
    this.lastChange = options.clock.now() - CATCH_UP_MS;
  }

  /** start reads the items waiting on a check and begins watching for resolved incidents. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.reindex();
    const tick = (): void => {
      if (!this.running) return;
      try {
        this.poll();
      } catch (error) {
        this.options.log?.('error', 'checklist watch failed', { error: this.options.mask(String(error)) });
      }
      this.timer = this.options.clock.setTimeout(tick, POLL_MS);
    };
    tick();
  }

  /** stop ends the watch; items keep their state in the store. */
  stop(): void {
    this.running = false;
    this.options.clock.clearTimeout(this.timer);
  }

  /**
   * attach tracks the runbook's checklists of one role on a subject and gives the lists it added; a
   * list that subject already tracks is not added twice, and a runbook without such a list adds none.
   */
  attach(subject: Subject, role: ChecklistRole, actor: string): TrackedChecklist[] {
    const { mask, clock } = this.options;
    const now = clock.now();
    const added = this.store.transaction(() =>
      checklistsFor(this.options.runbook, role).flatMap((planned) => {
        const checklist = this.store.checklists.addChecklist(
          {
            subjectKind: subject.kind,
            subjectId: subject.id,
            name: planned.id,
            title: mask(planned.title),
            createdAt: now,
          },
          planned.items.map((item) => ({ ...item, text: mask(item.text) })),
        );
        if (!checklist) return [];
        const checked = checklist.items.filter((item) => item.checkId !== undefined).length;
        this.record(checklist, {
          actor,
          action: 'checklist-attached',
          text: `${role} checklist attached: ${checklist.title} (${checklist.items.length} items${
            checked > 0 ? `, ${checked} ticked by Vigie when their check holds` : ''
          })`,
          detail: { role },
        });
        return [checklist];
      }),
    );
    if (added.some((checklist) => checklist.items.some((item) => item.checkId !== undefined))) this.reindex();
    return added;
  }

  /**
   * observe applies one run of a check to the items waiting on it: a failure starts their count over;
   * a success starts it, or ticks the items whose check has now held for their `hold`. It never throws:
   * it runs in the engine's result callback.
   */
  observe(checkId: string, result: CheckOutcome): void {
    const items = this.waiting.get(checkId);
    if (!items) return;
    try {
      for (const item of [...items]) {
        if (result.at < item.since) continue;
        if (!result.ok) {
          if (item.passingSince !== undefined) {
            item.passingSince = undefined;
            this.store.checklists.updateItem(item.checklistId, item.position, { passingSince: undefined });
          }
          continue;
        }
        if (item.passingSince === undefined) {
          item.passingSince = result.at;
          this.store.checklists.updateItem(item.checklistId, item.position, { passingSince: result.at });
        }
        if (result.at - item.passingSince >= item.holdMs) this.tickByCheck(item);
      }
    } catch (error) {
      this.options.log?.('error', 'checklist tick from a check failed', {
        check: checkId,
        error: this.options.mask(String(error)),
      });
    }
  }

  /** tick lets a person tick or untick an item, with a note; it gives the list and the item as they are now. */
  tick(
    checklistId: number,
    position: number,
    change: ItemChange,
    actor: string,
  ): { checklist: TrackedChecklist; item: TrackedItem } {
    const { mask, clock } = this.options;
    const checklist = this.checklist(checklistId);
    const item = checklist.items.find((candidate) => candidate.position === position);
    if (!item) {
      throw new ChecklistError(
        'not-found',
        `checklist ${checklistId} has no item ${position}`,
        `give a position from 1 to ${checklist.items.length}`,
      );
    }
    if (change.done === (item.doneAt !== undefined)) {
      throw new ChecklistError(
        'conflict',
        change.done
          ? `item ${position} of checklist ${checklistId} is already ticked${item.doneBy ? ` by ${item.doneBy}` : ''}`
          : `item ${position} of checklist ${checklistId} is not ticked`,
        'reload the checklist and act on its current state',
      );
    }
    const note = change.note?.trim() ? mask(change.note.trim().slice(0, NOTE_MAX)) : undefined;
    const now = clock.now();
    const updated = this.store.transaction(() => {
      const next = this.store.checklists.updateItem(
        checklistId,
        position,
        change.done
          ? { doneAt: now, doneBy: actor, note, passingSince: undefined }
          : { doneAt: undefined, doneBy: undefined, note, passingSince: undefined },
      )!;
      this.record(checklist, {
        actor,
        action: change.done ? 'checklist-ticked' : 'checklist-unticked',
        // Led by the list's id, never by its title: a comment starting "public:" goes to the status page.
        text: `checklist ${checklist.name}, item ${position} ${change.done ? 'ticked' : 'unticked'}: ${item.text}${
          note ? ` — ${note}` : ''
        }`,
        detail: { position, item: item.text, ...(note ? { note } : {}) },
      });
      return next;
    });
    if (item.checkId !== undefined) this.reindex();
    return { checklist: this.checklist(checklistId), item: updated };
  }

  /** checklist gives one tracked list, or throws a not-found ChecklistError. */
  checklist(id: number): TrackedChecklist {
    const checklist = this.store.checklists.checklist(id);
    if (!checklist) {
      throw new ChecklistError(
        'not-found',
        `no checklist ${id}`,
        "see a deploy's or an incident's checklists with GET /api/v1/deploys/ID or /api/v1/incidents/ID/checklists",
      );
    }
    return checklist;
  }

  /** checklistsOf gives the lists a deploy or an incident tracks, oldest first. */
  checklistsOf(subject: Subject): TrackedChecklist[] {
    return this.store.checklists.checklistsOf(subject.kind, subject.id);
  }

  private tickByCheck(item: Waiting): void {
    const held = item.passingSince === undefined ? 0 : this.options.clock.now() - item.passingSince;
    const note =
      item.holdMs > 0
        ? `check ${item.checkId} succeeded without a break for ${formatDuration(item.holdMs)} (since ${utc(item.passingSince!)})`
        : `check ${item.checkId} succeeded`;
    const checklist = this.store.checklists.checklist(item.checklistId);
    this.store.transaction(() => {
      this.store.checklists.updateItem(item.checklistId, item.position, {
        doneAt: this.options.clock.now(),
        doneBy: VIGIE,
        note,
      });
      if (checklist) {
        this.record(checklist, {
          actor: VIGIE,
          action: 'checklist-ticked',
          text: `checklist ${checklist.name}, item ${item.position} ticked: ${item.text} — ${note}`,
          detail: { position: item.position, item: item.text, note, check: item.checkId, heldMs: held },
        });
      }
    });
    const rest = (this.waiting.get(item.checkId) ?? []).filter((other) => other !== item);
    if (rest.length > 0) this.waiting.set(item.checkId, rest);
    else this.waiting.delete(item.checkId);
  }

  /** record writes what happened to a list in the audit log, and in the incident's timeline when it has one. */
  private record(
    checklist: TrackedChecklist,
    entry: {
      readonly actor: string;
      readonly action: string;
      readonly text: string;
      readonly detail: Readonly<Record<string, unknown>>;
    },
  ): void {
    const at = this.options.clock.now();
    const incidentId = checklist.subjectKind === 'incident' ? checklist.subjectId : undefined;
    const text = this.options.mask(entry.text);
    if (incidentId !== undefined) {
      this.store.addTimeline({
        incidentId,
        at,
        kind: 'checklist',
        actor: entry.actor,
        text,
        data: { checklist: checklist.id, name: checklist.name, ...entry.detail },
      });
    }
    this.store.appendAudit({
      at,
      actor: entry.actor,
      action: entry.action,
      ...(incidentId === undefined ? {} : { incidentId }),
      detail: {
        checklist: checklist.id,
        name: checklist.name,
        subject: `${checklist.subjectKind}:${checklist.subjectId}`,
        ...entry.detail,
      },
    });
    this.options.onChange?.(checklist);
  }

  /** reindex reads the unticked check items from the store, which stays the one truth. */
  private reindex(): void {
    const waiting = new Map<string, Waiting[]>();
    for (const item of this.store.checklists.pendingCheckItems()) {
      let since = this.attachedAt.get(item.checklistId);
      if (since === undefined) {
        since = this.store.checklists.checklist(item.checklistId)?.createdAt ?? 0;
        this.attachedAt.set(item.checklistId, since);
      }
      const entry: Waiting = {
        checklistId: item.checklistId,
        position: item.position,
        text: item.text,
        checkId: item.checkId!,
        holdMs: item.holdMs ?? 0,
        since,
        ...(item.passingSince === undefined ? {} : { passingSince: item.passingSince }),
      };
      const list = waiting.get(entry.checkId);
      if (list) list.push(entry);
      else waiting.set(entry.checkId, [entry]);
    }
    this.waiting = waiting;
  }

  private poll(): void {
    // The last millisecond seen is read again: an incident resolved in it after the last look counts too
    // (attaching is idempotent).
    let from = this.lastChange - 1;
    for (;;) {
      const changed = this.store.changedSince(from, PAGE);
      for (const incident of changed) {
        this.lastChange = Math.max(this.lastChange, incident.updatedAt);
        if (incident.status === 'resolved') {
          this.attach({ kind: 'incident', id: incident.id }, 'post-incident', VIGIE);
        }
      }
      const last = changed.at(-1)?.updatedAt;
      if (changed.length < PAGE || last === undefined || last <= from) break;
      from = last;
    }
    // Another process on the same store may have ticked or attached lists.
    this.reindex();
  }
}
