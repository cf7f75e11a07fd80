/**
 * Prometheus Alertmanager's webhook (`webhook_configs`), payload version "4": the schema of what
 * Alertmanager sends, and its reading into IncomingAlerts.
 */
import { z } from 'zod';
import {
  dedupeByFingerprint,
  type IncomingAlert,
  type IngestResult,
  labelSeverity,
  scenarioOf,
  summaryOf,
} from './alert.ts';
import { describeValue, zodErrors } from './issues.ts';

/** ALERTMANAGER_VERSIONS lists the webhook payload versions Vigie reads. */
export const ALERTMANAGER_VERSIONS = ['4'] as const;

// Go writes an unset time.Time as year 1; Alertmanager sends it as `endsAt` of every firing alert.
const GO_ZERO_TIME = Date.parse('0001-01-01T00:00:00Z');

const Time = z
  .string()
  .refine((text) => !Number.isNaN(Date.parse(text)), { message: 'not an RFC 3339 time' })
  .describe('An RFC 3339 time; "0001-01-01T00:00:00Z" means unset.');

const Strings = z.record(z.string(), z.string());

/** AlertmanagerAlert is one alert of a webhook payload. */
export const AlertmanagerAlert = z.object({
  status: z.enum(['firing', 'resolved']).describe('Whether the alert is still firing.'),
  labels: Strings.describe('Identifying labels; `alertname` names the alert.'),
  annotations: Strings.nullish().describe('Descriptive annotations: summary, description, runbook_url.'),
  startsAt: Time.describe('When the alert started firing.'),
  endsAt: Time.nullish().describe('When the alert resolved; the zero time while it fires.'),
  generatorURL: z.string().nullish().describe('Link to the rule that fired, in Prometheus.'),
  fingerprint: z.string().min(1).describe("Alertmanager's stable hash of the labels: the dedup key."),
});
export type AlertmanagerAlert = z.infer<typeof AlertmanagerAlert>;

/** AlertmanagerPayload is the body Alertmanager posts to a webhook receiver (version "4"). */
export const AlertmanagerPayload = z.object({
  version: z.literal('4').describe('Payload version; Vigie reads "4".'),
  groupKey: z.string().nullish().describe('Identifies the group the notification is for.'),
  truncatedAlerts: z
    .number()
    .int()
    .nonnegative()
    .nullish()
    .describe('How many alerts `max_alerts` left out of this payload.'),
  status: z.enum(['firing', 'resolved']).describe('firing when at least one alert of the group fires.'),
  receiver: z.string().nullish().describe('The receiver that sent the payload.'),
  groupLabels: Strings.nullish().describe('Labels the group is keyed on.'),
  commonLabels: Strings.nullish().describe('Labels every alert of the payload has.'),
  commonAnnotations: Strings.nullish().describe('Annotations every alert of the payload has.'),
  externalURL: z.string().nullish().describe("Alertmanager's own URL."),
  alerts: z.array(AlertmanagerAlert).describe('The alerts of the group.'),
});
export type AlertmanagerPayload = z.infer<typeof AlertmanagerPayload>;

function time(text: string | null | undefined): number | undefined {
  if (text === null || text === undefined) return undefined;
  const ms = Date.parse(text);
  return ms === GO_ZERO_TIME || Number.isNaN(ms) ? undefined : ms;
}

function toIncoming(alert: AlertmanagerAlert): IncomingAlert {
  const annotations = alert.annotations ?? {};
  const endsAt = time(alert.endsAt);
  const severity = labelSeverity(alert.labels);
  const scenario = scenarioOf(alert.labels, annotations);
  const summary = summaryOf(annotations);
  return {
    source: 'alertmanager',
    fingerprint: alert.fingerprint,
    status: alert.status,
    // Alertmanager accepts alerts without `alertname`; the fingerprint still names them uniquely.
    name: alert.labels.alertname || alert.fingerprint,
    labels: alert.labels,
    annotations,
    startsAt: time(alert.startsAt) ?? 0,
    ...(endsAt !== undefined ? { endsAt } : {}),
    ...(severity !== undefined ? { severity } : {}),
    ...(scenario !== undefined ? { scenario } : {}),
    ...(summary !== undefined ? { summary } : {}),
    ...(alert.generatorURL ? { url: alert.generatorURL } : {}),
  };
}

/** parseAlertmanager reads an Alertmanager webhook body, or says what is wrong with it and where. */
export function parseAlertmanager(body: unknown): IngestResult {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return {
      ok: false,
      errors: [
        {
          path: '',
          message: `expected an Alertmanager webhook payload (an object), got ${describeValue(body)}`,
        },
      ],
    };
  }
  // The version decides the shape of everything else, so a wrong one is the only error worth saying.
  const version = (body as { version?: unknown }).version;
  if (!(ALERTMANAGER_VERSIONS as readonly unknown[]).includes(version)) {
    const accepted = ALERTMANAGER_VERSIONS.map((v) => `'${v}'`).join(', ');
    const seen = version === undefined ? 'missing' : `${describeValue(version)} is not accepted`;
    return {
      ok: false,
      errors: [{ path: 'version', message: `${seen}; Vigie reads Alertmanager webhook version ${accepted}` }],
    };
  }
  const parsed = AlertmanagerPayload.safeParse(body);
  if (!parsed.success) return { ok: false, errors: zodErrors(parsed.error, body) };
  const payload = parsed.data;
  return {
    ok: true,
    batch: {
      alerts: dedupeByFingerprint(payload.alerts.map(toIncoming)),
      truncatedAlerts: payload.truncatedAlerts ?? 0,
      ...(payload.groupKey ? { groupKey: payload.groupKey } : {}),
      ...(payload.receiver ? { receiver: payload.receiver } : {}),
    },
  };
}
