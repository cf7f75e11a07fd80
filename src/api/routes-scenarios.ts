/**
 * Running a whole scenario: its corrective steps in order, each through its own risk gate, stopping at
 * the first that fails or waits for an approval, and saying where to resume.
 */
import { z } from 'zod';
import { fail, type RouteContext } from './app.ts';
import { actorOf } from './auth.ts';
import { ActionRunView, refused } from './routes-actions.ts';
import { errorAnswers, SECURITY } from './schemas.ts';

const StepRef = z.union([z.string().min(1), z.number().int().min(1)]);

/** ScenarioRunStatusView says where a scenario run is. */
export const ScenarioRunStatusView = z
  .enum(['running', 'waiting', 'done', 'failed', 'interrupted'])
  .describe("waiting: on a step run's gate, and it goes on by itself once that run is approved and succeeds");

/** registerScenarioRoutes adds the route that runs a scenario from a step. */
export function registerScenarioRoutes({ zod, guard, options }: RouteContext): void {
  zod.post(
    '/api/v1/scenarios/:id/run',
    {
      schema: {
        summary:
          "Run a scenario's corrective steps in order through their risk gates; stops at the first failed step (unless it says on_failure: continue) or one that waits",
        tags: ['actions'],
        security: SECURITY,
        params: z.object({ id: z.string().min(1) }),
        body: z.object({
          from: StepRef.optional().describe(
            'Step id or 1-based number to start from; the first when absent.',
          ),
          incident: z.string().optional(),
          params: z
            .record(z.string(), z.string())
            .optional()
            .describe("Values of the steps' parameters; each step receives those it declares."),
          confirmations: z
            .array(z.string())
            .max(50)
            .optional()
            .describe('What the responder typed to confirm dangerous steps (each step id).'),
          dry_run: z.boolean().optional(),
        }),
        response: {
          200: z.object({
            id: z
              .number()
              .int()
              .describe('The scenario run, to read again at GET /api/v1/scenario-runs/:id.'),
            status: ScenarioRunStatusView,
            scenario: z.string(),
            runs: z.array(ActionRunView).readonly(),
            stopped: z
              .object({
                step: z.number().int(),
                reason: z.enum(['waiting', 'failed']),
                resumeFrom: z.number().int().optional(),
              })
              .optional()
              .describe('Where the run stopped early, and the step to resume from.'),
          }),
          ...errorAnswers(400, 401, 403, 404, 409),
        },
      },
      preHandler: guard('responder'),
    },
    async (request, reply) => {
      try {
        return await options.actions.runScenario({
          scenario: request.params.id,
          ...(request.body.from === undefined ? {} : { from: request.body.from }),
          ...(request.body.incident ? { incidentId: request.body.incident } : {}),
          ...(request.body.params ? { params: request.body.params } : {}),
          ...(request.body.confirmations ? { confirmations: request.body.confirmations } : {}),
          dryRun: request.body.dry_run ?? false,
          requester: actorOf(request),
        });
      } catch (error) {
        return refused(reply, error);
      }
    },
  );
  zod.get(
    '/api/v1/scenario-runs/:id',
    {
      schema: {
        summary: 'A scenario run as it stands, with the step runs it made',
        tags: ['actions'],
        security: SECURITY,
        params: z.object({ id: z.coerce.number().int() }),
        response: {
          200: z.object({
            id: z.number().int(),
            scenario: z.string(),
            incidentId: z.string().optional(),
            requestedBy: z.string(),
            requestedAt: z.number(),
            status: ScenarioRunStatusView,
            nextStep: z.number().int().describe('The step running, waiting, or to run next.'),
            waitingRun: z.number().int().optional(),
            finishedAt: z.number().optional(),
            runs: z.array(ActionRunView),
          }),
          ...errorAnswers(401, 403, 404),
        },
      },
      preHandler: guard('viewer'),
    },
    async (request, reply) => {
      const record = options.actions.scenarioRun(request.params.id);
      if (!record)
        return fail(
          reply,
          'API_NOT_FOUND',
          `no scenario run ${request.params.id}`,
          'see the incident timeline',
        );
      const { params: _params, confirmations: _confirmations, dryRun: _dry, ...shown } = record;
      return { ...shown, runs: options.pipeline.store.actionRunsOf(record.id) };
    },
  );
}
