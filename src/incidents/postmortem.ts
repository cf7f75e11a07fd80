/**
 * The post-mortem draft: a Markdown document written from what really happened during an incident —
 * its timeline, the times to acknowledge, mitigate and resolve computed from recorded timestamps, the
 * steps run with their approvals, the checklist state — and the runbook fixes those facts suggest.
 * Pure: the caller reads the store and passes everything in, `now` included. Texts from the store are
 * already redacted; they are masked once more here, and escaped so no data can open a table cell or
 * raw HTML.
 */
import type { StepOutcome } from '../actions/step.ts';
import type { Scenario, Step } from '../runbook/schema.ts';
import { maskSecrets } from '../runbook/secrets.ts';
import { formatDuration } from '../runbook/units.ts';
import type { AlertRecord, Incident, TimelineEntry } from '../store/incidents.ts';

/** ActionRunRecord is one corrective step run during the incident, as the audit log keeps it. */
export interface ActionRunRecord {
  /** The scenario step's id, or its `run` text when it has none. */
  readonly step: string;
  readonly risk: string;
  readonly status: string;
  readonly requestedBy: string;
  readonly approvedBy?: string;
  readonly params?: Readonly<Record<string, string>>;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly outputSha256?: string;
  readonly exitCode?: number;
}

/** ChecklistState is a tracked checklist with who ticked each item and when. */
export interface ChecklistState {
  readonly title: string;
  readonly items: readonly { text: string; done: boolean; by?: string; at?: number }[];
}

/** PostmortemInput is everything the draft is written from. */
export interface PostmortemInput {
  readonly incident: Incident;
  readonly timeline: readonly TimelineEntry[];
  readonly alerts: readonly AlertRecord[];
  readonly scenario?: Scenario;
  /** The incident's tracked checklists (post-incident), each shown with its state. */
  readonly checklists?: readonly ChecklistState[];
  readonly actionRuns?: readonly ActionRunRecord[];
  /** Commands a responder ran by hand (from `$ …` comments), leading `$ ` optional. */
  readonly commandsTyped?: readonly string[];
  readonly now: number;
}

/** IncidentDurations are the milliseconds from opening to each milestone; undefined when not reached. */
export interface IncidentDurations {
  readonly tta?: number;
  readonly ttm?: number;
  readonly ttr?: number;
}

/** How many lines of a diagnosis output the draft quotes. */
const OUTPUT_LINES = 5;

/** Step statuses that mean the step really ran (a refusal, a skip or a dry run did not). */
const RAN = new Set(['ok', 'failed', 'timeout']);
const FAILED = new Set(['failed', 'timeout']);

/** incidentDurations computes TTA, TTM and TTR from the recorded timestamps only. */
export function incidentDurations(input: PostmortemInput): IncidentDurations {
  const { incident, timeline, alerts } = input;
  const opened = incident.openedAt;
  // The first acknowledgement counts: a later one (after an ack timeout) overwrites the incident's field.
  const acked =
    sorted(timeline).find((entry) => entry.kind === 'acknowledged')?.at ?? incident.acknowledgedAt;
  const cleared = alerts.every((alert) => alert.status === 'resolved') ? lastClear(input) : undefined;
  // The mitigation is the last corrective step that succeeded before the alerts cleared (a restart
  // that left the queue full did not mitigate; the flush after it did), else the clearing itself;
  // while alerts still fire, the last corrective step that succeeded so far.
  const fixes = (input.actionRuns ?? [])
    .filter((run) => succeeded(run) && run.risk !== 'read')
    .map((run) => run.startedAt + run.durationMs)
    .sort((a, b) => a - b);
  const mitigated =
    cleared === undefined ? fixes.at(-1) : (fixes.filter((at) => at <= cleared).at(-1) ?? cleared);
  const resolved = incident.status === 'resolved' ? incident.resolvedAt : undefined;
  const since = (at: number | undefined) => (at === undefined ? undefined : Math.max(0, at - opened));
  return { tta: since(acked), ttm: since(mitigated), ttr: since(resolved) };
}

/** draftPostmortem writes the incident's post-mortem draft in Markdown. */
export function draftPostmortem(input: PostmortemInput): string {
  const { incident } = input;
  const durations = incidentDurations(input);
  const scenarioName = input.scenario?.id ?? incident.scenario;
  const out: string[] = [
    `# Post-mortem: ${incident.id} — ${inline(incident.title)}`,
    '',
    `**${incident.id}** · ${incident.severity} · scenario ${scenarioName ? code(scenarioName) : '_none_'} · ${incident.status}`,
    '',
    '## Impact and times',
    '',
    '| Milestone | When (UTC) | Since opening |',
    '| --- | --- | --- |',
    `| Opened | ${utc(incident.openedAt)} | — |`,
    `| Time to acknowledge (TTA) | ${at(incident.openedAt, durations.tta)} | ${span(durations.tta)} |`,
    `| Time to mitigate (TTM) | ${at(incident.openedAt, durations.ttm)} | ${span(durations.ttm)} |`,
    `| Time to resolve (TTR) | ${at(incident.openedAt, durations.ttr)} | ${span(durations.ttr)} |`,
    '',
  ];
  if (durations.ttr === undefined) {
    out.push(
      `Still ${incident.status} at ${utc(input.now)}, open for ${span(input.now - incident.openedAt)}.`,
      '',
    );
  }
  if (incident.acknowledgedBy) out.push(`Acknowledged by ${inline(incident.acknowledgedBy)}.`, '');
  if (incident.resolvedBy && durations.ttr !== undefined)
    out.push(`Resolved by ${inline(incident.resolvedBy)}.`, '');

  out.push('## Timeline', '', ...timelineSection(input.timeline), '');
  out.push('## Alerts involved', '', ...alertsSection(input.alerts), '');
  out.push('## Notifications', '', ...notificationsSection(input.timeline), '');
  out.push('## Steps run', '', ...stepsSection(input), '');
  for (const checklist of input.checklists ?? [])
    out.push(`## Checklist: ${inline(checklist.title)}`, '', ...checklistSection(checklist), '');
  out.push('## Proposed runbook fixes', '', ...proposals(input).map((line) => `- ${line}`), '');
  for (const heading of ['Root cause', 'What went well', 'What to improve']) {
    out.push(`## ${heading}`, '', '_to be written_', '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** proposals lists the runbook fixes the incident's facts suggest, one sentence each. */
export function proposals(input: PostmortemInput): string[] {
  const { scenario, incident } = input;
  const found: string[] = [];
  const outcomes = diagnosisOutcomes(input.timeline);
  const runs = input.actionRuns ?? [];

  for (const outcome of outcomes.filter((o) => FAILED.has(o.status))) {
    const why =
      outcome.error ?? (outcome.exitCode !== undefined ? `exit ${outcome.exitCode}` : outcome.status);
    found.push(
      `Diagnosis step ${code(firstLine(outcome.command))} ${outcome.status} (${inline(why)}): fix the command, or add a \`when\` condition so it runs only where it applies.`,
    );
  }
  for (const run of runs.filter(failed)) {
    found.push(
      `Action ${code(run.step)} ${run.status}${run.exitCode !== undefined ? ` (exit ${run.exitCode})` : ''}: fix the step, or add a \`when\` condition so it runs only where it applies.`,
    );
  }

  if (!scenario) {
    const names = [...new Set(input.alerts.map((alert) => alert.name))];
    const about = names.length > 0 ? ` (${names.map(code).join(', ')})` : '';
    found.push(
      incident.scenario
        ? `Scenario ${code(incident.scenario)} is named but missing from the runbook: write it${about}.`
        : `No scenario covered this incident: write a scenario for this alert${about}.`,
    );
  } else {
    for (const step of scenario.diagnosis ?? []) {
      const ran = outcomes.find((o) => same(o.command, step.run) && RAN.has(o.status));
      if (ran) continue;
      const seen = outcomes.find((o) => same(o.command, step.run));
      const why = seen ? ` (${seen.status}${seen.reason ? `: ${inline(seen.reason)}` : ''})` : '';
      found.push(
        `Diagnosis step ${stepName(step)} skipped${why}: it never ran during the incident; keep it, make it runnable, or drop it.`,
      );
    }
    for (const step of scenario.actions ?? []) {
      if (runs.some((run) => matches(run, step) && ranAction(run))) continue;
      found.push(
        `Action ${stepName(step)} skipped: it never ran during the incident; check it is still the right fix.`,
      );
    }
  }

  const known = [...(scenario?.diagnosis ?? []), ...(scenario?.actions ?? [])].map((step) =>
    normal(step.run),
  );
  const typed = new Set<string>();
  for (const raw of input.commandsTyped ?? []) {
    const command = normal(raw.replace(/^\s*\$\s+/, ''));
    if (command === '' || known.includes(command) || typed.has(command)) continue;
    typed.add(command);
    found.push(
      `Command typed by hand ${code(command)} is not in the runbook: add it to the scenario${scenario ? ` ${code(scenario.id)}` : ''}.`,
    );
  }
  return found.length > 0 ? found : ['_None: every step of the scenario ran and succeeded._'];
}

function timelineSection(timeline: readonly TimelineEntry[]): string[] {
  if (timeline.length === 0) return ['_No entries._'];
  const lines: string[] = [];
  for (const entry of sorted(timeline)) {
    const outcome = entry.kind === 'diagnosis' ? asOutcome(entry.data) : undefined;
    if (!outcome) {
      lines.push(`- ${utc(entry.at)} · ${inline(entry.actor)} · ${entry.kind}: ${inline(entry.text)}`);
      continue;
    }
    lines.push(
      `- ${utc(entry.at)} · ${inline(entry.actor)} · diagnosis: ${code(`$ ${firstLine(outcome.command)}`)} → ${ending(outcome)}`,
    );
    const shown = mask(outcome.output).replace(/\n+$/, '').split('\n').slice(0, OUTPUT_LINES);
    if (outcome.output.trim() !== '') {
      const more = outcome.output.trimEnd().split('\n').length > OUTPUT_LINES || outcome.truncated;
      lines.push(...fenced(shown).map((line) => `  ${line}`));
      if (more) lines.push('  _(output cut; see the stored record)_');
    }
  }
  return lines;
}

function alertsSection(alerts: readonly AlertRecord[]): string[] {
  if (alerts.length === 0) return ['_No alerts recorded._'];
  return [
    '| Alert | Source | Status | Started (UTC) | Cleared (UTC) | Summary |',
    '| --- | --- | --- | --- | --- | --- |',
    ...alerts.map(
      (alert) =>
        `| ${inline(alert.name)} | ${alert.source} | ${alert.status} | ${utc(alert.startedAt)} | ${
          alert.resolvedAt === undefined ? '—' : utc(alert.resolvedAt)
        } | ${alert.summary ? inline(alert.summary) : ''} |`,
    ),
  ];
}

function notificationsSection(timeline: readonly TimelineEntry[]): string[] {
  const kinds = new Set(['notified', 'escalated', 'notify-failed', 'ack-timeout']);
  const entries = sorted(timeline).filter((entry) => kinds.has(entry.kind));
  if (entries.length === 0) return ['_Nobody was paged._'];
  return entries.map((entry) => {
    const level = (entry.data as { level?: unknown } | undefined)?.level;
    const where = typeof level === 'number' ? ` (level ${level})` : '';
    return `- ${utc(entry.at)} · ${entry.kind}${where}: ${inline(entry.text)}`;
  });
}

function stepsSection(input: PostmortemInput): string[] {
  const lines: string[] = ['### Diagnosis', ''];
  const outcomes = diagnosisOutcomes(input.timeline);
  if (outcomes.length === 0) lines.push('_No diagnosis step ran._');
  for (const o of outcomes) {
    const facts = [
      ending(o),
      o.kind,
      `started ${utc(o.startedAt)}`,
      `took ${span(o.durationMs)}`,
      o.outputSha256 ? `output sha256 ${code(o.outputSha256)}` : '',
    ].filter((fact) => fact !== '');
    lines.push(`- ${code(`$ ${firstLine(o.command)}`)} — ${facts.join(', ')}`);
  }
  lines.push('', '### Actions', '');
  const runs = input.actionRuns ?? [];
  if (runs.length === 0) lines.push('_No action was run._');
  for (const run of runs) {
    const params = Object.entries(run.params ?? {}).map(([key, value]) => `${key}=${value}`);
    const facts = [
      `risk ${inline(run.risk)}`,
      `${inline(run.status)}${run.exitCode !== undefined ? ` (exit ${run.exitCode})` : ''}`,
      `asked by ${inline(run.requestedBy)}`,
      run.approvedBy ? `approved by ${inline(run.approvedBy)}` : 'no approval',
      params.length > 0 ? `params ${params.map(code).join(' ')}` : '',
      `started ${utc(run.startedAt)}`,
      `took ${span(run.durationMs)}`,
      run.outputSha256 ? `output sha256 ${code(run.outputSha256)}` : '',
    ].filter((fact) => fact !== '');
    lines.push(`- ${code(run.step)} — ${facts.join(', ')}`);
  }
  return lines;
}

function checklistSection(checklist: ChecklistState): string[] {
  if (checklist.items.length === 0) return ['_Empty checklist._'];
  return checklist.items.map((item) => {
    const who = [item.by ? `by ${inline(item.by)}` : '', item.at !== undefined ? `at ${utc(item.at)}` : '']
      .filter((part) => part !== '')
      .join(' ');
    return `- [${item.done ? 'x' : ' '}] ${inline(item.text)}${who ? ` — ${who}` : ''}`;
  });
}

function diagnosisOutcomes(timeline: readonly TimelineEntry[]): StepOutcome[] {
  return sorted(timeline)
    .filter((entry) => entry.kind === 'diagnosis')
    .map((entry) => asOutcome(entry.data))
    .filter((outcome) => outcome !== undefined);
}

/** asOutcome reads a diagnosis entry's data, which older or foreign records may lack or shape differently. */
function asOutcome(data: unknown): StepOutcome | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const record = data as Partial<StepOutcome>;
  if (typeof record.command !== 'string' || typeof record.status !== 'string') return undefined;
  return {
    ...record,
    output: typeof record.output === 'string' ? record.output : '',
    notes: record.notes ?? [],
    truncated: record.truncated === true,
    startedAt: typeof record.startedAt === 'number' ? record.startedAt : 0,
    durationMs: typeof record.durationMs === 'number' ? record.durationMs : 0,
    outputSha256: typeof record.outputSha256 === 'string' ? record.outputSha256 : '',
  } as StepOutcome;
}

function ending(outcome: StepOutcome): string {
  const exit = outcome.exitCode !== undefined ? ` (exit ${outcome.exitCode})` : '';
  const why = outcome.error ?? outcome.reason;
  return `${outcome.status}${exit}${why ? `: ${inline(why)}` : ''}`;
}

function lastClear(input: PostmortemInput): number | undefined {
  const entries = input.timeline.filter((entry) => entry.kind === 'alert-resolved').map((entry) => entry.at);
  const records = input.alerts.map((alert) => alert.resolvedAt).filter((at) => at !== undefined);
  const times = entries.length > 0 ? entries : records;
  return times.length > 0 ? Math.max(...times) : undefined;
}

function succeeded(run: ActionRunRecord): boolean {
  return run.status === 'ok' && (run.exitCode === undefined || run.exitCode === 0);
}

function failed(run: ActionRunRecord): boolean {
  return FAILED.has(run.status) || (run.exitCode !== undefined && run.exitCode !== 0);
}

function ranAction(run: ActionRunRecord): boolean {
  return RAN.has(run.status) || run.exitCode !== undefined;
}

function matches(run: ActionRunRecord, step: Step): boolean {
  return (step.id !== undefined && run.step === step.id) || same(run.step, step.run);
}

function stepName(step: Step): string {
  return step.id ? `${code(step.id)} (${code(firstLine(step.run))})` : code(firstLine(step.run));
}

function sorted(timeline: readonly TimelineEntry[]): TimelineEntry[] {
  return [...timeline].sort((a, b) => a.at - b.at || a.id - b.id);
}

function same(a: string, b: string): boolean {
  return normal(a) === normal(b);
}

function normal(command: string): string {
  return command.trim().replace(/\s+/g, ' ');
}

function firstLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines.length > 1 ? `${lines[0]} …` : (lines[0] ?? '');
}

function mask(text: string): string {
  return maskSecrets(text);
}

/** inline makes data safe on one Markdown line, in a table cell too: no raw HTML, no cell break. */
function inline(text: string): string {
  return mask(text)
    .replace(/\s+/g, ' ')
    .trim()
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('|', '\\|');
}

/** code writes a code span, longer backtick runs than the text holds so it cannot close early. */
function code(text: string): string {
  // Code spans only appear outside tables, so a pipe in one is harmless and stays as written.
  const clean = mask(text).replace(/\s+/g, ' ').trim();
  const ticks = '`'.repeat(longestRun(clean, '`') + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${clean}${pad}${ticks}`;
}

function fenced(lines: readonly string[]): string[] {
  const fence = '`'.repeat(Math.max(3, longestRun(lines.join('\n'), '`') + 1));
  return [fence, ...lines, fence];
}

function longestRun(text: string, char: string): number {
  let best = 0;
  let run = 0;
  for (const c of text) {
    run = c === char ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}

function utc(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

function span(ms: number | undefined): string {
  return ms === undefined ? '—' : formatDuration(Math.max(0, Math.round(ms)));
}

function at(opened: number, ms: number | undefined): string {
  return ms === undefined ? '—' : utc(opened + ms);
}
