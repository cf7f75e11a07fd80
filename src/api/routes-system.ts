/**
 * Routes around the incidents: health, metrics, the browser session, checks and their history, the
 * runbook, the public status model and the live event stream.
 */
import { z } from 'zod';
import { fail, type RouteContext } from './app.ts';
import { closeSession, openSession, SESSION_COOKIE, SESSION_TTL_MS } from './auth.ts';
import { JsonCache } from './json-cache.ts';
import { maskDeep } from './routes-incidents.ts';
import { CheckStateView, errorAnswers, IdParams, RollupView, SECURITY, SessionView } from './schemas.ts';
import { authenticate } from './tokens.ts';

const errors = errorAnswers(400, 401, 403, 404);
const HOUR = 3_600_000;
/** How long a page of checks is served from its serialised copy. */
const LIST_TTL_MS = 1000;
const JSON_TYPE = 'application/json; charset=utf-8';

/** registerSystemRoutes adds health, metrics, session, checks, runbook, status and events. */
export function registerSystemRoutes({ app, zod, guard, options }: RouteContext): void {
  const { pipeline, board, clock } = options;
  const answers = new JsonCache(() => clock.now());

  zod.get(
    '/healthz',
    {
      schema: {
        summary: 'The process answers',
        tags: ['operations'],
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  zod.get(
    '/readyz',
    {
      schema: {
        summary: 'The engine runs and keeps time',
        tags: ['operations'],
        response: { 200: z.looseObject({ status: z.string() }), 503: z.looseObject({ status: z.string() }) },
      },
    },
    async (_request, reply) => {
      const { ready, details } = options.readiness();
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', ...details });
    },
  );
  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics', tags: ['operations'] } },
    async (_request, reply) => {
      const registry = options.metrics.registry;
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );

  zod.post(
    '/api/v1/session',
    {
      schema: {
        summary: 'Sign a browser in with a token: sets an HttpOnly, SameSite=Strict session cookie',
        tags: ['session'],
        body: z.object({ token: z.string().min(1).max(200) }),
        response: { 200: SessionView, ...errors },
      },
    },
    async (request, reply) => {
      const token = authenticate(pipeline.store, request.body.token.trim());
      if (!token) {
        return fail(
          reply,
          'API_UNAUTHENTICATED',
          'the token is unknown or revoked',
          'paste a token from vigie token create',
        );
      }
      const { secret, session } = openSession(pipeline.store, token, clock.now());
      reply.setCookie(SESSION_COOKIE, secret, {
        httpOnly: true,
        sameSite: 'strict',
        path: '/',
        secure: request.protocol === 'https',
        maxAge: SESSION_TTL_MS / 1000,
      });
      options.log?.('info', 'signed in', { token: token.name, role: token.role });
      return { name: token.name, role: token.role, csrf: session.csrf };
    },
  );
  zod.get(
    '/api/v1/session',
    {
      schema: {
        summary: 'The signed-in session and its CSRF token',
        tags: ['session'],
        security: SECURITY,
        response: { 200: SessionView, ...errors },
      },
      preHandler: guard('viewer'),
    },
    async (request, reply) => {
      const caller = request.caller!;
      if (!caller.session) {
        return fail(
          reply,
          'API_BAD_REQUEST',
          'a bearer token has no session',
          'sign in with POST /api/v1/session',
        );
      }
      return { name: caller.token.name, role: caller.token.role, csrf: caller.session.csrf };
    },
  );
  zod.delete(
    '/api/v1/session',
    {
      schema: {
        summary: 'Sign out',
        tags: ['session'],
        security: SECURITY,
        response: { 204: z.null(), ...errors },
      },
      preHandler: guard('viewer'),
    },
    async (request, reply) => {
      const secret = request.cookies[SESSION_COOKIE];
      if (secret) closeSession(pipeline.store, secret);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  zod.get(
    '/api/v1/checks',
    {
      schema: {
        summary: 'Checks with their state, failing first',
        tags: ['checks'],
        security: SECURITY,
        querystring: z.object({
          status: z.enum(['ok', 'failing', 'unknown']).optional(),
          offset: z.coerce.number().int().min(0).default(0),
          limit: z.coerce.number().int().min(1).max(1000).default(200),
        }),
        response: {
          200: z.object({
            checks: z.array(CheckStateView),
            total: z.number().int(),
            counts: z.object({ ok: z.number(), failing: z.number(), unknown: z.number() }),
          }),
          ...errors,
        },
      },
      preHandler: guard('viewer'),
    },
    async (request, reply) => {
      const { status, offset, limit } = request.query;
      const text = answers.get(`checks|${status ?? ''}|${offset}|${limit}`, LIST_TTL_MS, () => ({
        ...board.list(request.query),
        counts: board.counts(),
      }));
      return reply.type(JSON_TYPE).send(text as never);
    },
  );
  zod.get(
    '/api/v1/checks/:id',
    {
      schema: {
        summary: 'One check with its state',
        tags: ['checks'],
        security: SECURITY,
        params: IdParams,
        response: { 200: CheckStateView, ...errors },
      },
      preHandler: guard('viewer'),
    },
    async (request, reply) => {
      const state = board.get(request.params.id);
      return (
        state ??
        fail(reply, 'API_NOT_FOUND', `no check ${request.params.id}`, 'list checks with GET /api/v1/checks')
      );
    },
  );
  zod.get(
    '/api/v1/checks/:id/history',
    {
      schema: {
        summary: "A check's history from the roll-ups",
        tags: ['checks'],
        security: SECURITY,
        params: IdParams,
        querystring: z.object({
          resolution: z.enum(['minute', 'hour']).default('hour'),
          from: z.coerce
            .number()
            .optional()
            .describe('Epoch ms; 24 h ago (minute) or 30 days ago (hour) when absent.'),
          to: z.coerce.number().optional(),
        }),
        response: { 200: z.object({ rows: z.array(RollupView) }), ...errors },
      },
      preHandler: guard('viewer'),
    },
    async (request, reply) => {
      if (!board.get(request.params.id)) {
        return fail(
          reply,
          'API_NOT_FOUND',
          `no check ${request.params.id}`,
          'list checks with GET /api/v1/checks',
        );
      }
      const to = request.query.to ?? clock.now() + 1;
      const from = request.query.from ?? to - (request.query.resolution === 'minute' ? 24 : 30 * 24) * HOUR;
      return {
        rows: await options.observations.rollups(request.params.id, request.query.resolution, from, to),
      };
    },
  );
  zod.get(
    '/api/v1/runbook',
    {
      schema: {
        summary: 'The runbook as written (references unresolved, secrets masked)',
        tags: ['runbook'],
        security: SECURITY,
        response: { 200: z.object({ runbook: z.unknown() }), ...errors },
      },
      preHandler: guard('viewer'),
    },
    async () => ({ runbook: maskDeep(options.runbook, options.mask) }),
  );

  const status = options.status;
  if (status) {
    zod.get(
      '/api/v1/status',
      {
        schema: {
          summary: 'The public status page (no token)',
          tags: ['status'],
          response: { 200: z.unknown() },
        },
      },
      async () => status(),
    );
  }
  app.get(
    '/api/v1/events',
    {
      schema: {
        summary: "Live changes as Server-Sent Events: check, incident, timeline, and a running step's output",
        tags: ['events'],
      },
      preHandler: guard('viewer'),
    },
    async (_request, reply) => {
      reply.hijack();
      options.hub.attach(reply.raw);
    },
  );
}
