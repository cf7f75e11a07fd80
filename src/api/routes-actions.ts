/**
 * Routes of guarded actions: ask to run a scenario step (or a dry run of it), approve a waiting run,
 * read a run, list an incident's runs, and read the append-only audit log.
 */
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { ActionError } from '../actions/service.ts';
import type { StepOutcome } from '../actions/step.ts';
import { postmortemChecklists } from '../checklists/postmortem.ts';
import { draftPostmortem } from '../incidents/postmortem.ts';
import { fail, type RouteContext } from './app.ts';
import { actorOf } from './auth.ts';
import { errorAnswers, SECURITY } from './schemas.ts';

const errors = errorAnswers(400, 401, 403, 404, 409);

/** ActionRunView is a requested step with its gate and its outcome. */
export const ActionRunView = z.object({
  id: z.number().int(),
  incidentId: z.string().optional(),
  scenario: z.string(),
  stepIndex: z.number().int(),
  stepId: z.string().optional(),
  risk: z.string(),
  run: z.string(),
  params: z.record(z.string(), z.string()),
  dryRun: z.boolean(),
  requestedBy: z.string(),
  requestedAt: z.number(),
  status: z.enum(['waiting', 'running', 'ok', 'failed', 'timeout', 'refused', 'skipped', 'dry-run']),
  approvedBy: z.string().optional(),
  reasons: z.array(z.string()).readonly().optional().describe('What a waiting run still needs.'),
  outcome: z
    .unknown()
    .optional()
    .describe('The step outcome: redacted output, exit status, timing, output hash.'),
  finishedAt: z.number().optional(),
  scenarioRun: z.number().int().optional().describe('The scenario run it is a step of.'),
});

/** refused answers an ActionError with its HTTP status and how to fix the request; it rethrows anything else. */
export function refused(reply: FastifyReply, error: unknown): FastifyReply {
  if (!(error instanceof ActionError)) throw error;
  if (error.status === 'not-found')
    return fail(reply, 'API_NOT_FOUND', error.message, 'see the scenario steps at GET /api/v1/runbook');
  if (error.status === 'conflict')
    return fail(reply, 'API_CONFLICT', error.message, 'ask a second responder to approve');
  return fail(reply, 'API_BAD_REQUEST', error.message, 'give every declared parameter a valid value');
}

/** registerActionRoutes adds the guarded-action routes. */
export function registerActionRoutes({ zod, guard, options }: RouteContext): void {
  const { actions, pipeline } = options;
  zod.post(
    '/api/v1/actions',
    {
      schema: {
        summary:
          'Ask to run a scenario step; it runs at once if its risk gate allows, else waits saying what it needs',
        tags: ['actions'],
        security: SECURITY,
        body: z.object({
          scenario: z.string().min(1),
          step: z
            .union([z.string().min(1), z.number().int().min(1)])
            .describe('Step id or 1-based number in the scenario actions.'),
          incident: z.string().optional(),
          params: z.record(z.string(), z.string()).optional(),
          confirmation: z
            .string()
            .optional()
            .describe('What the responder typed to confirm a dangerous step.'),
          dry_run: z.boolean().optional(),
        }),
        response: { 200: z.object({ run: ActionRunView }), ...errors },
      },
      preHandler: guard('responder'),
    },
    async (request, reply) => {
      try {
        const run = await actions.request({
          scenario: request.body.scenario,
          step: request.body.step,
          ...(request.body.incident ? { incidentId: request.body.incident } : {}),
          ...(request.body.params ? { params: request.body.params } : {}),
          ...(request.body.confirmation !== undefined ? { confirmation: request.body.confirmation } : {}),
          dryRun: request.body.dry_run ?? false,
          requester: actorOf(request),
        });
        return { run };
      } catch (error) {
        return refused(reply, error);
      }
    },
  );
  const verbs = [
    {
      verb: 'approve',
      summary: "Approve another responder's waiting run (never your own); it runs if nothing else is missing",
      act: actions.approve.bind(actions),
    },
    {
      verb: 'retry',
      summary:
        'Ask the gate again for a waiting run, once what it lacked is there (its backup ran, a confirmation typed); approvals count while fresh',
      act: actions.retry.bind(actions),
    },
  ] as const;
  for (const { verb, summary, act } of verbs) {
    zod.post(
      `/api/v1/actions/:id/${verb}`,
      {
        schema: {
          summary,
          tags: ['actions'],
          security: SECURITY,
          params: z.object({ id: z.coerce.number().int() }),
          body: z.object({ confirmation: z.string().optional() }).optional(),
          response: { 200: z.object({ run: ActionRunView }), ...errors },
        },
        preHandler: guard('responder'),
      },
      async (request, reply) => {
        try {
          return { run: await act(request.params.id, actorOf(request), request.body?.confirmation) };
        } catch (error) {
          return refused(reply, error);
        }
      },
    );
  }
  zod.get(
    '/api/v1/actions/:id',
    {
      schema: {
        summary: 'One action run',
        tags: ['actions'],
        security: SECURITY,
        params: z.object({ id: z.coerce.number().int() }),
        response: { 200: z.object({ run: ActionRunView }), ...errors },
      },
      preHandler: guard('viewer'),
    },
    async (request, reply) => {
      const run = pipeline.store.actionRun(request.params.id);
      return run
        ? { run }
        : fail(reply, 'API_NOT_FOUND', `no action run ${request.params.id}`, 'see the incident timeline');
    },
  );
  zod.get(
    '/api/v1/incidents/:id/actions',
    {
      schema: {
        summary:
          "The incident's action runs, oldest first: who asked, the gate's answer, who approved, the outcome",
        tags: ['actions'],
        security: SECURITY,
        params: z.object({ id: z.string().min(1).max(200) }),
        response: { 200: z.object({ runs: z.array(ActionRunView) }), ...errors },
      },
      preHandler: guard('viewer'),
    },
    async (request, reply) => {
      const store = pipeline.store;
      if (!store.incident(request.params.id))
        return fail(
          reply,
          'API_NOT_FOUND',
          `no incident ${request.params.id}`,
          'list incidents with GET /api/v1/incidents',
        );
      return { runs: store.actionRuns(request.params.id) };
    },
  );
  zod.get(
    '/api/v1/audit',
    {
      schema: {
        summary: 'The append-only audit log, newest first (each line chained to the one before by hash)',
        tags: ['actions'],
        security: SECURITY,
        querystring: z.object({
          incident: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(200),
        }),
        response: {
          200: z.object({
            entries: z.array(
              z.object({
                id: z.number().int(),
                at: z.number(),
                actor: z.string(),
                action: z.string(),
                incidentId: z.string().optional(),
                detail: z.record(z.string(), z.unknown()),
                hash: z.string(),
              }),
            ),
          }),
          ...errors,
        },
      },
      preHandler: guard('admin'),
    },
    async (request) => ({
      entries: pipeline.store.audit({
        ...(request.query.incident ? { incidentId: request.query.incident } : {}),
        limit: request.query.limit,
      }),
    }),
  );
  zod.get(
    '/api/v1/incidents/:id/postmortem',
    {
      schema: {
        summary: "A post-mortem draft in Markdown, from the incident's timeline, alerts, steps run and times",
        tags: ['incidents'],
        security: SECURITY,
        params: z.object({ id: z.string().min(1).max(200) }),
        response: { 200: z.string(), ...errors },
      },
      preHandler: guard('viewer'),
    },
    async (request, reply) => {
      const store = pipeline.store;
      const incident = store.incident(request.params.id);
      if (!incident)
        return fail(
          reply,
          'API_NOT_FOUND',
          `no incident ${request.params.id}`,
          'list incidents with GET /api/v1/incidents',
        );
      const timeline = store.timeline(incident.id);
      const scenario = options.runbook.scenarios?.find((candidate) => candidate.id === incident.scenario);
      const markdown = draftPostmortem({
        incident,
        timeline,
        alerts: store.alertsOf(incident.id),
        ...(scenario ? { scenario } : {}),
        checklists: postmortemChecklists(store.checklists.checklistsOf('incident', incident.id)),
        actionRuns: store
          .actionRuns(incident.id)
          .filter((run) => !run.dryRun && run.status !== 'waiting')
          .map((run) => {
            const outcome = run.outcome as StepOutcome | undefined;
            return {
              step: run.stepId ?? run.run,
              risk: run.risk,
              status: run.status,
              requestedBy: run.requestedBy,
              ...(run.approvedBy ? { approvedBy: run.approvedBy } : {}),
              params: run.params,
              startedAt: outcome?.startedAt ?? run.requestedAt,
              durationMs: outcome?.durationMs ?? 0,
              ...(outcome?.outputSha256 ? { outputSha256: outcome.outputSha256 } : {}),
              ...(outcome?.exitCode === undefined ? {} : { exitCode: outcome.exitCode }),
            };
          }),
        commandsTyped: timeline
          .filter((entry) => entry.kind === 'comment' && entry.text.startsWith('$ '))
          .map((entry) => entry.text.slice(2)),
        now: options.clock.now(),
      });
      return reply.type('text/markdown; charset=utf-8').send(markdown);
    },
  );
}
