/**
 * Routes of deploys and tracked checklists: start and finish a deploy (with its maintenance window and
 * its pre- and post-deploy checklists), list and read deploys, read an incident's checklists, and tick
 * or untick an item. Served when the API is given a checklist tracker and a deploy service.
 */
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { ChecklistError } from '../checklists/tracker.ts';
import { fail, type RouteContext } from './app.ts';
import { actorOf } from './auth.ts';
import { errorAnswers, IdParams, SECURITY, WindowView } from './schemas.ts';

const errors = errorAnswers(400, 401, 403, 404, 409);
const Millis = z.number().describe('Epoch milliseconds.');

/** TrackedItemView is one item of a tracked checklist. */
const TrackedItemView = z.object({
  position: z.number().int().describe('1-based position in the list.'),
  text: z.string(),
  checkId: z.string().optional().describe('The check whose success ticks the item by itself.'),
  holdMs: z.number().optional().describe('How long (ms) that check must keep succeeding.'),
  passingSince: Millis.optional().describe('Since when the check has succeeded without a break.'),
  doneAt: Millis.optional(),
  doneBy: z.string().optional().describe('Who ticked it; `vigie` when its check did.'),
  note: z.string().optional(),
});

/** TrackedChecklistView is a runbook checklist tracked on a deploy or an incident. */
const TrackedChecklistView = z.object({
  id: z.number().int(),
  subjectKind: z.enum(['deploy', 'incident']),
  subjectId: z.string(),
  name: z.string().describe("The runbook checklist's id (pre-deploy, post-incident, …)."),
  title: z.string(),
  createdAt: Millis,
  items: z.array(TrackedItemView).readonly(),
});

/** DeployRecordView is a deploy. */
const DeployRecordView = z.object({
  id: z.number().int(),
  title: z.string(),
  status: z.enum(['running', 'finished']),
  startedBy: z.string(),
  startedAt: Millis,
  finishedBy: z.string().optional(),
  finishedAt: Millis.optional(),
  windowId: z.string().optional().describe('The maintenance window opened for the deploy.'),
});

/** DeployAnswer is a deploy with its window and checklists. */
const DeployAnswer = z.object({
  deploy: DeployRecordView,
  window: WindowView.optional(),
  checklists: z.array(TrackedChecklistView),
});

const NumberIdParams = z.object({ id: z.coerce.number().int().min(1) });

function refused(reply: FastifyReply, error: unknown): FastifyReply {
  if (!(error instanceof ChecklistError)) throw error;
  const code =
    error.status === 'not-found'
      ? 'API_NOT_FOUND'
      : error.status === 'conflict'
        ? 'API_CONFLICT'
        : 'API_BAD_REQUEST';
  return fail(reply, code, error.message, error.fix);
}

/** registerChecklistRoutes adds the deploy and checklist routes, when the API has a tracker and deploys. */
export function registerChecklistRoutes({ zod, guard, options }: RouteContext): void {
  const { checklists: tracker, deploys } = options;
  if (!tracker || !deploys) return;
  zod.post(
    '/api/v1/deploys',
    {
      schema: {
        summary:
          'Start a deploy: opens a maintenance window for it and tracks the runbook pre-deploy checklist',
        tags: ['deploys'],
        security: SECURITY,
        body: z
          .object({
            title: z.string().max(200).optional().describe('What is deployed.'),
            duration: z
              .string()
              .max(20)
              .optional()
              .describe('Length of the maintenance window; 30m when absent.'),
            matchers: z
              .array(z.string().max(200))
              .max(20)
              .optional()
              .describe('Alerts the window quiets (service=api); every alert when absent.'),
          })
          .optional(),
        response: { 201: DeployAnswer, ...errors },
      },
      preHandler: guard('responder'),
    },
    async (request, reply) => {
      try {
        return reply.code(201).send(deploys.start(request.body ?? {}, actorOf(request)));
      } catch (error) {
        return refused(reply, error);
      }
    },
  );
  zod.post(
    '/api/v1/deploys/:id/finish',
    {
      schema: {
        summary:
          'Finish a deploy: tracks the runbook post-deploy checklist, whose check items then tick themselves',
        tags: ['deploys'],
        security: SECURITY,
        params: NumberIdParams,
        body: z.object({}).optional(),
        response: { 200: DeployAnswer, ...errors },
      },
      preHandler: guard('responder'),
    },
    async (request, reply) => {
      try {
        return deploys.finish(request.params.id, actorOf(request));
      } catch (error) {
        return refused(reply, error);
      }
    },
  );
  zod.get(
    '/api/v1/deploys',
    {
      schema: {
        summary: 'Deploys, newest first',
        tags: ['deploys'],
        security: SECURITY,
        querystring: z.object({
          status: z.enum(['running', 'finished']).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: { 200: z.object({ deploys: z.array(DeployRecordView) }), ...errors },
      },
      preHandler: guard('viewer'),
    },
    async (request) => ({
      deploys: deploys
        .list(request.query.limit)
        .filter((deploy) => request.query.status === undefined || deploy.status === request.query.status),
    }),
  );
  zod.get(
    '/api/v1/deploys/:id',
    {
      schema: {
        summary: 'One deploy with its maintenance window and its checklists',
        tags: ['deploys'],
        security: SECURITY,
        params: NumberIdParams,
        response: { 200: DeployAnswer, ...errors },
      },
      preHandler: guard('viewer'),
    },
    async (request, reply) => {
      try {
        return deploys.get(request.params.id);
      } catch (error) {
        return refused(reply, error);
      }
    },
  );
  zod.get(
    '/api/v1/incidents/:id/checklists',
    {
      schema: {
        summary: "The incident's checklists (the post-incident one is attached when it resolves)",
        tags: ['incidents'],
        security: SECURITY,
        params: IdParams,
        response: { 200: z.object({ checklists: z.array(TrackedChecklistView) }), ...errors },
      },
      preHandler: guard('viewer'),
    },
    async (request, reply) => {
      const incident = options.pipeline.store.incident(request.params.id);
      if (!incident)
        return fail(
          reply,
          'API_NOT_FOUND',
          `no incident ${request.params.id}`,
          'list incidents with GET /api/v1/incidents',
        );
      return { checklists: tracker.checklistsOf({ kind: 'incident', id: incident.id }) };
    },
  );
  zod.get(
    '/api/v1/checklists/:id',
    {
      schema: {
        summary: 'One tracked checklist',
        tags: ['deploys'],
        security: SECURITY,
        params: NumberIdParams,
        response: { 200: z.object({ checklist: TrackedChecklistView }), ...errors },
      },
      preHandler: guard('viewer'),
    },
    async (request, reply) => {
      try {
        return { checklist: tracker.checklist(request.params.id) };
      } catch (error) {
        return refused(reply, error);
      }
    },
  );
  zod.post(
    '/api/v1/checklists/:id/items/:position',
    {
      schema: {
        summary:
          'Tick (done: true) or untick an item, with a note; it lands in the audit log and the incident timeline',
        tags: ['deploys'],
        security: SECURITY,
        params: z.object({
          id: z.coerce.number().int().min(1),
          position: z.coerce.number().int().min(1),
        }),
        body: z.object({
          done: z.boolean().default(true).describe('true ticks the item, false unticks it.'),
          note: z.string().max(2000).optional().describe('What was checked, or why it is unticked.'),
        }),
        response: {
          200: z.object({ checklist: TrackedChecklistView, item: TrackedItemView }),
          ...errors,
        },
      },
      preHandler: guard('responder'),
    },
    async (request, reply) => {
      try {
        return tracker.tick(
          request.params.id,
          request.params.position,
          {
            done: request.body.done,
            ...(request.body.note === undefined ? {} : { note: request.body.note }),
          },
          actorOf(request),
        );
      } catch (error) {
        return refused(reply, error);
      }
    },
  );
}
