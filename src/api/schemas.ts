/**
 * The API's request and response shapes as zod schemas: routes validate with them, answers are
 * serialised through them, and the OpenAPI document at /openapi.json is generated from them.
 */
import { z } from 'zod';
import { SEVERITIES } from '../runbook/schema.ts';
import { TIMELINE_KINDS } from '../store/incidents.ts';
import { ROLES } from './tokens.ts';

const Millis = z.number().describe('Epoch milliseconds.');
const Labels = z.record(z.string(), z.string());

/** ErrorBody is every error answer. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().describe('Stable error code from the catalogue (API_NOT_FOUND, API_CSRF, …).'),
      message: z.string().describe('What is wrong.'),
      fix: z.string().describe('How to fix the request.'),
    }),
  })
  .describe('An error.');

/** SECURITY says a route takes a bearer token or a browser session. */
export const SECURITY: Record<string, string[]>[] = [{ bearer: [] }, { session: [] }];

/** errorAnswers documents the error statuses a route may answer, all with the one error body. */
export function errorAnswers<S extends number>(...statuses: S[]): Record<S, typeof ErrorBody> {
  return Object.fromEntries(statuses.map((status) => [status, ErrorBody])) as Record<S, typeof ErrorBody>;
}

/** IncidentView is an incident. */
export const IncidentView = z
  .object({
    id: z.string().describe('INC-<seq>'),
    seq: z.number().int(),
    dedupKey: z.string(),
    title: z.string(),
    severity: z.enum(SEVERITIES),
    scenario: z.string().optional(),
    status: z.enum(['triggered', 'acknowledged', 'resolved']),
    policy: z.string().optional(),
    labels: Labels,
    openedAt: Millis,
    acknowledgedAt: Millis.optional(),
    acknowledgedBy: z.string().optional(),
    resolvedAt: Millis.optional(),
    resolvedBy: z.string().optional(),
    updatedAt: Millis,
  })
  .describe('An incident.');

/** TimelineView is one timeline entry. */
export const TimelineView = z
  .object({
    id: z.number().int(),
    incidentId: z.string(),
    at: Millis,
    kind: z.enum(TIMELINE_KINDS),
    actor: z.string(),
    text: z.string(),
    data: z
      .unknown()
      .optional()
      .describe('For diagnosis entries: the step outcome (command, output, status).'),
  })
  .describe('An event of an incident.');

/** AlertView is an alert's last known state. */
export const AlertView = z
  .object({
    key: z.string(),
    source: z.enum(['rule', 'alertmanager', 'webhook', 'maintenance']),
    name: z.string(),
    status: z.enum(['firing', 'resolved']),
    labels: Labels,
    severity: z.enum(SEVERITIES).optional(),
    scenario: z.string().optional(),
    summary: z.string().optional(),
    incidentId: z.string().optional(),
    quiet: z.object({ kind: z.string(), id: z.string(), detail: z.string() }).optional(),
    state: z.unknown().optional(),
    startedAt: Millis,
    updatedAt: Millis,
    resolvedAt: Millis.optional(),
  })
  .describe('An alert.');

/** TimerView is a pending escalation timer. */
export const TimerView = z.object({
  id: z.number().int(),
  incidentId: z.string(),
  kind: z.enum(['escalate', 'ack-timeout']),
  dueAt: Millis,
  data: z.object({
    level: z.number().int().describe('Escalation level to page (0-based).'),
    cycle: z.number().int().describe('Pass through the policy (0-based).'),
    anchor: Millis.describe('When this escalation started.'),
    reason: z.enum(['triggered', 'reopened', 'ack-timeout']),
  }),
});

/** SilenceView is a silence. */
export const SilenceView = z.object({
  id: z.string(),
  matchers: z.array(z.string()).readonly(),
  startsAt: Millis,
  endsAt: Millis,
  createdBy: z.string(),
  comment: z.string(),
  createdAt: Millis,
  expiredAt: Millis.optional(),
});

/** WindowView is a one-off maintenance window. */
export const WindowView = z.object({
  id: z.string(),
  title: z.string(),
  matchers: z.array(z.string()).readonly(),
  startsAt: Millis,
  endsAt: Millis,
  createdBy: z.string(),
  createdAt: Millis,
  purpose: z
    .enum(['announced', 'deploy', 'maintenance'])
    .describe(
      "announced by a person (on the status page), or Vigie's own around a deploy or a maintenance run",
    ),
});

/** OutboxView is a notification in the outbox, without its payload. */
export const OutboxView = z.object({
  id: z.number().int(),
  key: z.string(),
  incidentId: z.string().optional(),
  channel: z.string(),
  recipient: z.string().optional(),
  status: z.enum(['pending', 'sent', 'dead']),
  attempts: z.number().int(),
  nextAt: Millis,
  lastError: z.string().optional(),
  createdAt: Millis,
  sentAt: Millis.optional(),
});

/** CheckStateView is a check with its latest run, uptime and latency sparkline. */
export const CheckStateView = z
  .object({
    id: z.string(),
    name: z.string().optional(),
    probe: z.string(),
    target: z.string().describe('Where the check looks, secrets masked.'),
    every: z.number().describe('Interval in ms.'),
    status: z.enum(['ok', 'failing', 'unknown']),
    latest: z
      .object({ at: Millis, ok: z.boolean(), latency: z.number(), error: z.string().optional() })
      .optional(),
    uptime24h: z.number().optional().describe('Share of runs that passed over 24 h (0–1).'),
    sparkline: z
      .array(z.number().nullable())
      .describe('Mean latency per minute over the last hour, oldest first.'),
  })
  .describe('A check and its state.');

/** RollupView is one roll-up bucket of a check's history. */
export const RollupView = z.object({
  bucket: Millis,
  count: z.number().int(),
  ok: z.number().int(),
  latencySum: z.number(),
  latencyMax: z.number(),
  histogram: z.array(z.number()).readonly(),
});

/** SessionView describes the signed-in browser session. */
export const SessionView = z.object({
  name: z.string(),
  role: z.enum(ROLES),
  csrf: z.string().describe('Send it back in the x-csrf-token header of every change.'),
});

/** IngestSummaryView says what a batch of alerts did. */
export const IngestSummaryView = z.object({
  received: z.number().int(),
  firing: z.number().int(),
  resolved: z.number().int(),
  quiet: z.number().int(),
  incidents: z.array(z.string()),
  truncatedAlerts: z.number().int(),
});

/** IdParams is a route's `:id`. */
export const IdParams = z.object({ id: z.string().min(1).max(200) });
