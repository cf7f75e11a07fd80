/**
 * Routes of the incident pipeline: alert ingest, incidents and their lifecycle, alerts, silences,
 * one-off maintenance windows and the notification outbox.
 */
import { z } from 'zod';
import { VigieError } from '../errors.ts';
import { LifecycleError } from '../incidents/service.ts';
import type { IngestResult } from '../ingest/alert.ts';
import { parseAlertmanager } from '../ingest/alertmanager.ts';
import { parseGenericWebhook } from '../ingest/generic.ts';
import { fail, type RouteContext } from './app.ts';
import { actorOf } from './auth.ts';
import { JsonCache } from './json-cache.ts';
import {
  AlertView,
  errorAnswers,
  IdParams,
  IncidentView,
  IngestSummaryView,
  OutboxView,
  SECURITY,
  SilenceView,
  TimelineView,
  TimerView,
  WindowView,
} from './schemas.ts';

const STATUS_WORDS = ['triggered', 'acknowledged', 'resolved', 'open'] as const;
const LIST_TTL_MS = 500;
const errors = errorAnswers(400, 401, 403, 404, 409, 413);

/** registerIncidentRoutes adds the incident pipeline's routes. */
export function registerIncidentRoutes({ zod, guard, options }: RouteContext): void {
  const { pipeline } = options;
  // Served from a copy at most half a second old: a list asked for hundreds of times a second is built
  // twice a second; changes reach browsers through the event stream meanwhile.
  const answers = new JsonCache(() => options.clock.now());

  const ingest = (parse: (value: unknown) => IngestResult, summary: string, description: string) =>
    ({
      schema: {
        summary,
        description,
        tags: ['alerts'],
        security: SECURITY,
        body: z.unknown(),
        response: { 200: IngestSummaryView, ...errors },
      },
      preHandler: guard('responder'),
      handler: async (
        request: { body: unknown; caller?: { token: { name: string } } },
        reply: import('fastify').FastifyReply,
      ) => {
        const result = parse(request.body);
        if (!result.ok) {
          return fail(
            reply,
            'API_BAD_REQUEST',
            result.errors.map((error) => `${error.path || '(body)'}: ${error.message}`).join('; '),
            'fix the fields named, then send the whole payload again; nothing from this request was stored',
          );
        }
        const done = pipeline.ingest(result.batch);
        options.log?.('info', 'alerts ingested', { token: actorOf(request), ...done });
        if (done.truncatedAlerts > 0) {
          // The sender dropped alerts from this group; they reach Vigie only when the group changes.
          options.log?.('warn', 'the sender truncated alerts', {
            truncated_alerts: done.truncatedAlerts,
            fix: 'raise max_alerts on the Alertmanager receiver, or split the group',
          });
        }
        return reply.send(done);
      },
    }) as const;

  zod.post(
    '/api/v1/alerts/alertmanager',
    ingest(
      parseAlertmanager,
      'Ingest a Prometheus Alertmanager webhook',
      'Payload version 4, as Alertmanager webhook_configs send it; alerts dedupe on fingerprint, resolved ones resolve.',
    ),
  );
  zod.post(
    '/api/v1/alerts',
    ingest(
      (value) => parseGenericWebhook(value, options.clock.now()),
      'Ingest alerts from any system',
      '{"alerts": [{"name", "status"?, "key"?, "severity"?, "labels"?, "summary"?, "scenario"?}]} or one alert object.',
    ),
  );
  zod.get(
    '/api/v1/alerts',
    {
      schema: {
        summary: 'List alerts',
        tags: ['alerts'],
        security: SECURITY,
        querystring: z.object({ firing: z.enum(['true', 'false']).optional() }),
        response: { 200: z.object({ alerts: z.array(AlertView) }), ...errors },
      },
      preHandler: guard('viewer'),
    },
    async (request) => ({ alerts: pipeline.store.alerts({ firing: request.query.firing === 'true' }) }),
  );

  zod.get(
    '/api/v1/incidents',
    {
      schema: {
        summary: 'List incidents, newest first',
        tags: ['incidents'],
        security: SECURITY,
        querystring: z.object({
          status: z
            .string()
            .optional()
            .describe(
              'Comma-separated: triggered, acknowledged, resolved, open (= triggered and acknowledged).',
            ),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          before: z.coerce
            .number()
            .int()
            .optional()
            .describe('Incident number to page before (from `next`).'),
        }),
        response: {
          200: z.object({ incidents: z.array(IncidentView), next: z.number().int().optional() }),
          ...errors,
        },
      },
      preHandler: guard('viewer'),
    },
    async (request, reply) => {
      const words = (request.query.status ?? '')
        .split(',')
        .map((word) => word.trim())
        .filter(Boolean);
      const unknown = words.filter((word) => !(STATUS_WORDS as readonly string[]).includes(word));
      if (unknown.length > 0) {
        return fail(
          reply,
          'API_BAD_REQUEST',
          `unknown status ${unknown.join(', ')}`,
          `use ${STATUS_WORDS.join(', ')}`,
        );
      }
      const status = words.flatMap((word) =>
        word === 'open'
          ? (['triggered', 'acknowledged'] as const)
          : [word as 'triggered' | 'acknowledged' | 'resolved'],
      );
      const { limit, before } = request.query;
      const key = `incidents|${status.join(',')}|${limit}|${before ?? ''}`;
      const text = answers.get(key, LIST_TTL_MS, () => {
        const incidents = pipeline.store.incidents({
          status,
          limit,
          ...(before === undefined ? {} : { before }),
        });
        return { incidents, ...(incidents.length === limit ? { next: incidents.at(-1)!.seq } : {}) };
      });
      return reply.type('application/json; charset=utf-8').send(text as never);
    },
  );

  zod.get(
    '/api/v1/incidents/:id',
    {
      schema: {
        summary: 'Get an incident with its alerts, timeline, pending timers and scenario',
        tags: ['incidents'],
        security: SECURITY,
        params: IdParams,
        response: {
          200: z.object({
            incident: IncidentView,
            alerts: z.array(AlertView),
            timeline: z.array(TimelineView),
            timers: z.array(TimerView),
            scenario: z.unknown().optional().describe('The runbook scenario matched, with its steps.'),
          }),
          ...errors,
        },
      },
      preHandler: guard('viewer'),
    },
    async (request, reply) => {
      const incident = pipeline.store.incident(request.params.id);
      if (!incident) {
        return fail(
          reply,
          'API_NOT_FOUND',
          `no incident ${request.params.id}`,
          'list incidents with GET /api/v1/incidents',
        );
      }
      const scenario = options.runbook.scenarios?.find((candidate) => candidate.id === incident.scenario);
      return {
        incident,
        alerts: pipeline.store.alertsOf(incident.id),
        timeline: pipeline.store.timeline(incident.id),
        timers: pipeline.store.pendingTimers(incident.id),
        ...(scenario ? { scenario: maskDeep(scenario, options.mask) } : {}),
      };
    },
  );

  const act =
    <T>(run: (id: string, who: string, body: Record<string, unknown>) => T) =>
    async (
      request: { params: { id: string }; body: unknown; caller?: { token: { name: string } } },
      reply: import('fastify').FastifyReply,
    ) => {
      try {
        return reply.send(
          run(request.params.id, actorOf(request), (request.body ?? {}) as Record<string, unknown>),
        );
      } catch (error) {
        if (error instanceof LifecycleError) {
          return error.status === 'not-found'
            ? fail(reply, 'API_NOT_FOUND', error.message, 'list incidents with GET /api/v1/incidents')
            : fail(reply, 'API_CONFLICT', error.message, 'reload the incident and act on its current state');
        }
        if (error instanceof VigieError) return fail(reply, error.code, error.message, error.fix);
        throw error;
      }
    };
  const change = (summary: string, body: z.ZodType, response: z.ZodType) => ({
    schema: {
      summary,
      tags: ['incidents'],
      security: SECURITY,
      params: IdParams,
      body,
      response: { 200: response, ...errors },
    },
    preHandler: guard('responder'),
  });
  zod.post(
    '/api/v1/incidents/:id/acknowledge',
    change('Acknowledge: stops escalation', z.object({}).optional(), z.object({ incident: IncidentView })),
    act((id, who) => ({ incident: pipeline.service.acknowledge(id, who) })),
  );
  zod.post(
    '/api/v1/incidents/:id/resolve',
    change(
      'Resolve: ends escalation and tells whoever was paged',
      z.object({ note: z.string().max(10_000).optional() }).optional(),
      z.object({ incident: IncidentView }),
    ),
    act((id, who, body) => ({
      incident: pipeline.service.resolve(id, who, typeof body.note === 'string' ? body.note : undefined),
    })),
  );
  zod.post(
    '/api/v1/incidents/:id/comments',
    change(
      'Add a comment to the timeline; start it with "public:" to show it on the status page',
      z.object({ text: z.string().min(1).max(10_000) }),
      z.object({ entry: TimelineView }),
    ),
    act((id, who, body) => ({ entry: pipeline.service.comment(id, who, String(body.text)) })),
  );

  zod.get(
    '/api/v1/silences',
    {
      schema: {
        summary: 'List silences',
        tags: ['quiet'],
        security: SECURITY,
        response: { 200: z.object({ silences: z.array(SilenceView) }), ...errors },
      },
      preHandler: guard('viewer'),
    },
    async () => ({ silences: pipeline.store.silences() }),
  );
  zod.post(
    '/api/v1/silences',
    {
      schema: {
        summary: 'Silence the alerts whose labels match',
        tags: ['quiet'],
        security: SECURITY,
        body: z.object({
          matchers: z
            .array(z.string())
            .min(1)
            .describe('Alertmanager matchers: alert=api-down, service=~"api|web".'),
          starts_at: z.union([z.string(), z.number()]).optional(),
          ends_at: z.union([z.string(), z.number()]).optional(),
          duration: z.string().optional().describe('Instead of ends_at: 30m, 2h.'),
          comment: z.string().min(1),
          created_by: z.string().optional(),
        }),
        response: { 201: z.object({ silence: SilenceView }), ...errors },
      },
      preHandler: guard('responder'),
    },
    async (request, reply) => {
      const result = pipeline.addSilence(request.body, actorOf(request));
      if (!result.ok) {
        return fail(
          reply,
          'API_BAD_REQUEST',
          result.errors.join('; '),
          'send {"matchers": ["service=api"], "duration": "2h", "comment": "…"}',
        );
      }
      return reply.code(201).send({ silence: result.silence });
    },
  );
  zod.delete(
    '/api/v1/silences/:id',
    {
      schema: {
        summary: 'Expire a silence now',
        tags: ['quiet'],
        security: SECURITY,
        params: IdParams,
        response: { 204: z.null(), ...errors },
      },
      preHandler: guard('responder'),
    },
    async (request, reply) => {
      if (!pipeline.expireSilence(request.params.id)) {
        return fail(
          reply,
          'API_NOT_FOUND',
          `no active silence ${request.params.id}`,
          'list silences with GET /api/v1/silences',
        );
      }
      return reply.code(204).send(null);
    },
  );
  zod.get(
    '/api/v1/windows',
    {
      schema: {
        summary: 'List one-off maintenance windows',
        tags: ['quiet'],
        security: SECURITY,
        response: { 200: z.object({ windows: z.array(WindowView) }), ...errors },
      },
      preHandler: guard('viewer'),
    },
    async () => ({ windows: pipeline.store.windows() }),
  );
  zod.post(
    '/api/v1/windows',
    {
      schema: {
        summary: 'Open a one-off maintenance window',
        tags: ['quiet'],
        security: SECURITY,
        body: z.object({
          title: z.string().min(1),
          matchers: z.array(z.string()).optional().describe('Alerts it quiets; every alert when absent.'),
          starts_at: z.union([z.string(), z.number()]).optional(),
          ends_at: z.union([z.string(), z.number()]).optional(),
          duration: z.string().optional(),
        }),
        response: { 201: z.object({ window: WindowView }), ...errors },
      },
      preHandler: guard('responder'),
    },
    async (request, reply) => {
      const result = pipeline.addWindow(request.body, actorOf(request));
      if (!result.ok) {
        return fail(
          reply,
          'API_BAD_REQUEST',
          result.errors.join('; '),
          'send {"title": "…", "duration": "1h", "matchers": ["check=db"]}',
        );
      }
      return reply.code(201).send({ window: result.window });
    },
  );
  zod.get(
    '/api/v1/outbox',
    {
      schema: {
        summary: 'Notifications: counts, and rows by status (dead letters with status=dead)',
        tags: ['alerts'],
        security: SECURITY,
        querystring: z.object({ status: z.enum(['pending', 'sent', 'dead']).optional() }),
        response: {
          200: z.object({
            counts: z.object({ pending: z.number(), sent: z.number(), dead: z.number() }),
            rows: z.array(OutboxView),
          }),
          ...errors,
        },
      },
      preHandler: guard('viewer'),
    },
    async (request) => ({
      counts: pipeline.store.outboxCounts(),
      rows: pipeline.store
        .outbox({ ...(request.query.status ? { status: request.query.status } : {}), limit: 200 })
        .map(({ payload: _payload, ...row }) => row),
    }),
  );
}

/** maskDeep masks every string of a value (the runbook as written may hold a literal secret). */
export function maskDeep<T>(value: T, mask: (text: string) => string): T {
  if (typeof value === 'string') return mask(value) as T;
  if (Array.isArray(value)) return value.map((item) => maskDeep(item, mask)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, maskDeep(item, mask)])) as T;
  }
  return value;
}
