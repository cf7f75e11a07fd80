/**
 * One run of a maintenance task, start to end: claimed in the store as `running` before anything
 * happens (so it fires once per due time, even across a restart), gated (a dangerous or destructive
 * step needs the task's standing approval), a maintenance window opened around it and ended with it,
 * its steps run in order through the executors, stopping at the first failure unless the step says `on_failure:
 * continue`, its outcome recorded step by step, and an alert raised through the incident pipeline
 * when it fails, is refused or is missed.
 */
import type { Executors } from '../actions/index.ts';
import { FAILED_STATUSES, type ServiceEndpoints, type StepOutcome } from '../actions/step.ts';
import type { Pipeline } from '../engine/pipeline.ts';
import type { Clock } from '../engine/scheduler.ts';
import { formatMatcher } from '../quiet/matchers.ts';
import type { MaintenanceTask, RunbookConfig, Step } from '../runbook/schema.ts';
import { formatDuration } from '../runbook/units.ts';
import type { IncidentStore } from '../store/incidents.ts';
import type { MaintenanceRun, MaintenanceStepRecord, MaintenanceTrigger } from '../store/maintenance-runs.ts';
import { MAINTENANCE_LABEL, recoveredAlert, troubleAlert } from './alert.ts';
import { gateTask } from './gate.ts';
import { graceOf, stepTimeoutOf, windowLengthOf } from './schedule.ts';

/** MaintenanceLog writes one structured log line. */
export type MaintenanceLog = (
  level: 'info' | 'warn' | 'error',
  msg: string,
  fields?: Record<string, unknown>,
) => void;

/** MaintenanceContext is what maintenance runs need: the runbook (references resolved) and the effects they use. */
export interface MaintenanceContext {
  readonly runbook: RunbookConfig;
  readonly store: IncidentStore;
  /** Where windows open and alerts enter, like any alert from another system. */
  readonly pipeline: Pick<Pipeline, 'addWindow' | 'endWindow' | 'ingest'>;
  readonly executors: Pick<Executors, 'runStep'>;
  /** The runbook's services, secrets filled in. */
  readonly services: Readonly<Record<string, ServiceEndpoints>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Values never to show: resolved secrets. */
  readonly secrets: readonly string[];
  readonly clock: Clock;
  readonly mask: (text: string) => string;
  readonly log?: MaintenanceLog;
  /** Hears of a run as it starts, as each step ends and as it ends, for the live view. */
  readonly onRun?: (run: MaintenanceRun) => void;
}

/** ACTOR is who Vigie's own runs are recorded as. */
const ACTOR = 'vigie';
// A step's own limit is enforced by the executors; this much more lets them report it before the run gives up.
const STEP_SLACK_MS = 5000;
// An error line of a command is enough to act on; the whole output stays in the run's step record.
const MAX_ERROR_LINE = 300;

const iso = (at: number): string => new Date(at).toISOString();

/** Claim is what starts a run: the due time it answers and why it starts. */
export interface Claim {
  readonly dueAt: number;
  readonly trigger: MaintenanceTrigger;
  /** Who asked, for a manual run; it goes to the audit log. */
  readonly requester?: string;
}

/** StartedRun is a claimed run: its record as it starts, and its record once it has ended. */
export interface StartedRun {
  readonly run: MaintenanceRun;
  readonly done: Promise<MaintenanceRun>;
}

/**
 * startRun claims a run of `task` for `claim.dueAt` and runs it; undefined when that due time was
 * already claimed (the schedule fired before a restart). The gate is decided before it returns, so a
 * refused run comes back already `refused`; the steps run after, and `done` settles when they end.
 * `done` never rejects: whatever goes wrong is recorded in the run.
 */
export function startRun(
  context: MaintenanceContext,
  task: MaintenanceTask,
  claim: Claim,
  signal: AbortSignal,
): StartedRun | undefined {
  const { store, clock } = context;
  const now = clock.now();
  // Only a scheduled run can find its due time taken (the schedule fired before a restart).
  const claimed = store.maintenance.claim({
    task: task.id,
    dueAt: claim.dueAt,
    startedAt: now,
    status: 'running',
    trigger: claim.trigger,
    ...(claim.requester === undefined ? {} : { requestedBy: claim.requester }),
  });
  if (!claimed) return undefined;
  if (claim.requester !== undefined) {
    store.appendAudit({
      at: now,
      actor: claim.requester,
      action: 'maintenance-requested',
      detail: { task: task.id, run: claimed.id },
    });
  }
  const decision = gateTask(task, now);
  if (!decision.allowed) {
    const refused = finish(context, task, claimed, { status: 'refused', error: decision.reason, steps: [] });
    return { run: refused, done: Promise.resolve(refused) };
  }
  const windowId = openWindow(context, task, claimed);
  const started = windowId === undefined ? claimed : store.maintenance.update(claimed.id, { windowId });
  context.onRun?.(started);
  const done = runSteps(context, task, started, signal, decision.approvedBy).catch((error: unknown) => {
    try {
      return finish(context, task, started, {
        status: 'failed',
        error: `Vigie failed while running the task: ${String(error)}`,
        steps: store.maintenance.run(started.id)?.steps ?? [],
      });
    } catch (again) {
      // The store itself failed: the run stays `running`, and the next start marks it failed.
      context.log?.('error', 'maintenance run not recorded', {
        task: task.id,
        run: started.id,
        error: context.mask(String(again)),
      });
      return started;
    }
  });
  return { run: started, done };
}

/**
 * windowMatchers gives the matchers of the window a run opens: the alerts named in `affects` and the
 * alerts on the checks it names, or — without `affects` — every alert but the maintenance alerts
 * themselves, which must page however the run goes. Undefined when `affects` covers no alert.
 */
export function windowMatchers(task: MaintenanceTask, runbook: RunbookConfig): string[] | undefined {
  if (task.affects === undefined) return [formatMatcher({ name: MAINTENANCE_LABEL, op: '=', value: '' })];
  const named = new Set(task.affects);
  const alerts = (runbook.alerts ?? [])
    .filter((alert) => named.has(alert.id) || (alert.check !== undefined && named.has(alert.check)))
    .map((alert) => alert.id);
  if (alerts.length === 0) return undefined;
  const pattern = [...new Set(alerts)].map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  return [formatMatcher({ name: 'alert', op: '=~', value: pattern })];
}

/**
 * longestRun is how long a run of the task can last: every step's time limit, and the slack the
 * executors get to report it.
 */
function longestRun(task: MaintenanceTask): number {
  return (task.steps ?? []).reduce((sum, step) => sum + stepTimeoutOf(step) + STEP_SLACK_MS, 0);
}

/**
 * openWindow opens the maintenance window of a run from its start over the alerts the task affects:
 * `duration` long, or — without one — as long as the run can last; `finish` ends it when the run
 * ends, so a crash leaves it open no longer than that.
 */
function openWindow(
  context: MaintenanceContext,
  task: MaintenanceTask,
  run: MaintenanceRun,
): string | undefined {
  const length = windowLengthOf(task) ?? longestRun(task);
  const matchers = windowMatchers(task, context.runbook);
  if (length <= 0 || matchers === undefined) return undefined;
  const start = run.startedAt ?? context.clock.now();
  let problem: string;
  try {
    const opened = context.pipeline.addWindow(
      { title: `maintenance ${task.id}: ${task.title}`, matchers, starts_at: start, ends_at: start + length },
      ACTOR,
      'maintenance',
    );
    if (opened.ok) return opened.window.id;
    problem = opened.errors.join('; ');
  } catch (error) {
    problem = String(error);
  }
  // The work matters more than the quiet: the run goes on without its window, and says so in the log.
  context.log?.('warn', 'maintenance window not opened', {
    task: task.id,
    run: run.id,
    error: context.mask(problem),
  });
  return undefined;
}

async function runSteps(
  context: MaintenanceContext,
  task: MaintenanceTask,
  run: MaintenanceRun,
  signal: AbortSignal,
  approvedBy: string | undefined,
): Promise<MaintenanceRun> {
  const { store, clock } = context;
  const steps = task.steps ?? [];
  const records: MaintenanceStepRecord[] = [];
  const continued: string[] = [];
  const leftToPeople: string[] = [];
  context.log?.('info', 'maintenance run started', { task: task.id, run: run.id, trigger: run.trigger });
  for (const [index, step] of steps.entries()) {
    const name = step.id ?? String(index + 1);
    const missing = backupMissing(context, step, steps.slice(0, index), records);
    const outcome: StepOutcome =
      missing !== undefined
        ? refusedStep(step, missing, clock.now())
        : signal.aborted
          ? refusedStep(step, 'Vigie was stopping: the step did not start', clock.now())
          : await runStep(context, step, signal);
    records.push({ step: name, ...outcome });
    const recorded = store.maintenance.update(run.id, { steps: records });
    context.onRun?.(recorded);
    if (outcome.status === 'skipped') leftToPeople.push(`step ${name} (${outcome.reason ?? step.kind})`);
    if (!FAILED_STATUSES.has(outcome.status)) continue;
    const why = `step ${name} (${step.kind}) ${outcome.status}: ${stepError(outcome)}`;
    if (step.on_failure === 'continue') {
      continued.push(why);
      continue;
    }
    const stopped = signal.aborted ? '; Vigie was stopping' : '';
    return finish(context, task, run, {
      status: 'failed',
      error: `${why}${stopped}`,
      steps: records,
      approvedBy,
    });
  }
  const notes = [
    ...(continued.length > 0 ? [`went on past (on_failure: continue): ${continued.join('; ')}`] : []),
    ...(leftToPeople.length > 0 ? [`not run, left to a person: ${leftToPeople.join('; ')}`] : []),
  ];
  return finish(context, task, run, {
    status: 'ok',
    ...(notes.length > 0 ? { error: notes.join('; ') } : {}),
    steps: records,
    approvedBy,
  });
}

function runStep(context: MaintenanceContext, step: Step, signal: AbortSignal): Promise<StepOutcome> {
  const timeoutMs = stepTimeoutOf(step);
  return context.executors.runStep(
    {
      step,
      services: context.services,
      env: context.env,
      secrets: context.secrets,
      // The runbook's author scheduled these steps and the task's gate let them through: they run as written.
      allowShell: true,
      timeoutMs,
      // A read step still runs read-only, as it would for a responder.
      mode: step.risk === 'read' ? 'read' : 'write',
      now: () => context.clock.now(),
    },
    AbortSignal.any([signal, AbortSignal.timeout(timeoutMs + STEP_SLACK_MS)]),
  );
}

/**
 * backupMissing says why a step guarded by a backup may not run yet: the backup is a step of this
 * task that has not succeeded in this run, or another task whose latest run did not succeed.
 */
function backupMissing(
  context: MaintenanceContext,
  step: Step,
  before: readonly Step[],
  records: readonly MaintenanceStepRecord[],
): string | undefined {
  const backup = step.guard?.backup;
  if (backup === undefined) return undefined;
  if (before.some((earlier) => earlier.id === backup)) {
    return records.some((record) => record.step === backup && record.status === 'ok')
      ? undefined
      : `its backup step ${backup} did not succeed in this run`;
  }
  const last = context.store.maintenance.runs({ task: backup, limit: 1 })[0];
  if (last?.status === 'ok') return undefined;
  return last === undefined
    ? `its backup ${backup} is neither an earlier step of this task nor a task that has run`
    : `the latest run of its backup task ${backup} is ${last.status}, not ok`;
}

function refusedStep(step: Step, reason: string, at: number): StepOutcome {
  return {
    status: 'refused',
    kind: step.kind,
    command: step.run,
    output: '',
    truncated: false,
    reason,
    notes: [],
    startedAt: at,
    durationMs: 0,
    // SHA-256 of the empty output, as for any step that printed nothing.
    outputSha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  };
}

/** stepError gives why a step failed: its error or reason, with the last line it printed, which usually names the cause. */
function stepError(outcome: StepOutcome): string {
  const why = outcome.error ?? outcome.reason ?? outcome.status;
  const last = outcome.output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .at(-1);
  if (last === undefined || why.includes(last)) return why;
  return `${why}: ${last.length > MAX_ERROR_LINE ? `${last.slice(0, MAX_ERROR_LINE)}…` : last}`;
}

/** finish records how a run ended, ends its window, writes it to the audit log, and raises or clears the task's alert. */
function finish(
  context: MaintenanceContext,
  task: MaintenanceTask,
  run: MaintenanceRun,
  end: {
    readonly status: 'ok' | 'failed' | 'refused';
    readonly error?: string;
    readonly steps: readonly MaintenanceStepRecord[];
    readonly approvedBy?: string | undefined;
  },
): MaintenanceRun {
  const { store, clock, mask } = context;
  const now = clock.now();
  if (run.windowId !== undefined) endWindow(context, run);
  const ended = store.maintenance.update(run.id, {
    status: end.status,
    finishedAt: now,
    steps: end.steps,
    ...(end.error === undefined ? {} : { error: mask(end.error) }),
  });
  context.onRun?.(ended);
  store.appendAudit({
    at: now,
    actor: ACTOR,
    action: 'maintenance-ran',
    detail: {
      task: task.id,
      run: run.id,
      trigger: run.trigger,
      due_at: run.dueAt,
      status: end.status,
      ...(end.approvedBy === undefined ? {} : { standing_approval_by: end.approvedBy }),
      steps: end.steps.map((step) => ({
        step: step.step,
        status: step.status,
        exit_code: step.exitCode ?? null,
        duration_ms: step.durationMs,
        output_sha256: step.outputSha256,
      })),
    },
  });
  context.log?.(end.status === 'ok' ? 'info' : 'error', `maintenance run ${end.status}`, {
    task: task.id,
    run: run.id,
    ...(ended.error === undefined ? {} : { error: ended.error }),
  });
  raise(context, ended);
  return ended;
}

/** endWindow ends the window a run opened; alerts it held page at the pipeline's next look. */
function endWindow(context: MaintenanceContext, run: MaintenanceRun): void {
  try {
    context.pipeline.endWindow(run.windowId!);
  } catch (error) {
    context.log?.('warn', 'maintenance window not ended', {
      task: run.task,
      run: run.id,
      error: context.mask(String(error)),
    });
  }
}

/**
 * raise fires the task's alert for a run that failed, was refused or was missed, and clears it after
 * one that succeeded; a pipeline that fails is logged, never thrown into the run.
 */
export function raise(context: MaintenanceContext, run: MaintenanceRun): void {
  const now = context.clock.now();
  try {
    if (run.status === 'ok') context.pipeline.ingest(recoveredAlert(run.task, now));
    else if (run.status !== 'running') context.pipeline.ingest(troubleAlert(run, now, context.mask));
  } catch (error) {
    context.log?.('error', 'maintenance alert not raised', {
      task: run.task,
      run: run.id,
      error: context.mask(String(error)),
    });
  }
}

/**
 * recordMissed records the occurrences of a task that never started in time (Vigie was down or busy
 * past their grace) as `missed`, and raises one alert for them; `more` says older occurrences were
 * left out of `due`. Occurrences already recorded (they ran) are left alone.
 */
export function recordMissed(
  context: MaintenanceContext,
  task: MaintenanceTask,
  due: readonly number[],
  more = false,
): MaintenanceRun[] {
  const { store, clock } = context;
  const now = clock.now();
  const grace = graceOf(task);
  const missed = store.transaction(() =>
    due.flatMap((dueAt) => {
      const run = store.maintenance.claim({
        task: task.id,
        dueAt,
        finishedAt: now,
        status: 'missed',
        trigger: 'schedule',
        error: `not started by ${iso(dueAt + grace)} (grace ${formatDuration(grace)}): Vigie was down or busy`,
      });
      return run ? [run] : [];
    }),
  );
  const latest = missed.at(-1);
  if (latest === undefined) return missed;
  context.onRun?.(latest);
  const earlier = missed.length - 1;
  const also = [
    ...(earlier > 0 ? [`${earlier} earlier run(s) missed too`] : []),
    ...(more ? [`and older ones before ${iso(missed[0]!.dueAt)}`] : []),
  ].join(', ');
  context.log?.('error', 'maintenance run missed', {
    task: task.id,
    due: iso(latest.dueAt),
    missed: missed.length,
  });
  raise(context, also === '' ? latest : { ...latest, error: `${latest.error}; ${also}` });
  return missed;
}

/**
 * recoverUnfinished marks the runs a crash left `running` as failed, saying so, and raises their
 * alerts; it is called once at start, before any run of this process begins.
 */
export function recoverUnfinished(context: MaintenanceContext): MaintenanceRun[] {
  const { store, clock } = context;
  const now = clock.now();
  const tasks = new Map((context.runbook.maintenance ?? []).map((task) => [task.id, task]));
  return store.maintenance.unfinished().map((run) => {
    if (run.windowId !== undefined) endWindow(context, run);
    const total = tasks.get(run.task)?.steps?.length;
    const failed = store.maintenance.update(run.id, {
      status: 'failed',
      finishedAt: now,
      error: `Vigie stopped while this run was going (a crash or a kill) after ${run.steps.length}${total === undefined ? '' : ` of ${total}`} step(s); check what the interrupted step left behind, then run the task again`,
    });
    context.log?.('error', 'maintenance run interrupted', { task: run.task, run: run.id });
    raise(context, failed);
    return failed;
  });
}
