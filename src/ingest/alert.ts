/**
 * Alerts that other systems send to Vigie (Alertmanager, any JSON webhook), read into one shape
 * whatever their source, so incidents never look at a vendor's payload.
 */
import type { MatchSignal } from '../incidents/match.ts';
import type { Severity } from '../runbook/schema.ts';
import { normaliseSeverity } from '../runbook/severity.ts';

/** IngestSource names the system an alert came from; the store keys alerts on `<source>:<fingerprint>`. */
export type IngestSource = 'alertmanager' | 'webhook' | 'maintenance';

/** IncomingAlert is one alert from another system, already validated and normalised. */
export interface IncomingAlert {
  readonly source: IngestSource;
  /** The dedup key: the same trouble keeps the same fingerprint from firing to resolved. */
  readonly fingerprint: string;
  readonly status: 'firing' | 'resolved';
  /** The `alertname` label, or the name the sender gave. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Epoch milliseconds. */
  readonly startsAt: number;
  /** Epoch milliseconds; absent while the sender does not know when the trouble ends. */
  readonly endsAt?: number;
  readonly severity?: Severity;
  /** A scenario id the sender named (a label, or the runbook URL's fragment or last segment). */
  readonly scenario?: string;
  readonly summary?: string;
  /** Where the sender shows the alert (Alertmanager's generatorURL). */
  readonly url?: string;
}

/** IngestBatch is what one webhook call delivered: at most one alert per fingerprint. */
export interface IngestBatch {
  readonly alerts: IncomingAlert[];
  /** Alerts the sender left out of this call (Alertmanager's `max_alerts`). */
  readonly truncatedAlerts: number;
  readonly groupKey?: string;
  readonly receiver?: string;
}

/** IngestError is one thing wrong with a payload, at a JSON path such as `alerts[2].fingerprint`. */
export interface IngestError {
  /** The JSON path; empty for the body as a whole. */
  readonly path: string;
  readonly message: string;
}

/** IngestResult is a parsed batch, or every error found in the payload. */
export type IngestResult = { ok: true; batch: IngestBatch } | { ok: false; errors: IngestError[] };

// Prometheus rules conventionally say critical / warning / info; "warning" is not in the runbook
// lexicons, and an Alertmanager payload must not lose its severity for want of it.
const PROMETHEUS_WORDS: Readonly<Record<string, Severity>> = {
  warning: 'SEV3',
  warn: 'SEV3',
  error: 'SEV2',
};

/** severityOf reads a severity from any alias (P0, critical, SEV2, high, warning), or undefined. */
export function severityOf(text: string | undefined): Severity | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  return normaliseSeverity(text)?.id ?? PROMETHEUS_WORDS[text.trim().toLowerCase()];
}

/** labelSeverity reads the severity from `labels.severity`, else `labels.priority`; unknown words give undefined. */
export function labelSeverity(labels: Readonly<Record<string, string>>): Severity | undefined {
  return severityOf(labels.severity) ?? severityOf(labels.priority);
}

const DOC_EXTENSION = /\.(?:md|markdown|html?|txt)$/i;

/** scenarioFromRunbookUrl reads a scenario id from a runbook link: its fragment, else its last path segment. */
export function scenarioFromRunbookUrl(link: string | undefined): string | undefined {
  if (link === undefined || link.trim() === '') return undefined;
  const text = link.trim();
  const hash = text.indexOf('#');
  const fragment = hash >= 0 ? text.slice(hash + 1) : '';
  if (fragment !== '') return decode(fragment);
  // Query strings are not part of a page's name; relative links ("runbooks/db-down.md") count too.
  const path = (hash >= 0 ? text.slice(0, hash) : text).replace(/[?].*$/, '');
  const withoutOrigin = path.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  const segment = withoutOrigin
    .split('/')
    .filter((part) => part !== '')
    .pop();
  if (segment === undefined) return undefined;
  const name = decode(segment).replace(DOC_EXTENSION, '');
  return name === '' ? undefined : name;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** scenarioOf reads the scenario an alert names: `labels.scenario`, else its `annotations.runbook_url`. */
export function scenarioOf(
  labels: Readonly<Record<string, string>>,
  annotations: Readonly<Record<string, string>>,
): string | undefined {
  const label = labels.scenario?.trim();
  return label ? label : scenarioFromRunbookUrl(annotations.runbook_url);
}

/** summaryOf reads the one-line text of an alert: `annotations.summary`, else `annotations.description`. */
export function summaryOf(annotations: Readonly<Record<string, string>>): string | undefined {
  return annotations.summary || annotations.description || undefined;
}

/** dedupeByFingerprint keeps one alert per fingerprint, the later one, in first-seen order. */
export function dedupeByFingerprint(alerts: readonly IncomingAlert[]): IncomingAlert[] {
  const byFingerprint = new Map<string, IncomingAlert>();
  for (const alert of alerts) byFingerprint.set(alert.fingerprint, alert);
  return [...byFingerprint.values()];
}

/** alertSignal is what scenario matching reads from an alert from another system, incoming or stored. */
export function alertSignal(
  alert: Pick<IncomingAlert, 'name' | 'labels' | 'summary' | 'scenario'>,
): MatchSignal {
  return {
    name: alert.name,
    labels: alert.labels,
    ...(alert.summary !== undefined ? { text: alert.summary } : {}),
    ...(alert.scenario !== undefined ? { scenario: alert.scenario } : {}),
  };
}
