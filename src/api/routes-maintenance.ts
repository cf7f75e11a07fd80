/**
 * Routes of maintenance tasks: the tasks with their schedules, next due times and latest runs; one
 * run with its steps; and running a task now, as a responder asks.
 */
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { graceOf } from '../maintenance/schedule.ts';
import { MaintenanceError, type MaintenanceTaskState } from '../maintenance/scheduler.ts';
import { formatDuration } from '../runbook/units.ts';
import type { MaintenanceRun } from '../store/maintenance-runs.ts';
import { fail, type RouteContext } from './app.ts';
import { actorOf } from './auth.ts';
import { errorAnswers, SECURITY } from './schemas.ts';

const errors = errorAnswers(400, 401, 403, 404, 409);
const Millis = z.number().describe('Epoch milliseconds.');
const STATUSES = ['running', 'ok', 'failed', 'refused', 'missed'] as const;

/** StepSummaryView is how one step of a run ended, without its output. */
const StepSummaryView = z.object({
  step: z.string().describe('The step id, or its 1-based position.'),
  status: z.enum(['ok', 'failed', 'timeout', 'refused', 'skipped', 'dry-run']),
  exitCode: z.number().int().optional(),
  error: z.string().optional(),
  reason: z.string().optional(),
  durationMs: z.number(),
});

/** StepRecordView is one step of a run as it ended: what ran, what it printed (redacted, capped), how it ended. */
const StepRecordView = StepSummaryView.extend({
  kind: z.string(),
  command: z.string(),
  target: z.string().optional(),
  output: z.string(),
  truncated: z.boolean(),
  notes: z.array(z.string()).readonly(),
  startedAt: Millis,
  outputSha256: z.string(),
});

const runFields = {
  id: z.number().int(),
  task: z.string(),
  dueAt: Millis.describe('When the schedule wanted the run; the request time of a manual run.'),
  startedAt: Millis.optional(),
  finishedAt: Millis.optional(),
  status: z.enum(STATUSES),
  trigger: z.enum(['schedule', 'manual']),
  requestedBy: z.string().optional().describe('Who asked for a manual run.'),
  windowId: z.string().optional().describe('The maintenance window the run opened around itself.'),
  error: z.string().optional().describe('Why it failed, was refused or missed.'),
};

/** MaintenanceRunView is one run with every step's record. */
const MaintenanceRunView = z.object({ ...runFields, steps: z.array(StepRecordView).readonly() });

/** MaintenanceRunSummaryView is one run with how each step ended. */
const MaintenanceRunSummaryView = z.object({ ...runFields, steps: z.array(StepSummaryView).readonly() });

/** MaintenanceTaskView is a task of the runbook with its schedule and latest runs. */
const MaintenanceTaskView = z.object({
  id: z.string(),
  title: z.string(),
  schedule: z.string().optional().describe('5-field cron expression.'),
  timezone: z.string(),
  duration: z.string().optional().describe('Length of the window each run opens.'),
  affects: z.array(z.string()).optional(),
  grace: z.string().describe('How late a run may start before it counts as missed.'),
  approval: z
    .object({ by: z.string(), at: z.string(), until: z.string().optional(), note: z.string().optional() })
    .optional()
    .describe('The standing approval of its dangerous and destructive steps.'),
  steps: z.array(
    z.object({ id: z.string().optional(), run: z.string(), kind: z.string(), risk: z.string() }),
  ),
  nextDueAt: Millis.optional(),
  runningId: z.number().int().optional().describe('The run under way.'),
  problem: z
    .string()
    .optional()
    .describe('Why the schedule cannot be read; the task then runs only on request.'),
  runs: z.array(MaintenanceRunSummaryView).describe('The latest runs, newest first.'),
});

type Mask = (text: string) => string;

function maskRun(run: MaintenanceRun, mask: Mask): MaintenanceRun {
  return {
    ...run,
    ...(run.error === undefined ? {} : { error: mask(run.error) }),
    steps: run.steps.map((step) => ({
      ...step,
      command: mask(step.command),
      output: mask(step.output),
      ...(step.target === undefined ? {} : { target: mask(step.target) }),
      ...(step.error === undefined ? {} : { error: mask(step.error) }),
      ...(step.reason === undefined ? {} : { reason: mask(step.reason) }),
      notes: step.notes.map(mask),
    })),
  };
}

function summaryOf(run: MaintenanceRun, mask: Mask): z.infer<typeof MaintenanceRunSummaryView> {
  const masked = maskRun(run, mask);
  return {
    ...masked,
    steps: masked.steps.map((step) => ({
      step: step.step,
      status: step.status,
      ...(step.exitCode === undefined ? {} : { exitCode: step.exitCode }),
      ...(step.error === undefined ? {} : { error: step.error }),
      ...(step.reason === undefined ? {} : { reason: step.reason }),
      durationMs: step.durationMs,
    })),
  };
}

function unavailable(reply: FastifyReply): FastifyReply {
  return fail(
    reply,
    'API_NOT_FOUND',
    'maintenance is not scheduled by this Vigie',
    'run it with vigie serve',
  );
}

function refused(reply: FastifyReply, error: unknown): FastifyReply {
  if (!(error instanceof MaintenanceError)) throw error;
  if (error.status === 'not-found') {
    return fail(reply, 'API_NOT_FOUND', error.message, 'see the tasks at GET /api/v1/maintenance');
  }
  return fail(reply, 'API_CONFLICT', error.message, 'wait for the run under way to end, then ask again');
}

/** registerMaintenanceRoutes adds the maintenance routes. */
export function registerMaintenanceRoutes({ zod, guard, options }: RouteContext): void {
  const { mask } = options;
  // The runbook as written shows `${DATABASE_URL}` where the running one holds the resolved secret.
  const written = new Map((options.runbook.maintenance ?? []).map((task) => [task.id, task]));
  const taskView = (state: MaintenanceTaskState): z.infer<typeof MaintenanceTaskView> => {
    const task = written.get(state.task.id) ?? state.task;
    return {
      id: task.id,
      title: mask(task.title),
      ...(task.schedule === undefined ? {} : { schedule: task.schedule }),
      timezone: task.timezone ?? 'UTC',
      ...(task.duration === undefined ? {} : { duration: task.duration }),
      ...(task.affects === undefined ? {} : { affects: task.affects }),
      grace: formatDuration(graceOf(task)),
      ...(task.approval === undefined ? {} : { approval: task.approval }),
      steps: (task.steps ?? []).map((step) => ({
        ...(step.id === undefined ? {} : { id: step.id }),
        run: mask(step.run),
        kind: step.kind,
        risk: step.risk,
      })),
      ...(state.nextDueAt === undefined ? {} : { nextDueAt: state.nextDueAt }),
      ...(state.runningId === undefined ? {} : { runningId: state.runningId }),
      ...(state.problem === undefined ? {} : { problem: mask(state.problem) }),
      runs: state.runs.map((run) => summaryOf(run, mask)),
    };
  };

  zod.get(
    '/api/v1/maintenance',
    {
      schema: {
        summary: "The runbook's maintenance tasks: schedule, next due time, run under way, latest runs",
        tags: ['maintenance'],
        security: SECURITY,
        querystring: z.object({
          runs: z.coerce
            .number()
            .int()
            .min(0)
            .max(100)
            .optional()
            .describe('Latest runs per task; 5 when absent.'),
        }),
        response: { 200: z.object({ tasks: z.array(MaintenanceTaskView) }), ...errors },
      },
      preHandler: guard('viewer'),
    },
    async (request, reply) => {
      const maintenance = options.maintenance;
      if (!maintenance) return unavailable(reply);
      return { tasks: maintenance.tasks(request.query.runs ?? 5).map(taskView) };
    },
  );

  zod.get(
    '/api/v1/maintenance/runs/:id',
    {
      schema: {
        summary: 'One maintenance run with every step: what ran, its redacted output, how it ended',
        tags: ['maintenance'],
        security: SECURITY,
        params: z.object({ id: z.coerce.number().int() }),
        response: { 200: z.object({ run: MaintenanceRunView }), ...errors },
      },
      preHandler: guard('viewer'),
    },
    async (request, reply) => {
      const run = options.pipeline.store.maintenance.run(request.params.id);
      if (!run) {
        return fail(
          reply,
          'API_NOT_FOUND',
          `no maintenance run ${request.params.id}`,
          'see the runs at GET /api/v1/maintenance',
        );
      }
      return { run: maskRun(run, mask) };
    },
  );

  zod.post(
    '/api/v1/maintenance/:task/run',
    {
      schema: {
        summary:
          'Run a maintenance task now, through the same gate as its schedule; answers once the gate has decided, or when the run ends with wait',
        tags: ['maintenance'],
        security: SECURITY,
        params: z.object({ task: z.string().min(1).max(200) }),
        body: z
          .object({
            wait: z
              .boolean()
              .optional()
              .describe('Answer when the run has ended rather than when it starts.'),
          })
          .optional(),
        response: { 200: z.object({ run: MaintenanceRunView }), ...errors },
      },
      preHandler: guard('responder'),
    },
    async (request, reply) => {
      const maintenance = options.maintenance;
      if (!maintenance) return unavailable(reply);
      try {
        const started = maintenance.runNow(request.params.task, actorOf(request));
        const run = request.body?.wait ? await started.done : started.run;
        return { run: maskRun(run, mask) };
      } catch (error) {
        return refused(reply, error);
      }
    },
  );
}
