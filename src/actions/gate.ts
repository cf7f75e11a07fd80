/**
 * The risk gate: whether a step may run now, given its risk and guard, who asks, what they typed,
 * who approved and when, and which backups have succeeded in the incident (DESIGN.md's risk table).
 * Pure: the caller passes the clock and the incident's history.
 */
import type { Risk } from '../runbook/schema.ts';
import { formatDuration } from '../runbook/units.ts';

/** DEFAULT_APPROVAL_TTL_MS is how long an approval stays good when the request does not say (30 min). */
export const DEFAULT_APPROVAL_TTL_MS = 30 * 60_000;

/** CONFIRM_WORD is what a responder types to confirm a step that has no id. */
export const CONFIRM_WORD = 'confirm';

/** GateStep is what the gate reads of a step: its id, its risk and its guard. */
export interface GateStep {
  readonly id?: string;
  readonly risk: Risk;
  readonly guard?: { readonly approval?: boolean; readonly backup?: string; readonly confirm?: boolean };
}

/** Approval is one person's approval of a run, stamped with the clock of the node that recorded it. */
export interface Approval {
  readonly by: string;
  readonly at: number;
}

/** GateRequest is one request to run a step, with everything the gate weighs. */
export interface GateRequest {
  readonly step: GateStep;
  /** Who asks; the caller has checked they hold the responder role. */
  readonly requester: string;
  /** What the requester typed to confirm, if anything. */
  readonly confirmation?: string;
  /** Approvals recorded for this run, in any order. */
  readonly approvals: readonly Approval[];
  /** Whether the step or maintenance task with this id has succeeded in this incident. */
  readonly backupSucceeded: (stepOrTaskId: string) => boolean;
  readonly now: number;
  /** How long an approval stays good; DEFAULT_APPROVAL_TTL_MS when absent. */
  readonly approvalTtlMs?: number;
  /** A dry run shows what would run and changes nothing. */
  readonly dryRun?: boolean;
}

/** Need names one thing a refused run still lacks. */
export type Need = 'confirmation' | 'approval' | 'backup';

/**
 * Decision is the gate's answer: allowed (with the approver who opened it, for the audit log), or
 * refused with what is missing and a sentence per reason for the person asking.
 */
export type Decision =
  | { readonly allowed: true; readonly approvedBy?: string }
  | { readonly allowed: false; readonly needs: readonly Need[]; readonly reasons: readonly string[] };

/**
 * expectedConfirmation is the text a responder must type to confirm a step: its id, or `confirm`
 * for a step without one. Case matters; surrounding spaces do not.
 */
export function expectedConfirmation(step: Pick<GateStep, 'id'>): string {
  return step.id ?? CONFIRM_WORD;
}

/** needsConfirmation says whether a step asks for a typed confirmation: dangerous, or guarded so. */
export function needsConfirmation(step: GateStep): boolean {
  return step.risk === 'dangerous' || step.guard?.confirm === true;
}

/** needsApproval says whether a step asks for a second person's approval: destructive, or guarded so. */
export function needsApproval(step: GateStep): boolean {
  return step.risk === 'destructive' || step.guard?.approval === true;
}

/**
 * decide says whether a step may run now. Read and write steps run on request; a dangerous step (or
 * `guard.confirm`) needs its expected confirmation typed; a destructive step (or `guard.approval`)
 * needs an approval, within the TTL, by someone other than the requester; a step with `guard.backup`
 * needs that backup to have succeeded in this incident, whatever its risk. Dry runs always pass.
 * Every missing condition is reported, not just the first.
 */
export function decide(request: GateRequest): Decision {
  if (request.dryRun === true) return { allowed: true };
  const { step } = request;
  const needs: Need[] = [];
  const reasons: string[] = [];

  if (needsConfirmation(step)) {
    const expected = expectedConfirmation(step);
    const typed = request.confirmation?.trim();
    if (typed !== expected) {
      needs.push('confirmation');
      reasons.push(
        typed === undefined || typed === ''
          ? `this ${step.risk} step needs a typed confirmation: type ${expected} to run it`
          : `the confirmation ${JSON.stringify(typed)} does not match: type ${expected} to run it`,
      );
    }
  }

  let approvedBy: string | undefined;
  if (needsApproval(step)) {
    const check = checkApprovals(request);
    if (check.approvedBy !== undefined) approvedBy = check.approvedBy;
    else {
      needs.push('approval');
      reasons.push(...check.reasons);
    }
  }

  const backup = step.guard?.backup;
  if (backup !== undefined && !request.backupSucceeded(backup)) {
    needs.push('backup');
    reasons.push(`${backup} has not succeeded in this incident: run it first`);
  }

  if (needs.length > 0) return { allowed: false, needs, reasons };
  return approvedBy !== undefined ? { allowed: true, approvedBy } : { allowed: true };
}

/** checkApprovals finds a good approval (the newest), or says why none of those given counts. */
function checkApprovals(request: GateRequest): { approvedBy?: string; reasons: string[] } {
  const ttl = request.approvalTtlMs ?? DEFAULT_APPROVAL_TTL_MS;
  const requester = identity(request.requester);
  const newestFirst = [...request.approvals].sort((a, b) => b.at - a.at);
  // An approval stamped after `now` (clocks of two nodes apart) counts as fresh.
  const fresh = (approval: Approval) => request.now - approval.at <= ttl;
  const byOther = newestFirst.filter(
    (approval) =>
      Number.isFinite(approval.at) && identity(approval.by) !== '' && identity(approval.by) !== requester,
  );
  const good = byOther.find(fresh);
  if (good) return { approvedBy: good.by, reasons: [] };

  const reasons: string[] = [];
  if (newestFirst.some((approval) => identity(approval.by) === requester)) {
    reasons.push(`a second person must approve: ${request.requester} cannot approve their own request`);
  }
  const reported = new Set<string>();
  for (const approval of byOther) {
    if (reported.has(identity(approval.by))) continue;
    reported.add(identity(approval.by));
    const late = Math.max(0, request.now - approval.at - ttl);
    reasons.push(
      `the approval by ${approval.by} expired ${formatDuration(Math.max(1000, Math.floor(late / 1000) * 1000))} ago: ` +
        `approvals last ${formatDuration(ttl)}, ask for a new one`,
    );
  }
  if (reasons.length === 0)
    reasons.push('a second person must approve this step: no one has approved it yet');
  return { reasons };
}

// Compared without case or surrounding spaces, so `Alice` cannot approve a request made as `alice`.
function identity(person: string): string {
  return person.trim().toLowerCase();
}
