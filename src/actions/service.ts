/**
 * Running a scenario's steps for a responder, with the gate each step's risk deserves. A request is
 * stored first (who asked, the step, its parameters), then the gate decides: a step that needs a typed
 * confirmation, a second person's approval or a backup's success waits, saying what it lacks; an
 * allowed step runs through the executors and its outcome (redacted output, exit status, timing,
 * output hash) lands in the run, the incident timeline and the append-only audit log.
 */

import type { Log } from '../engine/runtime.ts';
import type { RunbookConfig, Scenario, Step } from '../runbook/schema.ts';
import type { ActionRun, ActionRunStatus, IncidentStore } from '../store/incidents.ts';
import type { ScenarioRunRecord, ScenarioRunStatus } from '../store/scenario-runs.ts';
import { decide, expectedConfirmation } from './gate.ts';
import type { Executors } from './index.ts';
import { validateParams } from './params.ts';
import { FAILED_STATUSES, type ServiceEndpoints, type StepOutcome, stepTimeoutMs } from './step.ts';

/** ActionError is a request that cannot be taken (unknown scenario or step, bad parameters, self-approval). */
export class ActionError extends Error {
  readonly status: 'not-found' | 'invalid' | 'conflict';
  constructor(status: 'not-found' | 'invalid' | 'conflict', message: string) {
    super(message);
    this.name = 'ActionError';
    this.status = status;
  }
}

/** ActionRequest is a responder asking to run one step of a scenario. */
export interface ActionRequest {
  readonly scenario: string;
  /** The step: its id, or its 1-based position in the scenario's actions. */
  readonly step: string | number;
  readonly incidentId?: string;
  readonly params?: Readonly<Record<string, string>>;
  readonly confirmation?: string;
  readonly dryRun?: boolean;
  readonly requester: string;
  /** The scenario run the step is part of. */
  readonly scenarioRun?: number;
}

/** ScenarioRequest is a responder asking to run a scenario's corrective steps in order. */
export interface ScenarioRequest {
  readonly scenario: string;
  /** The step to start from: its id or 1-based position; the first when absent. */
  readonly from?: string | number;
  readonly incidentId?: string;
  /** Values for every step's parameters; each step receives the ones it declares. */
  readonly params?: Readonly<Record<string, string>>;
  /** Typed confirmations; a dangerous step takes the one that matches what it expects. */
  readonly confirmations?: readonly string[];
  readonly dryRun?: boolean;
  readonly requester: string;
}

/** ScenarioRun is how far a scenario got: the runs made, and where and why it stopped early. */
export interface ScenarioRun {
  /** The scenario run's record; one waiting for an approval goes on by itself once it is given. */
  readonly id: number;
  readonly status: ScenarioRunStatus;
  readonly scenario: string;
  readonly runs: readonly ActionRun[];
  /** Absent when every step ran (or failed with `on_failure: continue`). */
  readonly stopped?: {
    /** 1-based position of the step that stopped the run. */
    readonly step: number;
    /** `waiting`: the step's gate needs more (an approval, a confirmation); `failed`: it failed. */
    readonly reason: 'waiting' | 'failed';
    /** Where to resume once the cause is dealt with. */
    readonly resumeFrom?: number;
  };
}

/** ActionContext is what the service runs with. */
export interface ActionContext {
  readonly runbook: RunbookConfig;
  readonly store: IncidentStore;
  readonly executors: Executors;
  readonly services: Readonly<Record<string, ServiceEndpoints>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly secrets: readonly string[];
  readonly allowShell: boolean;
  readonly now: () => number;
  readonly mask: (text: string) => string;
  /**
   * Hears of a run that waits for a second person's approval (when it is asked, and again when an
   * approval lapsed), so the people paged for its incident are told.
   */
  readonly onApprovalNeeded?: (run: ActionRun) => void;
  /** Receives a running step's output as it is printed (masked), for the live view. */
  readonly onOutput?: (run: ActionRun, text: string) => void;
  readonly log?: Log;
}

/** STEP_TIMEOUT_MS is how long a corrective step may run when it does not say (60 s). */
const STEP_TIMEOUT_MS = 60_000;

/** ActionService takes step requests and approvals. */
export class ActionService {
  private readonly context: ActionContext;
  /** Scenario runs going on by themselves after an approval. */
  private readonly going = new Set<Promise<unknown>>();
  private readonly stopping = new AbortController();

  constructor(context: ActionContext) {
    this.context = context;
  }

  /** request stores a request to run a step and runs it if its gate allows. */
  async request(request: ActionRequest): Promise<ActionRun> {
    const { store, now } = this.context;
    const { step, index } = this.stepOf(request.scenario, request.step);
    if (request.incidentId !== undefined && !store.incident(request.incidentId)) {
      throw new ActionError('not-found', `no incident ${request.incidentId}`);
    }
    const checked = validateParams(step.params ?? {}, request.params ?? {});
    if (!checked.ok) {
      throw new ActionError(
        'invalid',
        checked.errors.map((error) => `${error.name}: ${error.message}`).join('; '),
      );
    }
    const run = store.transaction(() => {
      const created = store.addActionRun({
        ...(request.incidentId === undefined ? {} : { incidentId: request.incidentId }),
        scenario: request.scenario,
        stepIndex: index,
        ...(step.id ? { stepId: step.id } : {}),
        risk: step.risk,
        run: this.context.mask(step.run),
        params: checked.values,
        dryRun: request.dryRun ?? false,
        requestedBy: request.requester,
        requestedAt: now(),
        status: 'waiting',
        ...(request.scenarioRun === undefined ? {} : { scenarioRun: request.scenarioRun }),
      });
      this.audit(created, request.requester, 'requested', {
        step: step.id ?? index,
        risk: step.risk,
        params: created.params,
        dry_run: created.dryRun,
      });
      return created;
    });
    return this.attempt(run, step, request.confirmation);
  }

  /**
   * runScenario runs a scenario's corrective steps in order, each through its own gate, and stops at
   * the first step that fails (unless it says `on_failure: continue`) or that waits for an approval or
   * a confirmation. Every step's parameters are checked before the first one runs, so a bad value does
   * not stop a repair halfway.
   */
  async runScenario(request: ScenarioRequest): Promise<ScenarioRun> {
    const scenario = this.scenarioOf(request.scenario);
    const steps = scenario.actions ?? [];
    if (steps.length === 0) {
      throw new ActionError('invalid', `scenario ${request.scenario} has no corrective steps to run`);
    }
    const first = request.from === undefined ? 1 : this.stepOf(request.scenario, request.from).index;
    if (first > steps.length) {
      throw new ActionError(
        'invalid',
        `step ${request.from} is a diagnosis step; a scenario run starts from one of its ${steps.length} actions`,
      );
    }
    const given = request.params ?? {};
    const chosen = steps.slice(first - 1);
    const problems: string[] = [];
    chosen.forEach((step, offset) => {
      const declared = step.params ?? {};
      const mine = Object.fromEntries(
        Object.entries(given).filter(([name]) => Object.hasOwn(declared, name)),
      );
      const checked = validateParams(declared, mine);
      if (!checked.ok) {
        const where = step.id ?? String(first + offset);
        problems.push(...checked.errors.map((error) => `step ${where}: ${error.message}`));
      }
    });
    const used = new Set(chosen.flatMap((step) => Object.keys(step.params ?? {})));
    for (const name of Object.keys(given)) {
      if (!used.has(name)) problems.push(`${name} is not a parameter of any step run`);
    }
    if (problems.length > 0) throw new ActionError('invalid', problems.join('; '));
    const { store, now } = this.context;
    const record = store.transaction(() => {
      const added = store.scenarioRuns.add({
        scenario: request.scenario,
        ...(request.incidentId === undefined ? {} : { incidentId: request.incidentId }),
        requestedBy: request.requester,
        requestedAt: now(),
        params: given,
        confirmations: request.confirmations ?? [],
        dryRun: request.dryRun ?? false,
        nextStep: first,
        status: 'running',
      });
      store.appendAudit({
        at: now(),
        actor: request.requester,
        action: 'scenario-requested',
        ...(request.incidentId === undefined ? {} : { incidentId: request.incidentId }),
        detail: { scenario_run: added.id, scenario: request.scenario, from: first, dry_run: added.dryRun },
      });
      return added;
    });
    return this.stepsOf(record);
  }

  /** scenarioRun gives a scenario run as it stands. */
  scenarioRun(id: number): ScenarioRunRecord | undefined {
    return this.context.store.scenarioRuns.get(id);
  }

  /**
   * recover ends the scenario runs a restart cut in the middle of a step: they are `interrupted`, and
   * say where to resume. Those waiting for an approval keep waiting: the approval continues them.
   */
  recover(): void {
    const { store, now } = this.context;
    for (const record of store.scenarioRuns.running()) {
      store.transaction(() => {
        store.scenarioRuns.update(record.id, { status: 'interrupted', finishedAt: now() });
        if (record.incidentId !== undefined) {
          store.addTimeline({
            incidentId: record.incidentId,
            at: now(),
            kind: 'action',
            actor: 'vigie',
            text: `scenario run ${record.id} of ${record.scenario} was interrupted by a restart at step ${record.nextStep}; resume with vigie run ${record.scenario} --from ${record.nextStep}`,
            data: { scenario_run: record.id },
          });
        }
      });
    }
  }

  /** settled waits for the scenarios that go on by themselves after an approval. */
  async settled(): Promise<void> {
    while (this.going.size > 0) await Promise.allSettled([...this.going]);
  }

  /** stop cuts the scenarios going on by themselves: their step is stopped, and they end interrupted. */
  async stop(): Promise<void> {
    this.stopping.abort(new Error('Vigie is stopping'));
    await this.settled();
  }

  /** stepsOf runs a scenario run's steps from its next one, writing where it stands before each. */
  private async stepsOf(start: ScenarioRunRecord): Promise<ScenarioRun> {
    const { store, now } = this.context;
    const steps = this.scenarioOf(start.scenario).actions ?? [];
    const runs: ActionRun[] = [];
    const answer = (record: ScenarioRunRecord, stopped?: ScenarioRun['stopped']): ScenarioRun => ({
      id: record.id,
      status: record.status,
      scenario: record.scenario,
      runs,
      ...(stopped ? { stopped } : {}),
    });
    for (let index = start.nextStep; index <= steps.length; index++) {
      const step = steps[index - 1]!;
      if (this.stopping.signal.aborted) {
        const cut = store.scenarioRuns.update(start.id, {
          status: 'interrupted',
          nextStep: index,
          finishedAt: now(),
        });
        return answer(cut, { step: index, reason: 'failed', resumeFrom: index });
      }
      store.scenarioRuns.update(start.id, { nextStep: index, status: 'running', waitingRun: undefined });
      const expected = expectedConfirmation(step);
      const confirmation = start.confirmations.find((typed) => typed.trim() === expected);
      const declared = step.params ?? {};
      const run = await this.request({
        scenario: start.scenario,
        step: index,
        ...(start.incidentId === undefined ? {} : { incidentId: start.incidentId }),
        params: Object.fromEntries(
          Object.entries(start.params).filter(([name]) => Object.hasOwn(declared, name)),
        ),
        ...(confirmation === undefined ? {} : { confirmation }),
        dryRun: start.dryRun,
        requester: start.requestedBy,
        scenarioRun: start.id,
      });
      runs.push(run);
      if (run.status === 'waiting') {
        const waiting = store.scenarioRuns.update(start.id, { status: 'waiting', waitingRun: run.id });
        return answer(waiting, { step: index, reason: 'waiting', resumeFrom: index + 1 });
      }
      // A dry run shows every step, the ones that would fail too: nothing ran, so nothing stops it.
      if (FAILED_STATUSES.has(run.status) && step.on_failure !== 'continue' && !start.dryRun) {
        const failed = store.scenarioRuns.update(start.id, { status: 'failed', finishedAt: now() });
        return answer(failed, { step: index, reason: 'failed', resumeFrom: index });
      }
    }
    const done = store.scenarioRuns.update(start.id, {
      status: 'done',
      nextStep: steps.length + 1,
      finishedAt: now(),
    });
    return answer(done);
  }

  /**
   * goOn continues a scenario run that waited on `run` once its gate has let it through: with the
   * next step when it succeeded (or failed with `on_failure: continue`), in the background, as the
   * requester asked; a failure ends the scenario run.
   */
  private goOn(run: ActionRun): void {
    const { store, now } = this.context;
    const record = store.scenarioRuns.waitingOn(run.id);
    if (!record || run.status === 'waiting') return;
    const step = (this.scenarioOf(record.scenario).actions ?? [])[record.nextStep - 1];
    if (FAILED_STATUSES.has(run.status) && step?.on_failure !== 'continue') {
      store.scenarioRuns.update(record.id, { status: 'failed', finishedAt: now() });
      return;
    }
    const next = store.scenarioRuns.update(record.id, {
      status: 'running',
      nextStep: record.nextStep + 1,
      waitingRun: undefined,
    });
    const going: Promise<unknown> = this.stepsOf(next)
      .catch((error: unknown) => {
        store.scenarioRuns.update(record.id, { status: 'failed', finishedAt: now() });
        this.context.log?.('error', 'scenario run failed', {
          scenario_run: record.id,
          error: this.context.mask(String(error)),
        });
      })
      .finally(() => this.going.delete(going));
    this.going.add(going);
  }

  /** approve records a second person's approval of a waiting run, then runs it if its gate now allows. */
  async approve(runId: number, approver: string, confirmation?: string): Promise<ActionRun> {
    const { store, now } = this.context;
    const run = store.actionRun(runId);
    if (!run) throw new ActionError('not-found', `no action run ${runId}`);
    if (run.status !== 'waiting')
      throw new ActionError('conflict', `run ${runId} is ${run.status}, not waiting`);
    if (fold(approver) === fold(run.requestedBy)) {
      // The refusal is evidence too: someone tried to approve their own destructive request.
      this.audit(run, approver, 'approval-refused', {
        step: run.stepId ?? run.stepIndex,
        reason: 'self-approval',
      });
      throw new ActionError(
        'conflict',
        `${approver} asked for run ${runId} and cannot approve it; a second person must`,
      );
    }
    store.transaction(() => {
      store.addApproval(runId, approver, now());
      this.audit(run, approver, 'approved', { step: run.stepId ?? run.stepIndex });
    });
    const { step } = this.stepOf(run.scenario, run.stepId ?? run.stepIndex);
    const done = await this.attempt(run, step, confirmation);
    this.goOn(done);
    return done;
  }

  /**
   * retry asks the gate again for a waiting run, once what it lacked may be there (its backup has
   * run, a confirmation is typed); an approval still counts only while it is fresh.
   */
  async retry(runId: number, actor: string, confirmation?: string): Promise<ActionRun> {
    const run = this.context.store.actionRun(runId);
    if (!run) throw new ActionError('not-found', `no action run ${runId}`);
    if (run.status !== 'waiting')
      throw new ActionError('conflict', `run ${runId} is ${run.status}, not waiting`);
    this.audit(run, actor, 'retried', { step: run.stepId ?? run.stepIndex });
    const { step } = this.stepOf(run.scenario, run.stepId ?? run.stepIndex);
    const done = await this.attempt(run, step, confirmation);
    this.goOn(done);
    return done;
  }

  private async attempt(run: ActionRun, step: Step, confirmation?: string): Promise<ActionRun> {
    const { store, now } = this.context;
    const decision = decide({
      step,
      requester: run.requestedBy,
      ...(confirmation === undefined ? {} : { confirmation }),
      approvals: store.approvals(run.id),
      backupSucceeded: (id) =>
        run.incidentId !== undefined &&
        store
          .actionRuns(run.incidentId)
          .some((other) => other.stepId === id && other.status === 'ok' && !other.dryRun),
      now: now(),
      dryRun: run.dryRun,
    });
    if (!decision.allowed) {
      const waiting = store.transaction(() => {
        const updated = store.updateActionRun(run.id, { status: 'waiting', reasons: decision.reasons });
        this.timeline(
          updated,
          `${run.requestedBy} asked to run ${describe(updated)} (${run.risk}): ${decision.reasons.join('; ')}`,
        );
        return updated;
      });
      if (decision.needs.includes('approval')) this.context.onApprovalNeeded?.(waiting);
      return waiting;
    }
    store.updateActionRun(run.id, {
      status: 'running',
      // What it waited for is behind it.
      reasons: undefined,
      ...(decision.approvedBy ? { approvedBy: decision.approvedBy } : {}),
    });
    const timeoutMs = stepTimeoutMs(step, STEP_TIMEOUT_MS);
    const outcome: StepOutcome = await this.context.executors.runStep(
      {
        step,
        services: this.context.services,
        env: this.context.env,
        secrets: this.context.secrets,
        allowShell: this.context.allowShell,
        timeoutMs,
        params: run.params,
        mode: step.risk === 'read' ? 'read' : 'write',
        dryRun: run.dryRun,
        ...(this.context.onOutput ? { onOutput: (text: string) => this.context.onOutput?.(run, text) } : {}),
      },
      AbortSignal.any([AbortSignal.timeout(timeoutMs + 5000), this.stopping.signal]),
    );
    const status: ActionRunStatus = outcome.status;
    return store.transaction(() => {
      const done = store.updateActionRun(run.id, { status, outcome, finishedAt: now() });
      const who = decision.approvedBy ? `, approved by ${decision.approvedBy}` : '';
      this.timeline(
        done,
        `${run.dryRun ? 'dry run of' : 'ran'} ${describe(done)} for ${run.requestedBy}${who}: ${status}`,
        outcome,
      );
      this.audit(done, run.requestedBy, run.dryRun ? 'dry-run' : 'ran', {
        step: run.stepId ?? run.stepIndex,
        status,
        ...(decision.approvedBy ? { approved_by: decision.approvedBy } : {}),
        params: run.params,
        exit_code: outcome.exitCode ?? null,
        duration_ms: outcome.durationMs,
        output_sha256: outcome.outputSha256,
      });
      return done;
    });
  }

  private scenarioOf(scenarioId: string): Scenario {
    const scenario = this.context.runbook.scenarios?.find((candidate) => candidate.id === scenarioId);
    if (!scenario) throw new ActionError('not-found', `no scenario ${scenarioId}`);
    return scenario;
  }

  private stepOf(scenarioId: string, which: string | number): { step: Step; index: number } {
    const scenario = this.scenarioOf(scenarioId);
    const steps = [...(scenario.actions ?? []), ...(scenario.diagnosis ?? [])];
    const byNumber = typeof which === 'number' || /^\d+$/.test(which) ? Number(which) : undefined;
    const index = byNumber !== undefined ? byNumber : steps.findIndex((step) => step.id === which) + 1;
    const step = steps[index - 1];
    if (!step) {
      throw new ActionError(
        'not-found',
        `scenario ${scenarioId} has no step ${which}; give an id or a number from 1 to ${steps.length}`,
      );
    }
    return { step, index };
  }

  private timeline(run: ActionRun, text: string, outcome?: StepOutcome): void {
    if (run.incidentId === undefined) return;
    this.context.store.addTimeline({
      incidentId: run.incidentId,
      at: this.context.now(),
      kind: 'action',
      actor: run.requestedBy,
      text: this.context.mask(text),
      data: { run: run.id, ...(outcome ? outcome : {}) },
    });
  }

  private audit(run: ActionRun, actor: string, action: string, detail: Record<string, unknown>): void {
    this.context.store.appendAudit({
      at: this.context.now(),
      actor,
      action,
      ...(run.incidentId === undefined ? {} : { incidentId: run.incidentId }),
      detail: { run: run.id, scenario: run.scenario, ...detail },
    });
  }
}

const fold = (name: string): string => name.trim().toLowerCase();

function describe(run: ActionRun): string {
  return `${run.scenario} step ${run.stepId ?? run.stepIndex}`;
}
