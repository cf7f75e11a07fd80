/**
 * The generic JSON webhook: any system (a cron job, Grafana, a script with curl) posts
 * `{ "alerts": [ { "name": "…" } ] }` or one alert object, with as little as a name.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  dedupeByFingerprint,
  type IncomingAlert,
  type IngestError,
  type IngestResult,
  labelSeverity,
  scenarioFromRunbookUrl,
  severityOf,
  summaryOf,
} from './alert.ts';
import { describeValue, zodErrors } from './issues.ts';

// Below this an epoch number is surely seconds (it would be January 1973 in milliseconds).
const SMALLEST_EPOCH_MS = 100_000_000_000;

const Timestamp = z
  .unknown()
  .superRefine((value, ctx) => {
    if (typeof value === 'number') {
      if (!Number.isFinite(value) || value < 0) ctx.addIssue({ code: 'custom', message: 'not a time' });
      else if (value < SMALLEST_EPOCH_MS)
        ctx.addIssue({
          code: 'custom',
          message: `${value} looks like epoch seconds; send epoch milliseconds or an ISO 8601 string`,
        });
    } else if (typeof value === 'string') {
      if (Number.isNaN(Date.parse(value)))
        ctx.addIssue({ code: 'custom', message: `'${value}' is not an ISO 8601 time` });
    } else {
      ctx.addIssue({
        code: 'custom',
        message: `expected an ISO 8601 string or epoch milliseconds, got ${describeValue(value)}`,
      });
    }
  })
  .optional()
  .describe('An ISO 8601 string or epoch milliseconds.');

// Senders build labels from whatever they have; a port or a count as a number is still a label.
const Scalars = z
  .record(
    z.string(),
    z.unknown().superRefine((value, ctx) => {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
        ctx.addIssue({ code: 'custom', message: `expected a string, got ${describeValue(value)}` });
    }),
  )
  .optional();

/** GenericAlert is one alert of the generic webhook. */
export const GenericAlert = z.object({
  name: z
    .string()
    .refine((text) => text.trim() !== '', { message: 'must not be empty' })
    .describe('What is wrong, in a few words or as an id ("api-down"); required.'),
  status: z.enum(['firing', 'resolved']).optional().describe('firing (the default) or resolved.'),
  key: z
    .string()
    .refine((text) => text.trim() !== '', { message: 'must not be empty' })
    .optional()
    .describe('The dedup key: the same trouble keeps the same key; defaults to a hash of name and labels.'),
  severity: z
    .string()
    .refine((text) => severityOf(text) !== undefined, {
      message: 'not a severity Vigie knows; use SEV1..SEV4, P0..P3 or critical, high, medium, low',
    })
    .optional()
    .describe('Any alias: SEV2, P0, critical, high, warning.'),
  labels: Scalars.describe('Identifying labels; part of the default key.'),
  annotations: Scalars.describe('Descriptive text: summary, description, runbook_url.'),
  summary: z.string().optional().describe('One line saying what is wrong.'),
  scenario: z.string().optional().describe('The runbook scenario this alert belongs to.'),
  startsAt: Timestamp.describe('When the trouble started; defaults to when Vigie received it.'),
  endsAt: Timestamp.describe('When the trouble ended, for a resolved alert.'),
  url: z.string().optional().describe('Where the sending system shows the alert.'),
});
export type GenericAlert = z.infer<typeof GenericAlert>;

/** GenericBatch is the generic webhook's list form. */
export const GenericBatch = z.object({
  alerts: z.array(GenericAlert).describe('The alerts, each with at least a name.'),
});

/** defaultKey is the stable dedup key of an alert without one: a hash of its name and sorted labels. */
export function defaultKey(name: string, labels: Readonly<Record<string, string>>): string {
  const sorted = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256')
    .update(JSON.stringify([name, sorted]))
    .digest('hex')
    .slice(0, 16);
}

function strings(record: Record<string, unknown> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(record ?? {}).map(([key, value]) => [key, String(value)]));
}

function time(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Date.parse(value);
  return undefined;
}

function toIncoming(alert: GenericAlert, now: number): IncomingAlert {
  const labels = strings(alert.labels);
  const annotations = strings(alert.annotations);
  const name = alert.name.trim();
  const severity = severityOf(alert.severity) ?? labelSeverity(labels);
  const scenario =
    alert.scenario?.trim() || labels.scenario?.trim() || scenarioFromRunbookUrl(annotations.runbook_url);
  const summary = alert.summary ?? summaryOf(annotations);
  const endsAt = time(alert.endsAt);
  return {
    source: 'webhook',
    fingerprint: alert.key?.trim() ?? defaultKey(name, labels),
    status: alert.status ?? 'firing',
    name,
    labels,
    annotations,
    startsAt: time(alert.startsAt) ?? now,
    ...(endsAt !== undefined ? { endsAt } : {}),
    ...(severity !== undefined ? { severity } : {}),
    ...(scenario ? { scenario } : {}),
    ...(summary !== undefined ? { summary } : {}),
    ...(alert.url ? { url: alert.url } : {}),
  };
}

function looksLikeAlertmanager(body: object): boolean {
  return 'version' in body && 'receiver' in body && 'groupKey' in body;
}

/** parseGenericWebhook reads `{ alerts: [...] }` or one alert object; `now` stands for a missing startsAt. */
export function parseGenericWebhook(body: unknown, now: number = Date.now()): IngestResult {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return {
      ok: false,
      errors: [
        {
          path: '',
          message: `expected an alert object or { "alerts": [...] }, got ${describeValue(body)}`,
        },
      ],
    };
  }
  const list = 'alerts' in body;
  const parsed = list ? GenericBatch.safeParse(body) : GenericAlert.safeParse(body);
  if (!parsed.success) {
    const errors: IngestError[] = zodErrors(parsed.error, body);
    if (looksLikeAlertmanager(body))
      errors.unshift({
        path: '',
        message: "this looks like an Alertmanager payload; send it to Vigie's Alertmanager endpoint instead",
      });
    return { ok: false, errors };
  }
  const alerts = 'alerts' in parsed.data ? parsed.data.alerts : [parsed.data];
  return {
    ok: true,
    batch: { alerts: dedupeByFingerprint(alerts.map((alert) => toIncoming(alert, now))), truncatedAlerts: 0 },
  };
}
