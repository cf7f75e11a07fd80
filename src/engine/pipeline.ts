/**
 * The incident pipeline wired together: alerts (from the runbook's rules or from other systems) go
 * through quiet times and scenario matching into the incident service; a loop runs the durable timers
 * and drains the notification outbox; a newly opened incident gets its read-only diagnosis. Effects
 * (clock, channels, step execution) are passed in, so tests drive it with a fake clock and real
 * receivers.
 */
import { randomBytes } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { compilePolicy, FALLBACK_POLICY, type Policy } from '../escalation/policy.ts';
import { compileScenarioMatchers, type ScenarioMatcher } from '../incidents/match.ts';
import { type FireOutcome, IncidentService, type LifecycleSettings } from '../incidents/service.ts';
import { alertSignal, type IngestBatch } from '../ingest/alert.ts';
import { type Deliver, Dispatcher } from '../notify/dispatcher.ts';
import { quietReason } from '../quiet/index.ts';
import { type DependencyGraph, dependenciesOf } from '../quiet/inhibit.ts';
import { formatMatcherError, parseMatchers } from '../quiet/matchers.ts';
import type { Silence } from '../quiet/silence.ts';
import { validateSilence } from '../quiet/silence.ts';
import { type MaintenanceWindow, validateWindow, windowsFromMaintenance } from '../quiet/window.ts';
import type { RunbookConfig, Scenario, Severity } from '../runbook/schema.ts';
import { parseDuration } from '../runbook/units.ts';
import type {
  AlertRecord,
  Incident,
  IncidentStore,
  QuietReason,
  SilenceRecord,
  WindowPurpose,
  WindowRecord,
} from '../store/incidents.ts';
import { WakeLoop } from './loop.ts';
import type { Clock } from './scheduler.ts';

/** DiagnosisEntry is one step's outcome, as the timeline keeps it. */
export interface DiagnosisEntry {
  readonly text: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** Diagnose runs a scenario's read-only diagnosis for an incident and gives one entry per step. */
export type Diagnose = (
  incident: Incident,
  scenario: Scenario,
  signal: AbortSignal,
) => Promise<DiagnosisEntry[]>;

/** PipelineOptions are the runbook (resolved) and the effects the pipeline uses. */
export interface PipelineOptions {
  readonly runbook: RunbookConfig;
  readonly store: IncidentStore;
  readonly clock: Clock;
  readonly deliver: Deliver;
  readonly mask: (text: string) => string;
  readonly diagnose?: Diagnose;
  readonly log?: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  /** Longest wait of the timer and outbox loop between two looks at the store; 5,000 ms when absent. */
  readonly idle?: number;
  readonly random?: () => number;
  /** Told of every delivery attempt: accepted or not, and whether Vigie gave up. */
  readonly onNotification?: (ok: boolean, final: boolean) => void;
}

/** IngestSummary says what one batch of external alerts did. */
export interface IngestSummary {
  readonly received: number;
  readonly firing: number;
  readonly resolved: number;
  readonly quiet: number;
  readonly incidents: readonly string[];
  readonly truncatedAlerts: number;
}

/** FiringRuleAlert is what the rule engine reports when a runbook alert starts firing. */
export interface RuleFiring {
  readonly alertId: string;
  readonly checkId?: string;
  readonly summary: string;
  readonly state: unknown;
  readonly startedAt: number;
}

const DEFAULT_REOPEN_WITHIN = 30 * 60_000;
/** How often alerts held quiet are looked at again (a silence ends, a window closes). */
const REQUIET_EVERY = 5000;
/** A batch of at most this many alerts pages in its own transaction; a larger one leaves it to the loop. */
const PAGE_NOW_BATCH = 10;
/** Due timers acted on per commit. */
const TIMERS_PER_COMMIT = 100;
/** How long the silences and windows read from the store are reused. */
const QUIET_CACHE_MS = 1000;

/** describeProblem words a validation problem with its path. */
const describeProblem = (problem: { path: readonly (string | number)[]; message: string }): string =>
  `${problem.path.join('.')}: ${problem.message}`;

/**
 * readSpan reads the time span and matchers of a silence or window request: `starts_at` (default now),
 * `ends_at` or `duration`, as ISO-8601 text or epoch milliseconds.
 */
function readSpan(
  input: unknown,
  now: number,
):
  | { ok: true; fields: Record<string, unknown>; startsAt: number; endsAt: number; matchers: string[] }
  | { ok: false; errors: string[] } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: ['the body must be a JSON object'] };
  }
  const fields = input as Record<string, unknown>;
  const time = (value: unknown): number | undefined =>
    typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : undefined;
  const startsAt = time(fields.starts_at) ?? now;
  const duration = typeof fields.duration === 'string' ? parseDuration(fields.duration) : undefined;
  const endsAt = time(fields.ends_at) ?? (duration === undefined ? Number.NaN : startsAt + duration);
  const errors: string[] = [];
  if (!Number.isFinite(startsAt))
    errors.push('starts_at: not a time; use ISO-8601 such as 2026-11-25T14:00:00Z');
  if (!Number.isFinite(endsAt)) errors.push('ends_at: give ends_at (ISO-8601) or duration (such as 2h)');
  if (fields.matchers !== undefined && !Array.isArray(fields.matchers)) {
    errors.push('matchers: a list of texts such as ["service=api"]');
  }
  const matchers = Array.isArray(fields.matchers)
    ? fields.matchers.filter((matcher): matcher is string => typeof matcher === 'string')
    : [];
  return errors.length > 0 ? { ok: false, errors } : { ok: true, fields, startsAt, endsAt, matchers };
}

/** Pipeline turns alerts into incidents, pages and diagnosis. */
export class Pipeline {
  readonly store: IncidentStore;
  readonly service: IncidentService;
  private readonly options: PipelineOptions;
  private readonly scenarios: ReadonlyMap<string, Scenario>;
  private readonly matcher: ScenarioMatcher;
  private readonly windows: readonly MaintenanceWindow[];
  private readonly graph: DependencyGraph;
  private readonly loop: WakeLoop;
  private readonly dispatcher: Dispatcher;
  private readonly diagnoses = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  /** Checks with a firing runbook alert, for inhibition. */
  private readonly firingChecks = new Set<string>();
  /** Check → the runbook alerts firing on it; a check leaves firingChecks when its last one clears. */
  private readonly firingRules = new Map<string, Set<string>>();
  private lastRequiet = 0;
  private quietCache: { at: number; silences: Silence[]; windows: MaintenanceWindow[] } | undefined;

  constructor(options: PipelineOptions) {
    this.options = options;
    const { runbook, store, clock } = options;
    this.store = store;
    this.scenarios = new Map((runbook.scenarios ?? []).map((scenario) => [scenario.id, scenario]));
    this.matcher = compileScenarioMatchers(runbook.scenarios ?? []).matcher;
    // A task Vigie runs opens its own window for as long as it really runs (src/maintenance); the
    // runbook's schedule alone quiets alerts only for maintenance done by people or other tools.
    this.windows = windowsFromMaintenance(
      (runbook.maintenance ?? []).filter(
        (task) => !(task.steps ?? []).some((step) => step.kind !== 'manual'),
      ),
    );
    this.graph = dependenciesOf(runbook.checks ?? []).graph;
    const policies = new Map<string, Policy>(
      Object.entries(runbook.escalation ?? {}).map(([id, written]) => [id, compilePolicy(id, written)]),
    );
    const settings = runbook.incidents ?? {};
    const lifecycle: LifecycleSettings = {
      reopenWithin: parseDuration(settings.reopen_within ?? '') ?? DEFAULT_REOPEN_WITHIN,
      autoResolve: settings.auto_resolve ?? true,
      ...(settings.link ? { link: settings.link } : {}),
      defaultSeverity: 'SEV3',
    };
    this.service = new IncidentService({
      store,
      now: () => clock.now(),
      scenarios: this.scenarios,
      policies,
      defaultPolicy: policies.get('default') ?? policies.values().next().value ?? FALLBACK_POLICY,
      directory: {
        contacts: runbook.contacts ?? [],
        rotations: runbook.rotations ?? {},
        channels: runbook.channels ?? {},
      },
      settings: lifecycle,
      mask: options.mask,
      wake: () => this.loop.wake(),
    });
    this.dispatcher = new Dispatcher({
      store,
      // Sends to different incidents and channels overlap; one incident's messages still go in order.
      concurrency: 64,
      deliver: options.deliver,
      now: () => clock.now(),
      ...(options.random ? { random: options.random } : {}),
      onAttempt: (row, result, final) => {
        options.onNotification?.(result.ok, final);
        if (!result.ok) {
          options.log?.(
            final ? 'error' : 'warn',
            final ? 'notification dead-lettered' : 'notification will be retried',
            {
              channel: row.channel,
              incident: row.incidentId,
              attempts: row.attempts + 1,
              error: options.mask(result.error),
            },
          );
        }
      },
    });
    this.loop = new WakeLoop(clock, () => this.work(), {
      idle: options.idle ?? 5000,
      onError: (error) =>
        options.log?.('error', 'incident loop failed', { error: options.mask(String(error)) }),
    });
  }

  /** start runs the timers and the outbox: whatever fell due while Vigie was down runs now, once. */
  start(): void {
    for (const alert of this.store.alerts({ firing: true })) {
      const check = alert.labels.check;
      if (alert.source === 'rule' && check) this.markFiring(check, alert.key, true);
    }
    this.loop.start();
  }

  /** stop lets the loop and the diagnoses under way finish (diagnoses are cut short). */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop.stop();
    await Promise.allSettled([...this.diagnoses]);
  }

  /** ingest applies one batch of external alerts, in one transaction. */
  ingest(batch: IngestBatch): IngestSummary {
    let firing = 0;
    let resolved = 0;
    let quiet = 0;
    const incidents = new Set<string>();
    const opened: FireOutcome[] = [];
    this.store.transaction(() => {
      for (const alert of batch.alerts) {
        const key = `${alert.source}:${alert.fingerprint}`;
        if (alert.status === 'resolved') {
          resolved++;
          const incident = this.service.clear(key);
          if (incident) incidents.add(incident.id);
          continue;
        }
        firing++;
        const labels: Record<string, string> = { ...alert.labels, alertname: alert.name };
        const outcome = this.fireExternal(
          {
            key,
            source: alert.source,
            name: alert.name,
            labels,
            ...(alert.severity ? { severity: alert.severity } : {}),
            ...(alert.scenario ? { scenario: alert.scenario } : {}),
            ...(alert.summary ? { summary: alert.summary } : {}),
            startedAt: alert.startsAt,
          },
          this.quiet(labels, labels.check),
          { pageNow: batch.alerts.length <= PAGE_NOW_BATCH },
        );
        if (outcome.action === 'quiet') quiet++;
        if (outcome.incident) incidents.add(outcome.incident.id);
        opened.push(outcome);
      }
    });
    for (const outcome of opened) this.afterFire(outcome);
    return {
      received: batch.alerts.length,
      firing,
      resolved,
      quiet,
      incidents: [...incidents],
      truncatedAlerts: batch.truncatedAlerts,
    };
  }

  /** ruleFired applies a runbook alert that started firing. */
  ruleFired(firing: RuleFiring): FireOutcome {
    const alert = (this.options.runbook.alerts ?? []).find((candidate) => candidate.id === firing.alertId);
    if (!alert) throw new RangeError(`no runbook alert ${firing.alertId}`);
    if (firing.checkId) this.markFiring(firing.checkId, `rule:${firing.alertId}`, true);
    const labels: Record<string, string> = {
      ...(alert.labels ?? {}),
      alert: alert.id,
      ...(firing.checkId ? { check: firing.checkId } : {}),
      ...(alert.severity ? { severity: alert.severity } : {}),
    };
    const match = alert.scenario
      ? { scenarioId: alert.scenario, reason: 'named by the alert' }
      : this.matcher.match({
          alertId: alert.id,
          name: alert.name ?? alert.id,
          ...(firing.checkId ? { checkId: firing.checkId } : {}),
          labels,
          text: firing.summary,
        });
    const severity: Severity | undefined = alert.severity;
    const outcome = this.service.fire(
      {
        key: `rule:${alert.id}`,
        source: 'rule',
        name: alert.name ?? alert.id,
        labels,
        ...(severity ? { severity } : {}),
        ...(match ? { scenario: match.scenarioId, scenarioReason: match.reason } : {}),
        summary: firing.summary,
        dedupKey: alert.group ?? (match ? `scenario:${match.scenarioId}` : `rule:${alert.id}`),
        ...(alert.escalation ? { policy: alert.escalation } : {}),
        startedAt: firing.startedAt,
        state: firing.state,
      },
      this.quiet(labels, firing.checkId),
    );
    this.afterFire(outcome);
    return outcome;
  }

  /** ruleCleared applies a runbook alert that stopped firing. */
  ruleCleared(alertId: string, checkId: string | undefined, state: unknown): void {
    if (checkId) this.markFiring(checkId, `rule:${alertId}`, false);
    this.service.clear(`rule:${alertId}`, state);
  }

  /** requiet pages for alerts that fired while quiet and whose silence, window or dependency has ended. */
  requiet(): void {
    for (const alert of this.store.quietAlerts()) {
      if (this.quiet(alert.labels, alert.labels.check)) continue;
      if (alert.source === 'rule') {
        this.ruleFired({
          alertId: alert.key.slice('rule:'.length),
          ...(alert.labels.check ? { checkId: alert.labels.check } : {}),
          summary: alert.summary ?? alert.name,
          state: alert.state,
          startedAt: alert.startedAt,
        });
        continue;
      }
      this.afterFire(this.fireExternal(alert));
    }
  }

  /**
   * fireExternal matches an alert from another system to its scenario (named, or by its signals) and
   * fires it; alerts without a scenario share an incident per name.
   */
  private fireExternal(
    alert: Pick<
      AlertRecord,
      'key' | 'source' | 'name' | 'labels' | 'severity' | 'scenario' | 'summary' | 'startedAt'
    >,
    quiet?: QuietReason,
    options?: { readonly pageNow?: boolean },
  ): FireOutcome {
    const match = this.matcher.match(alertSignal(alert));
    return this.service.fire(
      {
        key: alert.key,
        source: alert.source,
        name: alert.name,
        labels: alert.labels,
        ...(alert.severity ? { severity: alert.severity } : {}),
        ...(match ? { scenario: match.scenarioId, scenarioReason: match.reason } : {}),
        ...(alert.summary ? { summary: alert.summary } : {}),
        dedupKey: match ? `scenario:${match.scenarioId}` : `${alert.source}:${alert.name}`,
        startedAt: alert.startedAt,
      },
      quiet,
      options,
    );
  }

  /** addSilence validates and stores a silence; times are ISO strings or epoch ms, `ends_at` or `duration`. */
  addSilence(
    input: unknown,
    actor: string,
  ): { ok: true; silence: SilenceRecord } | { ok: false; errors: string[] } {
    const now = this.options.clock.now();
    const read = readSpan(input, now);
    if (!read.ok) return read;
    const { fields, startsAt, endsAt, matchers } = read;
    const createdBy = typeof fields.created_by === 'string' ? fields.created_by : actor;
    const comment = typeof fields.comment === 'string' ? fields.comment : '';
    const checked = validateSilence({ matchers, startsAt, endsAt, createdBy, comment }, now);
    if (!checked.ok) return { ok: false, errors: checked.problems.map(describeProblem) };
    const silence: SilenceRecord = {
      id: `sil_${randomBytes(5).toString('hex')}`,
      matchers,
      startsAt,
      endsAt,
      createdBy,
      comment: this.options.mask(comment),
      createdAt: now,
    };
    this.store.addSilence(silence);
    this.quietCache = undefined;
    return { ok: true, silence };
  }

  /**
   * addWindow validates and stores a one-off maintenance window; without matchers it quiets every
   * alert. A person's window is `announced` (the status page lists it); Vigie's own around a deploy or
   * a maintenance run only quiets alerts.
   */
  addWindow(
    input: unknown,
    actor: string,
    purpose: WindowPurpose = 'announced',
  ): { ok: true; window: WindowRecord } | { ok: false; errors: string[] } {
    const now = this.options.clock.now();
    const read = readSpan(input, now);
    if (!read.ok) return read;
    const { fields, startsAt, endsAt, matchers } = read;
    const parsed = parseMatchers(matchers);
    const errors = parsed.ok
      ? []
      : parsed.errors.map((error) => `matchers.${error.index}: ${formatMatcherError(error)}`);
    const title = typeof fields.title === 'string' && fields.title.trim() !== '' ? fields.title : '';
    if (!title) errors.push('title: say what the maintenance is');
    const problems = validateWindow({ id: 'new', title, startsAt, endsAt });
    errors.push(...problems.map(describeProblem));
    if (errors.length > 0) return { ok: false, errors };
    const window: WindowRecord = {
      id: `win_${randomBytes(5).toString('hex')}`,
      title: this.options.mask(title),
      matchers,
      startsAt,
      endsAt,
      createdBy: actor,
      createdAt: now,
      purpose,
    };
    this.store.addWindow(window);
    this.quietCache = undefined;
    return { ok: true, window };
  }

  /** expireSilence ends a silence now; alerts it held fire at the next look. */
  expireSilence(id: string): boolean {
    const expired = this.store.expireSilence(id, this.options.clock.now());
    this.quietCache = undefined;
    if (expired) this.loop.wake();
    return expired;
  }

  /** endWindow ends a maintenance window now (a deploy or a task finished early); alerts it held fire at the next look. */
  endWindow(id: string): boolean {
    const ended = this.store.endWindow(id, this.options.clock.now());
    this.quietCache = undefined;
    if (ended) this.loop.wake();
    return ended;
  }

  /** wake makes the loop look at the store now (after another process wrote to it). */
  wake(): void {
    this.loop.wake();
  }

  private markFiring(checkId: string, alertKey: string, firing: boolean): void {
    const keys = this.firingRules.get(checkId) ?? new Set<string>();
    if (firing) keys.add(alertKey);
    else keys.delete(alertKey);
    if (keys.size > 0) {
      this.firingRules.set(checkId, keys);
      this.firingChecks.add(checkId);
    } else {
      this.firingRules.delete(checkId);
      this.firingChecks.delete(checkId);
    }
  }

  private quiet(
    labels: Readonly<Record<string, string>>,
    checkId: string | undefined,
  ): QuietReason | undefined {
    const now = this.options.clock.now();
    const rules = this.quietRules(now);
    return quietReason(
      { labels, ...(checkId ? { checkId } : {}), now },
      { ...rules, firingChecks: this.firingChecks, graph: this.graph },
    );
  }

  /**
   * quietRules gives the silences and windows in force, read from the store at most once a second (a
   * burst of 5,000 alerts must not parse every silence 5,000 times); adding or expiring one here
   * forgets the copy at once.
   */
  private quietRules(now: number): { silences: Silence[]; windows: MaintenanceWindow[] } {
    if (this.quietCache && now - this.quietCache.at < QUIET_CACHE_MS && now >= this.quietCache.at) {
      return this.quietCache;
    }
    // Silences starting within the next second are kept too: `quietReason` checks their times.
    const silences: Silence[] = this.store.silences().flatMap((record) => {
      if (record.expiredAt !== undefined || record.endsAt <= now) return [];
      const parsed = parseMatchers(record.matchers);
      return parsed.ok ? [{ ...record, matchers: parsed.matchers }] : [];
    });
    const stored: MaintenanceWindow[] = this.store.windows().flatMap((record) => {
      if (record.endsAt <= now) return [];
      const parsed = parseMatchers(record.matchers);
      return parsed.ok ? [{ ...record, matchers: parsed.matchers }] : [];
    });
    this.quietCache = { at: now, silences, windows: [...this.windows, ...stored] };
    return this.quietCache;
  }

  private afterFire(outcome: FireOutcome): void {
    if ((outcome.action !== 'opened' && outcome.action !== 'reopened') || !outcome.incident) return;
    const incident = outcome.incident;
    const scenario = incident.scenario ? this.scenarios.get(incident.scenario) : undefined;
    const diagnose = this.options.diagnose;
    if (!scenario || !diagnose || !(scenario.diagnosis ?? []).some((step) => step.risk === 'read')) return;
    const running = diagnose(incident, scenario, this.abort.signal)
      .then((entries) => {
        for (const entry of entries) {
          this.store.addTimeline({
            incidentId: incident.id,
            at: this.options.clock.now(),
            kind: 'diagnosis',
            actor: 'vigie',
            text: this.options.mask(entry.text),
            data: entry.data,
          });
        }
      })
      .catch((error: unknown) =>
        this.options.log?.('error', 'diagnosis failed', {
          incident: incident.id,
          error: this.options.mask(String(error)),
        }),
      )
      .finally(() => this.diagnoses.delete(running));
    this.diagnoses.add(running);
  }

  private async work(): Promise<number | undefined> {
    const now = this.options.clock.now();
    // Due timers act a hundred per transaction: one commit for a burst of pages rather than one each,
    // and a turn of the event loop between two, so requests and probes are not held up behind them.
    for (let due = this.store.dueTimers(now, TIMERS_PER_COMMIT); due.length > 0; ) {
      this.store.transaction(() => {
        for (const timer of due) this.service.runTimer(timer);
      });
      if (due.length < TIMERS_PER_COMMIT) break;
      await nextTurn();
      due = this.store.dueTimers(this.options.clock.now(), TIMERS_PER_COMMIT);
    }
    if (now - this.lastRequiet >= REQUIET_EVERY) {
      this.lastRequiet = now;
      this.requiet();
    }
    await this.dispatcher.drain();
    const next = [this.store.nextTimerAt(), this.store.nextOutboxAt()].filter(
      (at): at is number => at !== undefined,
    );
    return next.length > 0 ? Math.min(...next) : undefined;
  }
}
