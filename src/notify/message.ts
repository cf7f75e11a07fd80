/**
 * The notification every channel renders, and the plain-text rendering they share. The payload is
 * built (and masked) by the caller; this module only words it, the same way on every channel.
 */

/** NOTIFICATION_EVENTS lists what can happen to an incident that someone is told about. */
export const NOTIFICATION_EVENTS = [
  'triggered',
  'escalated',
  'acknowledged',
  'resolved',
  'reopened',
  'ack-timeout',
  'approval-needed',
  'test',
] as const;
/** NotificationEvent is why a notification is sent. */
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** FirstStep is one step of the matched scenario, shown so the responder can start at once. */
export interface FirstStep {
  /** The command or instruction text, already masked. */
  run: string;
  /** Which executor runs it: http, sql, redis, shell, docker, manual. */
  kind: string;
  /** read, write, dangerous or destructive. */
  risk: string;
  description?: string;
}

/** Notification is the payload of one message to one channel; it is stored in the outbox as JSON. */
export interface Notification {
  /** Stable across retries of the same message, so receivers can drop duplicates. */
  idempotencyKey: string;
  event: NotificationEvent;
  incident: {
    id: string;
    title: string;
    severity: 'SEV1' | 'SEV2' | 'SEV3' | 'SEV4';
    status: 'triggered' | 'acknowledged' | 'resolved';
    /** Epoch milliseconds. */
    openedAt: number;
    scenario?: { id: string; title: string };
  };
  /** Escalation level (1-based) that this notification belongs to. */
  level?: number;
  recipient?: { id: string; name: string; email?: string };
  /** The scenario's first steps, at most 3. */
  firstSteps: FirstStep[];
  summary?: string;
  /** Where the incident page is. */
  link?: string;
  /** Epoch milliseconds at which the event happened. */
  at: number;
}

/** MAX_FIRST_STEPS bounds how many steps a message shows, however many the payload carries. */
export const MAX_FIRST_STEPS = 3;

const EVENT_WORDS: Record<NotificationEvent, string> = {
  triggered: 'triggered',
  escalated: 'escalated',
  acknowledged: 'acknowledged',
  resolved: 'resolved',
  reopened: 'reopened',
  'ack-timeout': 'not acknowledged in time',
  'approval-needed': "a step waits for a second responder's approval",
  test: 'test notification',
};

/** eventWords says what happened in a few words: "escalated to level 2", "not acknowledged in time". */
export function eventWords(notification: Notification): string {
  const words = EVENT_WORDS[notification.event] ?? String(notification.event);
  return notification.event === 'escalated' && notification.level !== undefined
    ? `${words} to level ${notification.level}`
    : words;
}

/** subjectLine is the one-line headline of a notification: `[SEV1] API down — triggered`. */
export function subjectLine(notification: Notification): string {
  // A subject is one line: a title pasted with line breaks must not start a second one.
  const title = oneLine(notification.incident.title, 200);
  return `[${notification.incident.severity}] ${title} — ${eventWords(notification)}`;
}

/** riskBadge marks a step with its risk; the two that can hurt are shouted: `[read]`, `[DESTRUCTIVE]`. */
export function riskBadge(risk: string): string {
  return risk === 'dangerous' || risk === 'destructive' ? `[${risk.toUpperCase()}]` : `[${risk}]`;
}

/** Fact is one labelled line of a notification's details, rendered alike by every channel. */
export interface Fact {
  readonly label: string;
  readonly value: string;
}

/** facts lists the details worth a line, in display order: incident, status, opened, scenario, level, recipient. */
export function facts(notification: Notification): Fact[] {
  const { incident } = notification;
  const list: Fact[] = [
    { label: 'Incident', value: incident.id },
    { label: 'Severity', value: incident.severity },
    { label: 'Status', value: incident.status },
    { label: 'Opened', value: isoTime(incident.openedAt) },
  ];
  if (incident.scenario) list.push({ label: 'Scenario', value: oneLine(incident.scenario.title, 200) });
  if (notification.level !== undefined) list.push({ label: 'Level', value: String(notification.level) });
  if (notification.recipient) list.push({ label: 'For', value: notification.recipient.name });
  return list;
}

/** firstSteps gives the steps to show, at most MAX_FIRST_STEPS. */
export function firstSteps(notification: Notification): FirstStep[] {
  return (notification.firstSteps ?? []).slice(0, MAX_FIRST_STEPS);
}

/** renderText renders a notification as plain text: subject, details, summary, link and first steps with risk badges. */
export function renderText(notification: Notification): string {
  const lines = [subjectLine(notification), ''];
  for (const fact of facts(notification)) lines.push(`${fact.label}: ${fact.value}`);
  if (notification.summary) lines.push('', notification.summary);
  if (notification.link) lines.push('', `Open: ${notification.link}`);
  const steps = firstSteps(notification);
  if (steps.length > 0) {
    lines.push('', 'First steps:');
    steps.forEach((step, index) => {
      lines.push(`${index + 1}. ${riskBadge(step.risk)} (${step.kind}) ${step.run}`);
      if (step.description) lines.push(`   ${step.description}`);
    });
  }
  return `${lines.join('\n')}\n`;
}

/** isoTime writes epoch milliseconds as an ISO 8601 UTC time, or the number itself when it is no date. */
export function isoTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

/** safeLink returns the link when it is an http(s) URL, the only kind a message may make clickable. */
export function safeLink(link: string | undefined): string | undefined {
  if (!link || !URL.canParse(link)) return undefined;
  const url = new URL(link);
  return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
}

/** oneLine collapses line breaks and runs of spaces, and cuts the text at `max` characters. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
