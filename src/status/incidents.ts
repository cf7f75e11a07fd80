/**
 * Incidents as the public sees them: only those that touch a status-page component, titled by the
 * components they affect, with updates worded for customers. What responders wrote for each other
 * (alert summaries, diagnosis output, scenario titles, private comments) never leaves this file; a
 * comment reaches the page only when it starts with `public:`.
 */
import type { Severity } from '../runbook/schema.ts';
import type { AlertRecord, Incident, IncidentStore, TimelineEntry } from '../store/incidents.ts';

/** PublicComponent is a status-page component: its id, public name and the checks behind it. */
export interface PublicComponent {
  readonly id: string;
  readonly name: string;
  readonly checks: readonly string[];
}

/** PublicPhase is where an incident stands, in the words status pages use. */
export type PublicPhase = 'investigating' | 'identified' | 'monitoring' | 'resolved';

/** PublicUpdate is one dated line of an incident's public history. */
export interface PublicUpdate {
  readonly at: number;
  readonly text: string;
}

/** PublicIncident is an incident as the status page shows it. */
export interface PublicIncident {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly status: PublicPhase;
  readonly openedAt: number;
  readonly resolvedAt?: number;
  /** Oldest first. */
  readonly updates: readonly PublicUpdate[];
}

/** RECENT_MS is how long a resolved incident stays on the page: 7 days. */
export const RECENT_MS = 7 * 86_400_000;
/** PUBLIC_PREFIX marks a comment written for the status page; it is stripped before showing. */
export const PUBLIC_PREFIX = 'public:';

// The store pages incidents newest first by opening; an incident resolved this week but opened more
// than 30 days before that is not looked for, so a public request never walks the whole history.
const RESOLVED_LOOKBACK_MS = 30 * 86_400_000;
const PAGE = 200;
const MAX_SCANNED = 2000;

/**
 * touchedComponents gives the components an incident affects: those owning the `check` label of the
 * incident or of one of its alerts, or named (by id) in a `component` label; empty for an internal-only
 * incident.
 */
export function touchedComponents(
  incident: Incident,
  alerts: readonly AlertRecord[],
  components: readonly PublicComponent[],
): PublicComponent[] {
  const checks = new Set<string>();
  const named = new Set<string>();
  for (const labels of [incident.labels, ...alerts.map((alert) => alert.labels)]) {
    if (labels.check) checks.add(labels.check);
    if (labels.component) named.add(labels.component);
  }
  return components.filter(
    (component) => named.has(component.id) || component.checks.some((check) => checks.has(check)),
  );
}

/** publicTitle names an incident by what it affects and how badly, never by its internal title. */
export function publicTitle(severity: Severity, components: readonly PublicComponent[]): string {
  const what =
    severity === 'SEV1' ? 'Major outage' : severity === 'SEV2' ? 'Partial outage' : 'Degraded service';
  return `${what} affecting ${listNames(components)}`;
}

/**
 * publicUpdates words an incident's history for customers: opening and reopening read "Investigating",
 * an acknowledgement "Identified", all alerts cleared before resolution "Monitoring", resolution
 * "Resolved", and `public:` comments are shown without their prefix (through `mask`). Oldest first.
 */
export function publicUpdates(
  incident: Incident,
  timeline: readonly TimelineEntry[],
  alerts: readonly AlertRecord[],
  components: readonly PublicComponent[],
  mask: (text: string) => string,
): PublicUpdate[] {
  const names = listNames(components);
  const updates: PublicUpdate[] = [];
  for (const entry of timeline) {
    const text = publicText(entry, names);
    if (text !== undefined) updates.push({ at: entry.at, text: text === '' ? text : mask(text) });
  }
  if (!timeline.some((entry) => entry.kind === 'opened')) {
    updates.push({ at: incident.openedAt, text: investigating(names) });
  }
  const cleared = monitoringSince(incident, alerts);
  if (cleared !== undefined) {
    updates.push({
      at: cleared,
      text: 'Monitoring — The service has recovered; we are monitoring the results.',
    });
  }
  return updates.filter((update) => update.text !== '').sort((a, b) => a.at - b.at);
}

/** publicPhase says where an incident stands for the public. */
export function publicPhase(incident: Incident, alerts: readonly AlertRecord[]): PublicPhase {
  if (incident.status === 'resolved') return 'resolved';
  if (monitoringSince(incident, alerts) !== undefined) return 'monitoring';
  return incident.status === 'acknowledged' ? 'identified' : 'investigating';
}

/**
 * publicIncidents lists the incidents the status page shows at `now`: open ones and those resolved in
 * the last 7 days, that touch a component; open ones first, then by latest change, newest first.
 */
export function publicIncidents(
  store: IncidentStore,
  components: readonly PublicComponent[],
  now: number,
  mask: (text: string) => string,
): PublicIncident[] {
  if (components.length === 0) return [];
  const candidates = [
    ...scan(store, ['triggered', 'acknowledged'], () => true),
    ...scan(
      store,
      ['resolved'],
      (incident) => incident.openedAt >= now - RECENT_MS - RESOLVED_LOOKBACK_MS,
    ).filter((incident) => incident.resolvedAt !== undefined && incident.resolvedAt >= now - RECENT_MS),
  ];
  const shown: PublicIncident[] = [];
  for (const incident of candidates) {
    const alerts = store.alertsOf(incident.id);
    const touched = touchedComponents(incident, alerts, components);
    if (touched.length === 0) continue;
    shown.push({
      id: incident.id,
      title: publicTitle(incident.severity, touched),
      severity: incident.severity,
      status: publicPhase(incident, alerts),
      openedAt: incident.openedAt,
      ...(incident.resolvedAt === undefined || incident.status !== 'resolved'
        ? {}
        : { resolvedAt: incident.resolvedAt }),
      updates: publicUpdates(incident, store.timeline(incident.id), alerts, touched, mask),
    });
  }
  const latest = (incident: PublicIncident) => incident.updates.at(-1)?.at ?? incident.openedAt;
  return shown.sort(
    (a, b) =>
      Number(a.status === 'resolved') - Number(b.status === 'resolved') ||
      latest(b) - latest(a) ||
      b.openedAt - a.openedAt,
  );
}

function scan(
  store: IncidentStore,
  status: readonly Incident['status'][],
  keepGoing: (incident: Incident) => boolean,
): Incident[] {
  const found: Incident[] = [];
  let before: number | undefined;
  while (found.length < MAX_SCANNED) {
    const page = store.incidents({ status, limit: PAGE, ...(before === undefined ? {} : { before }) });
    for (const incident of page) {
      if (!keepGoing(incident)) return found;
      found.push(incident);
    }
    if (page.length < PAGE) break;
    before = page.at(-1)?.seq;
  }
  return found;
}

function publicText(entry: TimelineEntry, names: string): string | undefined {
  switch (entry.kind) {
    case 'opened':
      return investigating(names);
    case 'reopened':
      return `Investigating — The problem affecting ${names} has come back; we are investigating.`;
    case 'acknowledged':
      return 'Identified — Our team is working on the problem.';
    case 'resolved':
      return 'Resolved — This incident has been resolved.';
    case 'comment': {
      const text = entry.text.trimStart();
      if (text.slice(0, PUBLIC_PREFIX.length).toLowerCase() !== PUBLIC_PREFIX) return undefined;
      return text.slice(PUBLIC_PREFIX.length).trim();
    }
    default:
      return undefined;
  }
}

function investigating(names: string): string {
  return `Investigating — We are investigating a problem affecting ${names}.`;
}

// An incident whose alerts have all cleared is recovering until someone resolves it; when the last
// alert clearing resolved it at once (auto-resolve), there was no such moment.
function monitoringSince(incident: Incident, alerts: readonly AlertRecord[]): number | undefined {
  if (alerts.length === 0 || alerts.some((alert) => alert.status === 'firing')) return undefined;
  const cleared = Math.max(...alerts.map((alert) => alert.resolvedAt ?? alert.updatedAt));
  if (incident.status === 'resolved' && !(cleared < (incident.resolvedAt ?? cleared))) return undefined;
  return cleared;
}

function listNames(components: readonly PublicComponent[]): string {
  const names = components.map((component) => component.name);
  if (names.length <= 1) return names[0] ?? 'our services';
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
