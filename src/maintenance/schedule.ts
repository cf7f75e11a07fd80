/**
 * When a maintenance task is due: its 5-field cron schedule read in its time zone (croner, as the
 * maintenance windows read it), how late a run may start before it counts as missed, and how long
 * each step may take. Pure: every function takes the time it reasons about.
 */
import { Cron } from 'croner';
import { stepTimeoutMs } from '../actions/step.ts';
import type { MaintenanceTask, Step } from '../runbook/schema.ts';
import { parseDuration } from '../runbook/units.ts';

/** DEFAULT_GRACE_MS is how late a run may start before it counts as missed, when the task does not say (5 min). */
export const DEFAULT_GRACE_MS = 5 * 60_000;

/** DEFAULT_STEP_TIMEOUT_MS is how long a maintenance step may run when it does not say (1 h: backups take time). */
export const DEFAULT_STEP_TIMEOUT_MS = 60 * 60_000;

/** MAX_CATCH_UP is how many past occurrences of one task are recorded after downtime; older ones are only mentioned. */
export const MAX_CATCH_UP = 50;

/** TaskSchedule answers when a task falls due. */
export interface TaskSchedule {
  /** next gives the first occurrence strictly after `after` (epoch ms), or undefined when none is left. */
  next(after: number): number | undefined;
  /**
   * between lists the latest occurrences in (`from`, `to`], earliest first, at most `limit` of them;
   * `more` says that older ones were left out. It looks back from `to`, so a schedule that fired every
   * minute through a month of downtime costs `limit` steps, not forty thousand.
   */
  between(from: number, to: number, limit?: number): { readonly due: number[]; readonly more: boolean };
}

/**
 * scheduleOf reads a task's schedule; undefined for a task without one (it runs only when asked).
 * It throws a RangeError naming the task when the schedule or time zone is wrong, which the runbook
 * linter reports before Vigie starts.
 */
export function scheduleOf(
  task: Pick<MaintenanceTask, 'id' | 'schedule' | 'timezone'>,
): TaskSchedule | undefined {
  if (task.schedule === undefined) return undefined;
  let cron: Cron;
  try {
    cron = new Cron(task.schedule, { timezone: task.timezone ?? 'UTC', mode: '5-part', paused: true });
  } catch (error) {
    throw new RangeError(
      `maintenance task ${task.id}: '${task.schedule}' is not a 5-field cron schedule (${(error as Error).message}); write it like "0 2 * * *"`,
    );
  }
  const next = (after: number): number | undefined => cron.nextRun(new Date(after))?.getTime();
  return {
    next,
    between(from, to, limit = MAX_CATCH_UP) {
      // croner's reference is exclusive; a millisecond later makes an occurrence exactly at `to` count.
      const latest = cron
        .previousRuns(limit + 1, new Date(to + 1))
        .map((date) => date.getTime())
        .filter((at) => at > from);
      return { due: latest.slice(0, limit).reverse(), more: latest.length > limit };
    },
  };
}

/** graceOf gives how late, in ms, a run of the task may start before it counts as missed. */
export function graceOf(task: Pick<MaintenanceTask, 'grace'>): number {
  return (task.grace === undefined ? undefined : parseDuration(task.grace)) ?? DEFAULT_GRACE_MS;
}

/** windowLengthOf gives the length, in ms, of the window a run of the task opens; undefined when it opens none. */
export function windowLengthOf(task: Pick<MaintenanceTask, 'duration'>): number | undefined {
  const length = task.duration === undefined ? undefined : parseDuration(task.duration);
  return length !== undefined && length > 0 ? length : undefined;
}

/** stepTimeoutOf gives how long, in ms, a maintenance step may run before it is stopped. */
export function stepTimeoutOf(step: Pick<Step, 'timeout'>): number {
  return stepTimeoutMs(step, DEFAULT_STEP_TIMEOUT_MS);
}

/** localDate gives the calendar day (YYYY-MM-DD) of `at` in a time zone, to compare with the dates of a standing approval. */
export function localDate(at: number, timezone = 'UTC'): string {
  // The en-CA locale writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(at));
}
