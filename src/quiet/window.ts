/**
 * Maintenance windows: planned spans during which the alerts they cover page nobody. A window is
 * one-off (`startsAt`..`endsAt`) or recurring (a cron schedule in a time zone, open for `duration`
 * after each run); the runbook's scheduled maintenance tasks open recurring ones.
 */
import { Cron } from 'croner';
import { closest } from '../runbook/paths.ts';
import { parseDuration } from '../runbook/units.ts';
import { type Labels, type Matcher, matches } from './matchers.ts';
import type { QuietProblem } from './silence.ts';

interface Selection {
  readonly id: string;
  readonly title: string;
  /** Label matchers that must all hold for an alert to be covered. */
  readonly matchers?: readonly Matcher[];
  /** Alert or check ids (labels `alert` and `check`) covered; absent means every alert. */
  readonly affects?: readonly string[];
}

/** OneOffWindow is maintenance from `startsAt` (included) to `endsAt` (excluded), epoch ms. */
export interface OneOffWindow extends Selection {
  readonly startsAt: number;
  readonly endsAt: number;
}

/** RecurringWindow opens at each run of a 5-field cron schedule and stays open `duration` ms. */
export interface RecurringWindow extends Selection {
  readonly schedule: string;
  /** IANA time zone the schedule is read in; UTC when absent. */
  readonly timezone?: string;
  readonly duration: number;
}

/** MaintenanceWindow is a one-off or a recurring window. */
export type MaintenanceWindow = OneOffWindow | RecurringWindow;

/** Span is one opening of a window: from `start` (included) to `end` (excluded). */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** Occurrence is one opening of a given window. */
export interface Occurrence extends Span {
  readonly window: MaintenanceWindow;
}

/** MaintenanceTaskLike is the part of a runbook maintenance task that opens a window. */
export interface MaintenanceTaskLike {
  readonly id: string;
  readonly title: string;
  readonly schedule?: string;
  readonly timezone?: string;
  readonly duration?: string;
  readonly affects?: readonly string[];
}

/** MAX_OCCURRENCES bounds how many openings of one window `upcoming` lists (a `* * * * *` window opens often). */
export const MAX_OCCURRENCES = 100;

/** isRecurring tells a recurring window from a one-off one. */
export function isRecurring(window: MaintenanceWindow): window is RecurringWindow {
  return 'schedule' in window;
}

/** windowsFromMaintenance turns the tasks that have both a schedule and a duration into recurring windows. */
export function windowsFromMaintenance(tasks: readonly MaintenanceTaskLike[]): RecurringWindow[] {
  const windows: RecurringWindow[] = [];
  for (const task of tasks) {
    const duration = task.duration === undefined ? undefined : parseDuration(task.duration);
    if (task.schedule === undefined || duration === undefined || duration <= 0) continue;
    windows.push({
      id: task.id,
      title: task.title,
      schedule: task.schedule,
      duration,
      ...(task.timezone === undefined ? {} : { timezone: task.timezone }),
      ...(task.affects === undefined ? {} : { affects: task.affects }),
    });
  }
  return windows;
}

/**
 * validateMaintenance lists the problems of maintenance tasks that would open a window: a schedule
 * that is not 5-field cron, an unknown time zone, a duration without a schedule, and `affects` ids
 * that name no check or alert (with a "did you mean"). Paths start at `maintenance`.
 */
export function validateMaintenance(
  tasks: readonly MaintenanceTaskLike[],
  checkAndAlertIds: Iterable<string>,
): QuietProblem[] {
  const known = new Set(checkAndAlertIds);
  const problems: QuietProblem[] = [];
  tasks.forEach((task, i) => {
    const at = (...rest: (string | number)[]) => ['maintenance', i, ...rest];
    if (task.schedule !== undefined) {
      const problem = scheduleProblem(task.schedule, task.timezone);
      // Without a duration the task runs but opens no window: a backup need not silence anything.
      if (problem !== undefined) problems.push({ path: at(problem.field), message: problem.message });
    } else if (task.duration !== undefined) {
      problems.push({
        path: at('schedule'),
        message: 'a duration without a schedule opens no window; add a schedule',
      });
    }
    task.affects?.forEach((id, j) => {
      if (known.has(id)) return;
      const guess = closest(id, known);
      problems.push({
        path: at('affects', j),
        message: `'${id}' names no check or alert${guess ? `; did you mean '${guess}'?` : ''}`,
      });
    });
  });
  return problems;
}

/** validateWindow lists the problems of a window made at run time: an end before its start, a bad schedule, time zone or duration. */
export function validateWindow(window: MaintenanceWindow): QuietProblem[] {
  if (!isRecurring(window)) {
    return window.endsAt > window.startsAt
      ? []
      : [{ path: ['endsAt'], message: 'the window ends before it starts; endsAt must come after startsAt' }];
  }
  const problems: QuietProblem[] = [];
  const problem = scheduleProblem(window.schedule, window.timezone);
  if (problem !== undefined) problems.push({ path: [problem.field], message: problem.message });
  if (!(window.duration > 0)) {
    problems.push({
      path: ['duration'],
      message: 'the window must stay open for some time; give a duration',
    });
  }
  return problems;
}

/** covers says whether a window selects an alert: its `affects` names the alert or its check, and its matchers hold. */
export function covers(window: MaintenanceWindow, labels: Labels): boolean {
  if (window.affects !== undefined) {
    const alert = labels.alert;
    const check = labels.check;
    const named = window.affects.some((id) => id === alert || id === check);
    if (!named) return false;
  }
  return matches(window.matchers ?? [], labels);
}

/**
 * activeWindow gives the opening of a window that holds at `now`, if any. For a recurring window it
 * is the latest scheduled run at or before `now`, held while `now` < run + duration; runs follow
 * wall-clock time in the window's zone through DST changes, as cron does (a 02:00 run skipped by the
 * spring change happens at 03:00; one repeated by the autumn change happens once, the first time).
 */
export function activeWindow(window: MaintenanceWindow, now: number): Span | undefined {
  if (!isRecurring(window)) {
    return window.startsAt <= now && now < window.endsAt
      ? { start: window.startsAt, end: window.endsAt }
      : undefined;
  }
  const start = latestRun(window, now);
  if (start === undefined || now >= start + window.duration) return undefined;
  return { start, end: start + window.duration };
}

/** activeWindows lists the windows that cover the labels and are open at `now`, with their openings, in the given order. */
export function activeWindows(
  windows: readonly MaintenanceWindow[],
  labels: Labels,
  now: number,
): Occurrence[] {
  const open: Occurrence[] = [];
  for (const window of windows) {
    if (!covers(window, labels)) continue;
    const span = activeWindow(window, now);
    if (span !== undefined) open.push({ window, ...span });
  }
  return open;
}

/**
 * upcoming lists the openings that are under way at `now` or start before `now + horizonMs`,
 * earliest first (at most MAX_OCCURRENCES per window), for the status page.
 */
export function upcoming(
  windows: readonly MaintenanceWindow[],
  now: number,
  horizonMs: number,
): Occurrence[] {
  const until = now + horizonMs;
  const found: Occurrence[] = [];
  for (const window of windows) {
    if (!isRecurring(window)) {
      if (window.endsAt > now && window.startsAt < until) {
        found.push({ window, start: window.startsAt, end: window.endsAt });
      }
      continue;
    }
    const current = activeWindow(window, now);
    let count = 0;
    if (current !== undefined) {
      found.push({ window, ...current });
      count++;
    }
    for (const run of cronOf(window).enumerate(new Date(now))) {
      const start = run.getTime();
      if (start >= until || count >= MAX_OCCURRENCES) break;
      found.push({ window, start, end: start + window.duration });
      count++;
    }
  }
  return found.sort((a, b) => a.start - b.start || a.window.id.localeCompare(b.window.id));
}

function latestRun(window: RecurringWindow, now: number): number | undefined {
  // croner's reference is exclusive; a millisecond later makes a run exactly at `now` count.
  return cronOf(window)
    .previousRuns(1, new Date(now + 1))[0]
    ?.getTime();
}

// Parsing a cron pattern is far slower than looking it up, and windows are checked for every alert.
const crons = new Map<string, Cron>();
const MAX_CRONS = 1000;

function cronOf(window: RecurringWindow): Cron {
  const timezone = window.timezone ?? 'UTC';
  const key = `${timezone} ${window.schedule}`;
  let cron = crons.get(key);
  if (cron === undefined) {
    cron = new Cron(window.schedule, { timezone, mode: '5-part', paused: true });
    if (crons.size >= MAX_CRONS) crons.clear();
    crons.set(key, cron);
  }
  return cron;
}

function scheduleProblem(
  schedule: string,
  timezone: string | undefined,
): { field: 'schedule' | 'timezone'; message: string } | undefined {
  if (timezone !== undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: timezone });
    } catch {
      return {
        field: 'timezone',
        message: `unknown time zone '${timezone}'; use an IANA name such as Europe/Paris or UTC`,
      };
    }
  }
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) {
    return {
      field: 'schedule',
      message: `'${schedule}' has ${fields.length} fields; write 5-field cron: minute hour day month weekday, e.g. "0 2 * * *"`,
    };
  }
  try {
    new Cron(schedule, { timezone: timezone ?? 'UTC', mode: '5-part', paused: true }).nextRun(new Date(0));
    return undefined;
  } catch (error) {
    const reason = (error as Error).message.replace(/^CronPattern: /, '');
    return { field: 'schedule', message: `'${schedule}' is not a cron schedule: ${reason}` };
  }
}
