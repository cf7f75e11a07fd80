/**
 * The gate of a maintenance run, decided before its first step: nobody stands by a scheduled task,
 * so read and write steps run unattended, and a step that would ask a responder for a confirmation or
 * a second person's approval (dangerous, destructive, or guarded so) runs only under the task's
 * standing approval — recorded in the runbook, by a person, dated, and not past its last day. Pure.
 */
import { needsApproval, needsConfirmation } from '../actions/gate.ts';
import type { MaintenanceTask, StandingApproval, Step } from '../runbook/schema.ts';
import { localDate } from './schedule.ts';

/** TaskDecision says whether a run of a task may start, and under whose standing approval. */
export type TaskDecision =
  | { readonly allowed: true; readonly approvedBy?: string }
  | { readonly allowed: false; readonly reason: string };

// The scheduler is not a person: an approval in its name approves nothing.
const NOT_A_PERSON = new Set(['vigie', 'scheduler', 'system', 'cron']);

/** guardedSteps lists the steps of a task that need a person's word before they run, with their 1-based positions. */
export function guardedSteps(steps: readonly Step[]): { step: Step; position: number }[] {
  // A manual step is prose for a person: Vigie runs nothing for it, so it needs no approval.
  return steps
    .map((step, index) => ({ step, position: index + 1 }))
    .filter(({ step }) => step.kind !== 'manual' && (needsApproval(step) || needsConfirmation(step)));
}

/** approvalProblem says why a standing approval does not hold on the day of `now` in the task's zone, or undefined when it holds. */
export function approvalProblem(
  approval: StandingApproval | undefined,
  now: number,
  timezone?: string,
): string | undefined {
  if (approval === undefined) {
    return 'the task has no standing approval: add approval: { by: NAME, at: YYYY-MM-DD } to it in the runbook';
  }
  if (NOT_A_PERSON.has(approval.by.trim().toLowerCase()) || approval.by.trim() === '') {
    return `the standing approval is signed '${approval.by}', which is not a person: the person who approved must sign it`;
  }
  const today = localDate(now, timezone);
  if (approval.at > today) {
    return `the standing approval by ${approval.by} is dated ${approval.at}, after today (${today}): it holds from that day`;
  }
  if (approval.until !== undefined && approval.until < today) {
    return `the standing approval by ${approval.by} ended on ${approval.until}: renew it (a new until) or withdraw the step`;
  }
  return undefined;
}

/**
 * gateTask decides whether a run of `task` may start at `now`: every step that needs a person's
 * word is covered by a standing approval that holds today, and no step declares parameters, which
 * nobody is there to give.
 */
export function gateTask(task: MaintenanceTask, now: number): TaskDecision {
  const steps = task.steps ?? [];
  const withParams = steps.find((step) => Object.keys(step.params ?? {}).length > 0);
  if (withParams) {
    const names = Object.keys(withParams.params ?? {}).join(', ');
    return {
      allowed: false,
      reason: `step ${withParams.id ?? steps.indexOf(withParams) + 1} takes parameters (${names}), and a maintenance run has nobody to give them: write the values into the step`,
    };
  }
  const guarded = guardedSteps(steps);
  if (guarded.length === 0) return { allowed: true };
  const problem = approvalProblem(task.approval, now, task.timezone);
  if (problem !== undefined) {
    const which = guarded.map(({ step, position }) => `${step.id ?? position} (${step.risk})`).join(', ');
    return { allowed: false, reason: `step ${which} needs a person's approval; ${problem}` };
  }
  return { allowed: true, approvedBy: task.approval!.by };
}
