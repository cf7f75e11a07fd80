/**
 * The incident lifecycle: a firing alert opens an incident or joins the open one with its dedup key
 * (or reopens one resolved a moment ago), acknowledgement stops escalation, resolution ends it. Each
 * decision is one store transaction holding the incident change, its timeline entry, the durable
 * timers it arms and the notifications it sends, so a crash at any point loses or doubles nothing.
 * Time comes from `now`; nothing here sleeps or sends — the loops in the engine do.
 */
import { dueAt, nextPosition, type Policy, type Position } from '../escalation/policy.ts';
import { type Delivery, type Directory, resolveTargets } from '../escalation/targets.ts';
import type { Notification, NotificationEvent } from '../notify/message.ts';
import { type Scenario, SEVERITIES, type Severity } from '../runbook/schema.ts';
import { formatDuration } from '../runbook/units.ts';
import type {
  AlertRecord,
  AlertSource,
  Incident,
  IncidentStore,
  QuietReason,
  TimelineEntry,
  Timer,
  TimerData,
} from '../store/incidents.ts';

/** IncidentSettingsRuntime are the lifecycle settings, in milliseconds. */
export interface LifecycleSettings {
  /** A firing alert reopens its incident resolved less than this long ago. */
  readonly reopenWithin: number;
  /** Resolve an incident when every one of its alerts has cleared. */
  readonly autoResolve: boolean;
  /** Base URL of the dashboard, for links in messages. */
  readonly link?: string;
  /** Severity of an incident whose alert and scenario name none. */
  readonly defaultSeverity: Severity;
}

/** ServiceContext is what the service decides with: the store, the clock and the runbook's people and policies. */
export interface ServiceContext {
  readonly store: IncidentStore;
  readonly now: () => number;
  readonly scenarios: ReadonlyMap<string, Scenario>;
  readonly policies: ReadonlyMap<string, Policy>;
  /** The policy of an incident whose alert names none. */
  readonly defaultPolicy: Policy;
  readonly directory: Directory;
  readonly settings: LifecycleSettings;
  /** Masks secrets in any text about to be stored or sent. */
  readonly mask: (text: string) => string;
  /** Called after a commit that armed a timer or queued a notification, so the loops look again. */
  readonly wake: () => void;
}

/** FiringAlert is an alert that fires, with what the caller matched for it. */
export interface FiringAlert {
  readonly key: string;
  readonly source: AlertSource;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly severity?: Severity;
  readonly scenario?: string;
  /** Why this scenario ("named by the alert", "symptom … mentions …"). */
  readonly scenarioReason?: string;
  readonly summary?: string;
  /** Alerts with one dedup key share one open incident. */
  readonly dedupKey: string;
  readonly policy?: string;
  /** When the alert started firing (its source's time), epoch ms. */
  readonly startedAt?: number;
  /** The rule state to keep with the alert, for rule alerts. */
  readonly state?: unknown;
}

/** FireOutcome says what a firing alert did. */
export interface FireOutcome {
  readonly incident?: Incident;
  /** `opened` and `reopened` are the moments to run the automatic diagnosis. */
  readonly action: 'opened' | 'reopened' | 'joined' | 'unchanged' | 'quiet';
}

/** LifecycleError is a request the incident's state does not allow (acknowledging a resolved incident). */
export class LifecycleError extends Error {
  readonly status: 'not-found' | 'conflict';
  constructor(status: 'not-found' | 'conflict', message: string) {
    super(message);
    this.name = 'LifecycleError';
    this.status = status;
  }
}

const rank = (severity: Severity): number => SEVERITIES.indexOf(severity);

/** Message is a notification without what differs per delivery (its key and recipient). */
type Message = Omit<Notification, 'idempotencyKey' | 'recipient'>;

/** IncidentService applies alert and responder events to incidents. */
export class IncidentService {
  private readonly context: ServiceContext;

  constructor(context: ServiceContext) {
    this.context = context;
  }

  /**
   * fire records a firing alert and opens, reopens or joins its incident; a quiet alert pages nobody.
   * With `pageNow` (the default) a first page due at once is queued in the same transaction; a bulk
   * ingest turns it off, so its answer is not held up by paging (the timer loop pages a moment later).
   */
  fire(alert: FiringAlert, quiet?: QuietReason, options: { readonly pageNow?: boolean } = {}): FireOutcome {
    const pageNow = options.pageNow ?? true;
    const { store, now } = this.context;
    const outcome = store.transaction((): FireOutcome => {
      const at = now();
      const previous = store.alert(alert.key);
      const current = previous?.incidentId ? store.incident(previous.incidentId) : undefined;
      const record = (incidentId: string | undefined, quietReason?: QuietReason): AlertRecord => ({
        key: alert.key,
        source: alert.source,
        name: alert.name,
        status: 'firing',
        labels: alert.labels,
        ...(alert.severity ? { severity: alert.severity } : {}),
        ...(alert.scenario ? { scenario: alert.scenario } : {}),
        ...(alert.summary ? { summary: this.context.mask(alert.summary) } : {}),
        ...(incidentId ? { incidentId } : {}),
        ...(quietReason ? { quiet: quietReason } : {}),
        ...(alert.state === undefined ? {} : { state: alert.state }),
        startedAt: previous?.status === 'firing' ? previous.startedAt : (alert.startedAt ?? at),
        updatedAt: at,
      });
      if (previous?.status === 'firing' && current && current.status !== 'resolved') {
        store.saveAlert(record(current.id));
        return { incident: current, action: 'unchanged' };
      }
      if (quiet) {
        store.saveAlert(record(undefined, quiet));
        return { action: 'quiet' };
      }
      const open = store.openIncidentByKey(alert.dedupKey);
      if (open) return this.join(open, alert, record(open.id), at);
      const recent = store.lastResolvedByKey(alert.dedupKey);
      if (recent?.resolvedAt !== undefined && at - recent.resolvedAt <= this.context.settings.reopenWithin) {
        return this.reopen(recent, alert, record(recent.id), at, pageNow);
      }
      return this.open(alert, (id) => record(id), at, pageNow);
    });
    if (outcome.action === 'opened' || outcome.action === 'reopened') this.context.wake();
    return outcome;
  }

  /** clear records that an alert stopped firing, and resolves its incident when it was the last one firing. */
  clear(key: string, state?: unknown): Incident | undefined {
    const { store, now } = this.context;
    return store.transaction(() => {
      const at = now();
      const alert = store.alert(key);
      if (!alert || alert.status === 'resolved') {
        if (alert && state !== undefined) store.saveAlert({ ...alert, state, updatedAt: at });
        return undefined;
      }
      const { quiet: _quiet, ...rest } = alert;
      store.saveAlert({
        ...rest,
        status: 'resolved',
        resolvedAt: at,
        updatedAt: at,
        ...(state === undefined ? {} : { state }),
      });
      if (!alert.incidentId) return undefined;
      const incident = store.incident(alert.incidentId);
      if (!incident || incident.status === 'resolved') return incident;
      store.addTimeline({
        incidentId: incident.id,
        at,
        kind: 'alert-resolved',
        actor: 'vigie',
        text: `alert ${alert.name} cleared`,
      });
      const firing = store.alertsOf(incident.id).some((other) => other.status === 'firing');
      if (firing || !this.context.settings.autoResolve) return incident;
      return this.close(incident, 'vigie', 'every alert cleared', at);
    });
  }

  /** saveState keeps a rule alert's state without any lifecycle change (so a restart resumes it). */
  saveState(key: string, state: unknown): void {
    const { store, now } = this.context;
    const alert = store.alert(key);
    if (alert) store.saveAlert({ ...alert, state, updatedAt: now() });
  }

  /** acknowledge stops an incident's escalation; its ack timeout, if the policy has one, is armed. */
  acknowledge(id: string, actor: string): Incident {
    const { store, now } = this.context;
    const incident = store.transaction(() => {
      const at = now();
      const incident = this.require(id);
      if (incident.status !== 'triggered') {
        throw new LifecycleError(
          'conflict',
          `${incident.id} is ${incident.status}; only a triggered incident can be acknowledged`,
        );
      }
      const updated = store.updateIncident(incident.id, {
        status: 'acknowledged',
        acknowledgedAt: at,
        acknowledgedBy: actor,
        updatedAt: at,
      });
      const cancelled = store.cancelTimers(incident.id, at, ['escalate']);
      const policy = this.policyOf(incident);
      if (policy.ackTimeout !== undefined) {
        store.addTimer({
          incidentId: incident.id,
          kind: 'ack-timeout',
          dueAt: at + policy.ackTimeout,
          data: { level: 0, cycle: 0, anchor: at, reason: 'ack-timeout' },
        });
      }
      store.addTimeline({
        incidentId: incident.id,
        at,
        kind: 'acknowledged',
        actor,
        text: `acknowledged by ${actor}${cancelled > 0 ? '; escalation stopped' : ''}${
          policy.ackTimeout === undefined
            ? ''
            : `; escalates again in ${formatDuration(policy.ackTimeout)} unless resolved`
        }`,
      });
      this.tellPaged(updated, 'acknowledged', at);
      return updated;
    });
    this.context.wake();
    return incident;
  }

  /** resolve ends an incident and its escalation, and tells whoever was paged. */
  resolve(id: string, actor: string, note?: string): Incident {
    const { store, now } = this.context;
    const incident = store.transaction(() => {
      const incident = this.require(id);
      if (incident.status === 'resolved') {
        throw new LifecycleError('conflict', `${incident.id} is already resolved`);
      }
      return this.close(incident, actor, note ?? `resolved by ${actor}`, now());
    });
    this.context.wake();
    return incident;
  }

  /** comment adds a responder's note to the timeline. */
  comment(id: string, actor: string, text: string): TimelineEntry {
    const { store, now } = this.context;
    const incident = this.require(id);
    return store.addTimeline({
      incidentId: incident.id,
      at: now(),
      kind: 'comment',
      actor,
      text: this.context.mask(text),
    });
  }

  /**
   * runTimer acts on one due timer: pages the level it names and arms the next, or re-triggers an
   * incident whose acknowledgement lapsed. A timer already done (acted on before a crash, or cancelled)
   * does nothing, so a restart never pages twice.
   */
  runTimer(timer: Timer): void {
    const { store, now } = this.context;
    store.transaction(() => {
      const at = now();
      if (!store.finishTimer(timer.id, at)) return;
      const incident = store.incident(timer.incidentId);
      if (!incident || incident.status === 'resolved') return;
      if (timer.kind === 'ack-timeout') {
        if (incident.status !== 'acknowledged') return;
        const updated = store.updateIncident(incident.id, { status: 'triggered', updatedAt: at });
        store.addTimeline({
          incidentId: incident.id,
          at,
          kind: 'ack-timeout',
          actor: 'vigie',
          text: `acknowledged by ${incident.acknowledgedBy ?? 'someone'} but still open after ${formatDuration(
            at - (incident.acknowledgedAt ?? at),
          )}; escalating again`,
        });
        this.arm(updated, { level: 0, cycle: 0 }, at, 'ack-timeout');
        return;
      }
      if (incident.status !== 'triggered') return;
      this.page(incident, timer);
    });
    this.context.wake();
  }

  private open(
    alert: FiringAlert,
    record: (id: string) => AlertRecord,
    at: number,
    pageNow: boolean,
  ): FireOutcome {
    const { store } = this.context;
    const scenario = alert.scenario ? this.context.scenarios.get(alert.scenario) : undefined;
    const severity = alert.severity ?? scenario?.severity ?? this.context.settings.defaultSeverity;
    const incident = store.openIncident({
      dedupKey: alert.dedupKey,
      title: this.context.mask(scenario?.title ?? alert.summary ?? alert.name),
      severity,
      ...(scenario ? { scenario: scenario.id } : {}),
      policy: alert.policy ?? this.context.defaultPolicy.id,
      labels: alert.labels,
      openedAt: at,
    });
    store.saveAlert(record(incident.id));
    store.addTimeline({
      incidentId: incident.id,
      at,
      kind: 'opened',
      actor: 'vigie',
      text: `opened by alert ${alert.name} (${severity})${
        scenario ? `; scenario ${scenario.id}: ${alert.scenarioReason ?? 'matched'}` : '; no scenario matched'
      }`,
      data: { alert: alert.key, ...(alert.summary ? { summary: this.context.mask(alert.summary) } : {}) },
    });
    this.arm(incident, { level: 0, cycle: 0 }, at, 'triggered', pageNow);
    return { incident, action: 'opened' };
  }

  private reopen(
    incident: Incident,
    alert: FiringAlert,
    record: AlertRecord,
    at: number,
    pageNow: boolean,
  ): FireOutcome {
    const { store } = this.context;
    const updated = store.updateIncident(incident.id, {
      status: 'triggered',
      acknowledgedAt: undefined,
      acknowledgedBy: undefined,
      resolvedAt: undefined,
      resolvedBy: undefined,
      updatedAt: at,
    });
    store.saveAlert(record);
    store.addTimeline({
      incidentId: incident.id,
      at,
      kind: 'reopened',
      actor: 'vigie',
      text: `reopened by alert ${alert.name}, ${formatDuration(at - (incident.resolvedAt ?? at))} after it was resolved`,
    });
    this.arm(updated, { level: 0, cycle: 0 }, at, 'reopened', pageNow);
    return { incident: updated, action: 'reopened' };
  }

  private join(incident: Incident, alert: FiringAlert, record: AlertRecord, at: number): FireOutcome {
    const { store } = this.context;
    store.saveAlert(record);
    store.addTimeline({
      incidentId: incident.id,
      at,
      kind: 'alert',
      actor: 'vigie',
      text: `alert ${alert.name} fired and joined this incident`,
      data: { alert: alert.key },
    });
    let current = incident;
    if (alert.severity && rank(alert.severity) < rank(incident.severity)) {
      current = store.updateIncident(incident.id, { severity: alert.severity, updatedAt: at });
      store.addTimeline({
        incidentId: incident.id,
        at,
        kind: 'severity',
        actor: 'vigie',
        text: `severity raised from ${incident.severity} to ${alert.severity} by alert ${alert.name}`,
      });
    }
    return { incident: current, action: 'joined' };
  }

  private close(incident: Incident, actor: string, why: string, at: number): Incident {
    const { store } = this.context;
    const updated = store.updateIncident(incident.id, {
      status: 'resolved',
      resolvedAt: at,
      resolvedBy: actor,
      updatedAt: at,
    });
    store.cancelTimers(incident.id, at);
    store.addTimeline({ incidentId: incident.id, at, kind: 'resolved', actor, text: this.context.mask(why) });
    this.tellPaged(updated, 'resolved', at);
    return updated;
  }

  /**
   * arm stores the timer of the first level of an escalation that starts at `anchor`. A level due at
   * once pages in the same transaction (its timer stored as done): the decision, the page and the
   * next timer are one commit, so the first notification leaves after a single fsync.
   */
  private arm(
    incident: Incident,
    position: Position,
    anchor: number,
    reason: TimerData['reason'],
    pageNow = true,
  ): void {
    const { store, now } = this.context;
    const policy = this.policyOf(incident);
    const timer = store.addTimer({
      incidentId: incident.id,
      kind: 'escalate',
      dueAt: dueAt(policy, position, anchor),
      data: { ...position, anchor, reason },
    });
    const at = now();
    if (pageNow && timer.dueAt <= at && store.finishTimer(timer.id, at)) this.page(incident, timer);
  }

  private page(incident: Incident, timer: Timer): void {
    const { store, now, directory } = this.context;
    const at = now();
    const policy = this.policyOf(incident);
    const { level, cycle, anchor, reason } = timer.data;
    const step = policy.levels[level];
    if (step === undefined) return;
    const targets = resolveTargets(step.notify, directory, at);
    const first = level === 0 && cycle === 0;
    const event: NotificationEvent = first ? reason : 'escalated';
    const message = this.message(incident, event, at, level + 1);
    for (const delivery of targets.deliveries)
      this.send(incident, delivery, message, `${incident.id}:t${timer.id}`);
    const who = targets.reached.length > 0 ? targets.reached.join(', ') : 'nobody';
    const channels = [...new Set(targets.deliveries.map((delivery) => delivery.channel))];
    store.addTimeline({
      incidentId: incident.id,
      at,
      kind: first ? 'notified' : 'escalated',
      actor: 'vigie',
      text: `${first ? 'paged' : `escalated to level ${level + 1}${cycle > 0 ? ` (pass ${cycle + 1})` : ''}:`} ${who}${
        channels.length > 0 ? ` via ${channels.join(', ')}` : ' (no channel reaches them)'
      }${targets.unresolved.length > 0 ? `; unknown: ${targets.unresolved.join(', ')}` : ''}`,
      data: { level: level + 1, cycle, deliveries: targets.deliveries.length },
    });
    const next = nextPosition(policy, { level, cycle });
    if (next) {
      store.addTimer({
        incidentId: incident.id,
        kind: 'escalate',
        dueAt: Math.max(at, dueAt(policy, next, anchor)),
        data: { ...next, anchor, reason },
      });
    }
  }

  /**
   * askApproval tells every person and channel already paged for an incident that a step of it waits
   * for a second responder's approval, in `text` (who asks, what, how to approve).
   */
  askApproval(id: string, text: string): void {
    const { store, now } = this.context;
    store.transaction(() => {
      const incident = this.require(id);
      if (incident.status === 'resolved') return;
      this.tellPaged(incident, 'approval-needed', now(), this.context.mask(text));
    });
  }

  /** tellPaged tells every person and channel already paged for this incident what just happened. */
  private tellPaged(incident: Incident, event: NotificationEvent, at: number, summary?: string): void {
    const sent = new Map<string, Delivery>();
    for (const row of this.context.store.outbox({ incidentId: incident.id })) {
      const payload = row.payload as Notification;
      const delivery: Delivery = {
        channel: row.channel,
        ...(payload.recipient ? { recipient: payload.recipient } : {}),
      };
      sent.set(`${row.channel}\u0000${row.recipient ?? ''}`, delivery);
    }
    if (sent.size === 0) return;
    const message = { ...this.message(incident, event, at), ...(summary === undefined ? {} : { summary }) };
    for (const delivery of sent.values())
      this.send(incident, delivery, message, `${incident.id}:${event}@${at}`);
  }

  /** send queues one message to one delivery; the key makes a retried or repeated decision send once. */
  private send(incident: Incident, delivery: Delivery, message: Message, keyPrefix: string): void {
    const key = `${keyPrefix}:${delivery.channel}:${delivery.recipient?.id ?? '-'}`;
    this.context.store.enqueue({
      key,
      incidentId: incident.id,
      channel: delivery.channel,
      ...(delivery.recipient ? { recipient: delivery.recipient.id } : {}),
      payload: {
        ...message,
        idempotencyKey: key,
        ...(delivery.recipient ? { recipient: { ...delivery.recipient } } : {}),
      } satisfies Notification,
      nextAt: message.at,
      createdAt: message.at,
    });
  }

  /**
   * message builds what every delivery of one event shares (the incident, the scenario's first steps,
   * the alert summary, the link), once per event rather than once per person paged.
   */
  private message(incident: Incident, event: NotificationEvent, at: number, level?: number): Message {
    const { mask, settings } = this.context;
    const scenario = incident.scenario ? this.context.scenarios.get(incident.scenario) : undefined;
    const steps = [...(scenario?.diagnosis ?? []), ...(scenario?.actions ?? [])].slice(0, 3);
    const summary = this.context.store.alertsOf(incident.id).find((alert) => alert.summary)?.summary;
    return {
      event,
      incident: {
        id: incident.id,
        title: incident.title,
        severity: incident.severity,
        status: incident.status,
        openedAt: incident.openedAt,
        ...(scenario ? { scenario: { id: scenario.id, title: scenario.title } } : {}),
      },
      ...(level === undefined ? {} : { level }),
      firstSteps: steps.map((step) => ({
        run: mask(step.run),
        kind: step.kind,
        risk: step.risk,
        ...(step.description ? { description: mask(step.description) } : {}),
      })),
      ...(summary ? { summary } : {}),
      ...(settings.link ? { link: `${settings.link.replace(/\/+$/, '')}/incidents/${incident.id}` } : {}),
      at,
    };
  }

  private policyOf(incident: Incident): Policy {
    return (
      (incident.policy ? this.context.policies.get(incident.policy) : undefined) ?? this.context.defaultPolicy
    );
  }

  private require(id: string): Incident {
    const incident = this.context.store.incident(id);
    if (!incident)
      throw new LifecycleError('not-found', `no incident ${id}; list them with vigie incidents list`);
    return incident;
  }
}
