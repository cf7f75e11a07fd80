/**
 * The public status page model (`GET /api/v1/status` and `/status`): built from the runbook's
 * `status_page`, the latest observations, the hour roll-ups of the last 90 days, the incident store
 * and the maintenance windows. It carries names, states, uptime shares and public wording only:
 * never a check target, an alert summary, diagnosis output or a secret.
 */
import { type MaintenanceWindow, parseMatchers } from '../quiet/index.ts';
import type { Labels } from '../quiet/matchers.ts';
import { activeWindows, covers, isRecurring, upcoming, windowsFromMaintenance } from '../quiet/window.ts';
import type { RunbookConfig } from '../runbook/schema.ts';
import { maskSecrets } from '../runbook/secrets.ts';
import type { IncidentStore } from '../store/incidents.ts';
import type { ObservationStore } from '../store/store.ts';
import { type PublicComponent, type PublicIncident, publicIncidents } from './incidents.ts';
import {
  type CheckHealth,
  type ComponentState,
  componentState,
  type DayState,
  dayState,
  type OverallState,
  overallState,
  worstUptime,
} from './state.ts';

export type { PublicIncident, PublicPhase, PublicUpdate } from './incidents.ts';
export type { ComponentState, DayState, OverallState } from './state.ts';

/** StatusDay is one UTC day of a component's uptime bar. */
export interface StatusDay {
  /** `YYYY-MM-DD`, UTC. */
  readonly date: string;
  /** Share of passing runs (0–1) of the component's worst check that day; absent without data. */
  readonly uptime?: number;
  readonly state: DayState;
}

/** StatusComponent is one component of the page with its current state and its 90 days. */
export interface StatusComponent {
  readonly id: string;
  readonly name: string;
  readonly state: ComponentState;
  /** Share of passing runs over the 90 days of the component's worst check; absent without data. */
  readonly uptime90d?: number;
  /** 90 days, oldest first, the last one today (so far). */
  readonly days: readonly StatusDay[];
}

/** StatusMaintenance is one scheduled or running opening of a maintenance window. */
export interface StatusMaintenance {
  /** The window's id; for a recurring window, `<task id>@<start ms>`, one per opening. */
  readonly id: string;
  readonly title: string;
  readonly start: number;
  readonly end: number;
}

/** StatusModel is the whole public status page, as JSON. */
export interface StatusModel {
  readonly title: string;
  readonly generatedAt: number;
  readonly overall: OverallState;
  readonly components: readonly StatusComponent[];
  readonly incidents: readonly PublicIncident[];
  readonly maintenance: readonly StatusMaintenance[];
}

/** StatusSources are what the model is built from. */
export interface StatusSources {
  readonly runbook: RunbookConfig;
  readonly observations: ObservationStore;
  readonly incidents: IncidentStore;
  /** Epoch ms the page is built for. */
  readonly now: number;
  /**
   * The maintenance windows in force; by default the runbook's scheduled tasks
   * (windowsFromMaintenance) and the incident store's one-off windows.
   */
  readonly windows?: readonly MaintenanceWindow[];
  /** Redacts secrets from any text shown; maskSecrets by default. */
  readonly mask?: (text: string) => string;
}

/** BAR_DAYS is the length of an uptime bar, in days. */
export const BAR_DAYS = 90;
/** MAINTENANCE_HORIZON_MS is how far ahead scheduled maintenance is listed: 7 days. */
export const MAINTENANCE_HORIZON_MS = 7 * 86_400_000;
/** MAX_MAINTENANCE bounds the maintenance list (a window opening every minute would fill the page). */
export const MAX_MAINTENANCE = 20;

const DAY_MS = 86_400_000;

/**
 * buildStatus builds the status page model at `now`. Reads are bounded: one `latest` call, one
 * roll-up `uptime` per check per day (UTC day windows read whole hour roll-ups, never raw rows) plus
 * one per check for the 90-day figure, and at most a few pages of incidents.
 */
export async function buildStatus(sources: StatusSources): Promise<StatusModel> {
  const { runbook, observations, now } = sources;
  const mask = sources.mask ?? ((text: string) => maskSecrets(text));
  const page = runbook.status_page;
  const components: PublicComponent[] = (page?.components ?? []).map((component) => ({
    id: component.id,
    name: mask(component.name),
    checks: [...new Set(component.checks ?? [])],
  }));
  const windows = sources.windows ?? defaultWindows(runbook, sources.incidents);
  const serviceOf = new Map((runbook.checks ?? []).map((check) => [check.id, check.service]));
  const labelsOf = (check: string): Labels => ({ check, service: serviceOf.get(check) });

  const checkIds = [...new Set(components.flatMap((component) => component.checks))];
  const latest = checkIds.length === 0 ? new Map() : await observations.latest(checkIds);
  const health = (check: string): CheckHealth => {
    if (activeWindows(windows, labelsOf(check), now).length > 0) return 'maintenance';
    const observation = latest.get(check);
    if (observation === undefined) return 'unknown';
    return observation.ok ? 'ok' : 'failing';
  };

  const dayStarts = barDays(now);
  const barFrom = dayStarts[0]!;
  const barTo = dayStarts.at(-1)! + DAY_MS;
  const uptimes = new Map<string, { days: (number | undefined)[]; total: number | undefined }>();
  for (const check of checkIds) {
    const days: (number | undefined)[] = [];
    for (const start of dayStarts) days.push(await observations.uptime(check, start, start + DAY_MS));
    uptimes.set(check, { days, total: await observations.uptime(check, barFrom, barTo) });
  }

  const shown: StatusComponent[] = components.map((component) => {
    const of = component.checks.map((check) => uptimes.get(check)!);
    const days = dayStarts.map((start, i): StatusDay => {
      const uptime = worstUptime(of.map((check) => check.days[i]));
      return {
        date: new Date(start).toISOString().slice(0, 10),
        ...(uptime === undefined ? {} : { uptime }),
        state: dayState(uptime),
      };
    });
    const uptime90d = worstUptime(of.map((check) => check.total));
    return {
      id: component.id,
      name: component.name,
      state: componentState(component.checks.map(health)),
      ...(uptime90d === undefined ? {} : { uptime90d }),
      days,
    };
  });

  // A window is listed when it covers a check of some component; one without affects or matchers covers all.
  const relevant = (window: MaintenanceWindow) => checkIds.some((check) => covers(window, labelsOf(check)));
  const maintenance = upcoming(windows.filter(relevant), now, MAINTENANCE_HORIZON_MS)
    .slice(0, MAX_MAINTENANCE)
    .map(
      (occurrence): StatusMaintenance => ({
        id: isRecurring(occurrence.window)
          ? `${occurrence.window.id}@${occurrence.start}`
          : occurrence.window.id,
        title: mask(occurrence.window.title),
        start: occurrence.start,
        end: occurrence.end,
      }),
    );

  return {
    title: mask(page?.title ?? `${runbook.name} status`),
    generatedAt: now,
    overall: overallState(shown.map((component) => component.state)),
    components: shown,
    incidents: publicIncidents(sources.incidents, components, now, mask),
    maintenance,
  };
}

/** defaultWindows gives the runbook's recurring windows and the store's one-off ones (those whose matchers parse). */
export function defaultWindows(runbook: RunbookConfig, store: IncidentStore): MaintenanceWindow[] {
  // Vigie's own windows around a deploy or a maintenance run quiet alerts; they are not news for the public.
  const stored = store.windows().flatMap((record): MaintenanceWindow[] => {
    if (record.purpose !== 'announced') return [];
    const parsed = parseMatchers(record.matchers);
    return parsed.ok
      ? [
          {
            id: record.id,
            title: record.title,
            matchers: parsed.matchers,
            startsAt: record.startsAt,
            endsAt: record.endsAt,
          },
        ]
      : [];
  });
  return [...windowsFromMaintenance(runbook.maintenance ?? []), ...stored];
}

/** barDays gives the UTC midnights of the 90 days of a bar ending today, oldest first. */
export function barDays(now: number): number[] {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  return Array.from({ length: BAR_DAYS }, (_, i) => today - (BAR_DAYS - 1 - i) * DAY_MS);
}
