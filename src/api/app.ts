/**
 * Vigie's HTTP API on Fastify: health, alert ingest (Alertmanager and a generic JSON webhook),
 * incidents (list, get, acknowledge, resolve, comment), silences and the notification outbox. Handlers
 * are thin: authenticate, parse, one call into the pipeline, format. Every error answers
 * `{ error: { code, message, fix } }` with a stable code from the one catalogue.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Pipeline } from '../engine/pipeline.ts';
import { type ErrorCode, VigieError } from '../errors.ts';
import { LifecycleError } from '../incidents/service.ts';
import type { IngestResult } from '../ingest/alert.ts';
import { parseAlertmanager } from '../ingest/alertmanager.ts';
import { parseGenericWebhook } from '../ingest/generic.ts';
import { parseJsonBody } from '../ingest/json-body.ts';
import type { IncidentStatus, TokenRecord } from '../store/incidents.ts';
import { allows, authenticate, type Role } from './tokens.ts';

/** Readiness is what `/readyz` reports. */
export interface Readiness {
  readonly ready: boolean;
  readonly details: Readonly<Record<string, unknown>>;
}

/** ApiOptions are what the API serves. */
export interface ApiOptions {
  readonly pipeline: Pipeline;
  readonly readiness: () => Readiness;
  /** Largest accepted body, in bytes; 1 MiB when absent. */
  readonly bodyLimit?: number;
  /** Structured log line writer. */
  readonly log?: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
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

function fail(reply: FastifyReply, code: ErrorCode, message: string, fix: string): FastifyReply {
  return reply.code(STATUS_OF[code] ?? 500).send({ error: { code, message, fix } });
}

declare module 'fastify' {
  interface FastifyRequest {
    token?: TokenRecord;
  }
}

/** buildApi assembles the API; the caller listens. */
export function buildApi(options: ApiOptions): FastifyInstance {
  const { pipeline } = options;
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;
  const app = Fastify({ logger: false, bodyLimit: bodyLimit + 1 });
  // Bodies are read as text and parsed here, so a broken body gets a message that says where it breaks.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: bodyLimit + 1 }, (_request, body, done) =>
    done(null, body),
  );

  const guard =
    (role: Role) =>
    async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
      const header = request.headers.authorization ?? '';
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) {
        return fail(
          reply,
          'API_UNAUTHENTICATED',
          'this route needs a token',
          'send "Authorization: Bearer <token>"; create one with vigie token create --role responder',
        );
      }
      const token = authenticate(pipeline.store, match[1]!);
      if (!token) {
        return fail(
          reply,
          'API_UNAUTHENTICATED',
          'the token is unknown or revoked',
          'create a token with vigie token create, and send it whole',
        );
      }
      if (!allows(token.role, role)) {
        return fail(
          reply,
          'API_FORBIDDEN',
          `a ${token.role} token may not do this; it needs ${role}`,
          `use a token created with --role ${role}`,
        );
      }
      request.token = token;
      return undefined;
    };

  const body = (
    request: FastifyRequest,
    reply: FastifyReply,
  ): { ok: true; value: unknown } | { ok: false } => {
    const raw = request.body instanceof Buffer ? request.body : Buffer.alloc(0);
    const parsed = parseJsonBody(raw, bodyLimit);
    if (parsed.ok) return { ok: true, value: parsed.value };
    fail(
      reply,
      parsed.problem === 'too_large' ? 'API_TOO_LARGE' : 'API_BAD_REQUEST',
      parsed.errors.map((error) => error.message).join('; '),
      parsed.problem === 'too_large'
        ? `send at most ${bodyLimit} bytes per request (Alertmanager: lower max_alerts)`
        : 'send a JSON document with Content-Type: application/json',
    );
    return { ok: false };
  };

  const ingest =
    (parse: (value: unknown) => IngestResult) => async (request: FastifyRequest, reply: FastifyReply) => {
      const read = body(request, reply);
      if (!read.ok) return reply;
      const result = parse(read.value);
      if (!result.ok) {
        return fail(
          reply,
          'API_BAD_REQUEST',
          result.errors.map((error) => `${error.path || '(body)'}: ${error.message}`).join('; '),
          'fix the fields named, then send the whole payload again; nothing from this request was stored',
        );
      }
      const summary = pipeline.ingest(result.batch);
      options.log?.('info', 'alerts ingested', { token: request.token?.name, ...summary });
      if (summary.truncatedAlerts > 0) {
        // The sender dropped alerts from this group; they reach Vigie only when the group changes.
        options.log?.('warn', 'the sender truncated alerts', {
          truncated_alerts: summary.truncatedAlerts,
          fix: 'raise max_alerts on the Alertmanager receiver, or split the group',
        });
      }
      return reply.send(summary);
    };

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const { ready, details } = options.readiness();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', ...details });
  });

  app.post('/api/v1/alerts/alertmanager', { preHandler: guard('responder') }, ingest(parseAlertmanager));
  app.post(
    '/api/v1/alerts',
    { preHandler: guard('responder') },
    ingest((value) => parseGenericWebhook(value)),
  );

  app.get('/api/v1/incidents', { preHandler: guard('viewer') }, async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const status = (query.status ?? '')
      .split(',')
      .map((word) => word.trim())
      .filter(Boolean);
    const unknown = status.filter(
      (word) => !['triggered', 'acknowledged', 'resolved', 'open'].includes(word),
    );
    if (unknown.length > 0) {
      return fail(
        reply,
        'API_BAD_REQUEST',
        `unknown status ${unknown.join(', ')}`,
        'use triggered, acknowledged, resolved or open',
      );
    }
    const statuses = status.flatMap((word): IncidentStatus[] =>
      word === 'open' ? ['triggered', 'acknowledged'] : [word as IncidentStatus],
    );
    const limit = query.limit === undefined ? 50 : Number(query.limit);
    const before = query.before === undefined ? undefined : Number(query.before);
    if (
      !Number.isInteger(limit) ||
      limit < 1 ||
      limit > 500 ||
      (before !== undefined && !Number.isInteger(before))
    ) {
      return fail(
        reply,
        'API_BAD_REQUEST',
        'limit must be 1–500 and before an incident number',
        'e.g. ?limit=50&before=120',
      );
    }
    const incidents = pipeline.store.incidents({
      status: statuses,
      limit,
      ...(before === undefined ? {} : { before }),
    });
    return { incidents, next: incidents.length === limit ? incidents.at(-1)?.seq : undefined };
  });

  app.get('/api/v1/incidents/:id', { preHandler: guard('viewer') }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const incident = pipeline.store.incident(id);
    if (!incident)
      return fail(reply, 'API_NOT_FOUND', `no incident ${id}`, 'list incidents with GET /api/v1/incidents');
    return {
      incident,
      alerts: pipeline.store.alertsOf(incident.id),
      timeline: pipeline.store.timeline(incident.id),
      timers: pipeline.store.pendingTimers(incident.id),
    };
  });

  const act =
    (run: (id: string, actor: string, input: Record<string, unknown>) => unknown) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const { id } = request.params as { id: string };
      let input: Record<string, unknown> = {};
      if (request.body instanceof Buffer && request.body.length > 0) {
        const read = body(request, reply);
        if (!read.ok) return reply;
        if (typeof read.value !== 'object' || read.value === null || Array.isArray(read.value)) {
          return fail(reply, 'API_BAD_REQUEST', 'the body must be a JSON object', 'send {} or omit the body');
        }
        input = read.value as Record<string, unknown>;
      }
      try {
        return reply.send(run(id, request.token?.name ?? 'api', input));
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

  app.post(
    '/api/v1/incidents/:id/acknowledge',
    { preHandler: guard('responder') },
    act((id, actor) => ({ incident: pipeline.service.acknowledge(id, actor) })),
  );
  app.post(
    '/api/v1/incidents/:id/resolve',
    { preHandler: guard('responder') },
    act((id, actor, input) => ({
      incident: pipeline.service.resolve(id, actor, typeof input.note === 'string' ? input.note : undefined),
    })),
  );
  app.post(
    '/api/v1/incidents/:id/comments',
    { preHandler: guard('responder') },
    act((id, actor, input) => {
      if (typeof input.text !== 'string' || input.text.trim() === '') {
        throw new VigieError('API_BAD_REQUEST', 'a comment needs a non-empty "text"', 'send {"text": "…"}');
      }
      return { entry: pipeline.service.comment(id, actor, input.text) };
    }),
  );

  app.get('/api/v1/silences', { preHandler: guard('viewer') }, async () => ({
    silences: pipeline.store.silences(),
  }));
  app.post('/api/v1/silences', { preHandler: guard('responder') }, async (request, reply) => {
    const read = body(request, reply);
    if (!read.ok) return reply;
    const result = pipeline.addSilence(read.value, request.token?.name ?? 'api');
    if (!result.ok) {
      return fail(
        reply,
        'API_BAD_REQUEST',
        result.errors.join('; '),
        'send {"matchers": ["service=api"], "ends_at": "…", "comment": "…"}',
      );
    }
    return reply.code(201).send({ silence: result.silence });
  });
  app.delete('/api/v1/silences/:id', { preHandler: guard('responder') }, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!pipeline.expireSilence(id))
      return fail(
        reply,
        'API_NOT_FOUND',
        `no active silence ${id}`,
        'list silences with GET /api/v1/silences',
      );
    return reply.code(204).send();
  });

  app.get('/api/v1/windows', { preHandler: guard('viewer') }, async () => ({
    windows: pipeline.store.windows(),
  }));
  app.post('/api/v1/windows', { preHandler: guard('responder') }, async (request, reply) => {
    const read = body(request, reply);
    if (!read.ok) return reply;
    const result = pipeline.addWindow(read.value, request.token?.name ?? 'api');
    if (!result.ok) {
      return fail(
        reply,
        'API_BAD_REQUEST',
        result.errors.join('; '),
        'send {"title": "…", "starts_at": "…", "ends_at": "…", "matchers": ["service=api"]}',
      );
    }
    return reply.code(201).send({ window: result.window });
  });

  app.get('/api/v1/outbox', { preHandler: guard('viewer') }, async (request) => {
    const { status } = request.query as { status?: string };
    const chosen = status === 'pending' || status === 'sent' || status === 'dead' ? status : undefined;
    return {
      counts: pipeline.store.outboxCounts(),
      rows: pipeline.store.outbox({ ...(chosen ? { status: chosen } : {}), limit: 200 }).map((row) => ({
        ...row,
        payload: undefined,
      })),
    };
  });

  app.setNotFoundHandler((request, reply) =>
    fail(
      reply,
      'API_NOT_FOUND',
      `no route ${request.method} ${request.url.split('?')[0]}`,
      'see the API routes in the README',
    ),
  );
  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, _request, reply) => {
    if (error.statusCode === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return fail(
        reply,
        'API_TOO_LARGE',
        `the body is larger than ${bodyLimit} bytes`,
        'send a smaller body',
      );
    }
    if (error.statusCode !== undefined && error.statusCode < 500) {
      return fail(reply, 'API_BAD_REQUEST', error.message, 'fix the request');
    }
    options.log?.('error', 'request failed', { error: error.message });
    return reply
      .code(500)
      .send({ error: { code: 'INTERNAL', message: 'Vigie failed to answer', fix: 'see its log' } });
  });
  return app;
}
