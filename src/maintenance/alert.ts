/**
 * The alert a maintenance task raises when a run fails, is refused or is missed, shaped as an alert
 * from another system so that it goes through the incident pipeline like any other one: quiet times,
 * scenario matching, an incident, pages and escalation. One alert per task: it fires on trouble and
 * clears when a later run of the task succeeds.
 */
import type { IngestBatch } from '../ingest/alert.ts';
import type { MaintenanceRun } from '../store/maintenance-runs.ts';

/** MAINTENANCE_LABEL is the label that carries the task id; the windows runs open never quiet an alert that has it. */
export const MAINTENANCE_LABEL = 'maintenance';

// A summary becomes an incident title and a page: long enough for the error, short enough to read.
const MAX_SUMMARY = 600;

/** alertName is the name of a task's alert; alerts from other systems share an incident per name. */
export function alertName(taskId: string): string {
  return `maintenance ${taskId}`;
}

/** alertKey is the key under which the pipeline stores a task's alert. */
export function alertKey(taskId: string): string {
  return `maintenance:${taskId}`;
}

/**
 * summaryOf says what went wrong with a run in one line: the task, the status, the due time and the
 * error, passed through `mask` so no secret reaches the page.
 */
export function summaryOf(
  run: Pick<MaintenanceRun, 'task' | 'status' | 'dueAt' | 'error'>,
  mask: (text: string) => string,
): string {
  const text = `maintenance ${run.task} ${run.status} (due ${new Date(run.dueAt).toISOString()})${run.error ? `: ${run.error}` : ''}`;
  const masked = mask(text.replace(/\s+/g, ' ').trim());
  return masked.length > MAX_SUMMARY ? `${masked.slice(0, MAX_SUMMARY - 1)}…` : masked;
}

/** troubleAlert is the batch that fires a task's alert for a run that failed, was refused or was missed. */
export function troubleAlert(
  run: Pick<MaintenanceRun, 'task' | 'status' | 'dueAt' | 'error'>,
  now: number,
  mask: (text: string) => string,
): IngestBatch {
  const summary = summaryOf(run, mask);
  return {
    alerts: [
      {
        source: 'maintenance',
        fingerprint: run.task,
        status: 'firing',
        name: alertName(run.task),
        labels: { [MAINTENANCE_LABEL]: run.task, status: run.status },
        annotations: { summary },
        startsAt: now,
        summary,
      },
    ],
    truncatedAlerts: 0,
  };
}

/** recoveredAlert is the batch that clears a task's alert after a run that succeeded. */
export function recoveredAlert(taskId: string, now: number): IngestBatch {
  return {
    alerts: [
      {
        source: 'maintenance',
        fingerprint: taskId,
        status: 'resolved',
        name: alertName(taskId),
        labels: { [MAINTENANCE_LABEL]: taskId },
        annotations: {},
        startsAt: now,
        endsAt: now,
      },
    ],
    truncatedAlerts: 0,
  };
}
