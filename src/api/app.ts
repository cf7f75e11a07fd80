/**
 * Vigie's HTTP API on Fastify. Routes declare their parameters and answers as zod schemas (schemas.ts);
 * the same schemas validate requests, serialise answers and make the OpenAPI 3.1 document served at
 * /openapi.json and /docs. Handlers are thin: the guard authenticates, the schema parses, one call goes
 * into the pipeline or the board, the answer is formatted. Every error is
 * `{ error: { code, message, fix } }` with a stable code from the one catalogue.
 */
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { ActionService } from '../actions/service.ts';
import type { DeployService } from '../checklists/deploys.ts';
import type { ChecklistTracker } from '../checklists/tracker.ts';
import type { CheckBoard } from '../engine/board.ts';
import type { Pipeline } from '../engine/pipeline.ts';
import type { Clock } from '../engine/scheduler.ts';
import type { ErrorCode } from '../errors.ts';
import { parseJsonBody } from '../ingest/json-body.ts';
import type { MaintenanceScheduler } from '../maintenance/scheduler.ts';
import type { RunbookConfig } from '../runbook/schema.ts';
import type { ObservationStore } from '../store/store.ts';
import { type AuthFailure, makeGuard } from './auth.ts';
import type { EventHub } from './events.ts';
import type { Metrics } from './metrics.ts';
import { registerActionRoutes } from './routes-actions.ts';
import { registerChecklistRoutes } from './routes-checklists.ts';
import { registerIncidentRoutes } from './routes-incidents.ts';
import { registerMaintenanceRoutes } from './routes-maintenance.ts';
import { registerScenarioRoutes } from './routes-scenarios.ts';
import { registerSystemRoutes } from './routes-system.ts';

/** Readiness is what `/readyz` reports. */
export interface Readiness {
  readonly ready: boolean;
  readonly details: Readonly<Record<string, unknown>>;
}

/** Log writes one structured log line. */
export type ApiLog = (
  level: 'info' | 'warn' | 'error',
  msg: string,
  fields?: Record<string, unknown>,
) => void;

/** ApiOptions are what the API serves. */
export interface ApiOptions {
  readonly pipeline: Pipeline;
  readonly actions: ActionService;
  readonly board: CheckBoard;
  readonly observations: ObservationStore;
  readonly hub: EventHub;
  readonly metrics: Metrics;
  readonly clock: Clock;
  /** The runbook as written (references unresolved), for GET /api/v1/runbook. */
  readonly runbook: RunbookConfig;
  readonly mask: (text: string) => string;
  readonly readiness: () => Readiness;
  /** The public status page model, when the runbook has one. */
  readonly status?: () => Promise<unknown>;
  /** Adds the web pages (dashboard, status page) to the app. */
  readonly web?: (app: FastifyInstance) => void | Promise<void>;
  /** Largest accepted body, in bytes; 1 MiB when absent. */
  readonly bodyLimit?: number;
  readonly log?: ApiLog;
  /** The maintenance scheduler; without it the maintenance routes answer 404. */
  readonly maintenance?: MaintenanceScheduler;
  /** Tracked checklists; with `deploys`, the deploy and checklist routes are served. */
  readonly checklists?: ChecklistTracker;
  /** Deploys with their maintenance windows and checklists. */
  readonly deploys?: DeployService;
}

const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  API_UNAUTHENTICATED: 401,
  API_FORBIDDEN: 403,
  API_NOT_FOUND: 404,
  API_CONFLICT: 409,
  API_BAD_REQUEST: 400,
  API_TOO_LARGE: 413,
  API_CSRF: 403,
};

/** fail writes an error answer. */
export function fail(reply: FastifyReply, code: ErrorCode, message: string, fix: string): FastifyReply {
  return reply.code(STATUS_OF[code] ?? 500).send({ error: { code, message, fix } });
}

/** BodyError is a body that is not JSON, carried from the content parser to the error handler. */
class BodyError extends Error {
  readonly statusCode: number;
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
    this.statusCode = STATUS_OF[code] ?? 400;
  }
}

/** RouteContext is what route modules get: the app with zod types, the guard and the options. */
export interface RouteContext {
  readonly app: FastifyInstance;
  readonly zod: FastifyInstance<
    RawServerDefault,
    RawRequestDefaultExpression,
    RawReplyDefaultExpression,
    FastifyBaseLogger,
    ZodTypeProvider
  >;
  readonly guard: ReturnType<typeof makeGuard>;
  readonly options: ApiOptions;
}

/** buildApi assembles the API; the caller listens. */
export async function buildApi(options: ApiOptions): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;
  const app = Fastify({ logger: false, bodyLimit: bodyLimit + 1, return503OnClosing: true });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Bodies are parsed here, so a broken one gets a message that says where it breaks.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: bodyLimit + 1 }, (_request, raw, done) => {
    const bytes = raw as Buffer;
    if (bytes.length === 0) return done(null, undefined);
    const parsed = parseJsonBody(bytes, bodyLimit);
    if (parsed.ok) return done(null, parsed.value);
    const message = parsed.errors.map((error) => error.message).join('; ');
    return done(
      new BodyError(parsed.problem === 'too_large' ? 'API_TOO_LARGE' : 'API_BAD_REQUEST', message),
      undefined,
    );
  });
  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Vigie API',
        version: '1',
        description:
          'Incidents, alerts, checks and quiet times of a running Vigie. Authenticate with "Authorization: Bearer <token>" (vigie token create) or a browser session.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'vigie_session' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  const authFail = (reply: FastifyReply, failure: AuthFailure): FastifyReply =>
    fail(reply, failure.code, failure.message, failure.fix);
  const guard = makeGuard(options.pipeline.store, () => options.clock.now(), authFail);
  const context: RouteContext = { app, zod: app.withTypeProvider<ZodTypeProvider>(), guard, options };
  registerSystemRoutes(context);
  registerIncidentRoutes(context);
  registerActionRoutes(context);
  registerScenarioRoutes(context);
  registerMaintenanceRoutes(context);
  registerChecklistRoutes(context);
  await options.web?.(app);

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.setNotFoundHandler((request, reply) =>
    fail(
      reply,
      'API_NOT_FOUND',
      `no route ${request.method} ${request.url.split('?')[0]}`,
      'see the routes at /docs',
    ),
  );
  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, _request, reply) => {
    if (error instanceof BodyError) {
      return fail(
        reply,
        error.code,
        error.message,
        error.code === 'API_TOO_LARGE'
          ? `send at most ${bodyLimit} bytes per request (Alertmanager: lower max_alerts)`
          : 'send a JSON document; nothing from this request was stored',
      );
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = (error as { validationContext?: string }).validationContext ?? 'request';
      const issues = error.validation.map((issue) => {
        const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
        return `${where}${path ? `.${path}` : ''}: ${issue.message}`;
      });
      return fail(
        reply,
        'API_BAD_REQUEST',
        issues.join('; '),
        'fix the fields named; see the route at /docs',
      );
    }
    if (error.statusCode === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return fail(
        reply,
        'API_TOO_LARGE',
        `the body is larger than ${bodyLimit} bytes`,
        'send a smaller body',
      );
    }
    if (error.statusCode !== undefined && error.statusCode < 500) {
      return fail(reply, 'API_BAD_REQUEST', options.mask(error.message), 'fix the request');
    }
    options.log?.('error', 'request failed', { error: options.mask(error.message) });
    return reply
      .code(500)
      .send({ error: { code: 'INTERNAL', message: 'Vigie failed to answer', fix: 'see its log' } });
  });
  return app;
}
