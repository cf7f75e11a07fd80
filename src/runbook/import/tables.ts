/**
 * Document-level facts written as tables or label lists: severity levels with response times,
 * alert tables (condition → `when`), SLA/SLO targets, escalation timelines (T+0, T+15min) and
 * contacts. A table is recognised by its header words and its cells, not by where it stands.
 */
import type { Alert, Contact, EscalationLevel, SeverityLevel, Slo } from '../schema.ts';
import { type NormalisedSeverity, normaliseSeverity } from '../severity.ts';
import { type ColumnRole, normalise, roleOf } from './lexicon/index.ts';
import type { Table } from './markdown.ts';
import { slugify } from './outline.ts';
import { durationIn } from './time.ts';

const COLUMN_ROLES: readonly ColumnRole[] = [
  'scenario',
  'response_time',
  'condition',
  'severity',
  'target',
  'critical',
  'contact',
  'description',
  'time',
  'action',
  'url',
  'role',
  'name',
];

/** columnsOf maps each column role to the index of the first header cell naming it. */
export function columnsOf(table: Table): Partial<Record<ColumnRole, number>> {
  const columns: Partial<Record<ColumnRole, number>> = {};
  table.header.forEach((cell, index) => {
    const role = roleOf(cell, (lexicon) => lexicon.columns, COLUMN_ROLES, 'columns');
    if (role && columns[role] === undefined) columns[role] = index;
  });
  return columns;
}

/** TableKind says what a table lists. */
export type TableKind = 'severities' | 'scenarios' | 'alerts' | 'slos' | 'escalation' | 'contacts' | 'other';

const ESCALATION_TIME = /^\s*(?:T\s*\+\s*\d|T\s*0\b|\+?\d+\s*(?:min|h|m)\b)/i;

/** kindOfTable tells what a table lists, from its header words and its first column. */
export function kindOfTable(table: Table, sectionRole?: string): TableKind {
  const columns = columnsOf(table);
  const firsts = table.rows.map((row) => row[0] ?? '');
  const share = (test: (cell: string) => boolean): number =>
    firsts.length === 0 ? 0 : firsts.filter(test).length / firsts.length;
  if (share((cell) => ESCALATION_TIME.test(cell)) >= 0.5) return 'escalation';
  if (
    // Under a "Severity levels" heading a few blank or odd rows do not hide the table.
    share((cell) => normaliseSeverity(cell) !== undefined && cell.length <= 24) >=
      (sectionRole === 'severities' ? 0.5 : 0.75) &&
    columns.name === undefined
  ) {
    return 'severities';
  }
  if (columns.scenario !== undefined && columns.condition === undefined) return 'scenarios';
  if (columns.condition !== undefined) return 'alerts';
  if (columns.target !== undefined || sectionRole === 'slos') return 'slos';
  if (
    columns.contact !== undefined ||
    table.rows.some((row) => row.some((cell) => /@|support/i.test(cell)))
  ) {
    return 'contacts';
  }
  return 'other';
}

/** readSeverityTable reads "SEV1 | Service down | 15 min" rows. */
export function readSeverityTable(table: Table): SeverityLevel[] {
  const columns = columnsOf(table);
  const levels: SeverityLevel[] = [];
  table.rows.forEach((row, index) => {
    const found = normaliseSeverity(row[0] ?? '');
    if (!found || levels.some((level) => level.id === found.id)) return;
    const responseCell = columns.response_time !== undefined ? row[columns.response_time] : undefined;
    const response = responseCell ? durationIn(responseCell) : undefined;
    const descriptionIndex =
      columns.description ??
      row.findIndex((cell, i) => i > 0 && i !== columns.response_time && cell.trim() !== '');
    const description = descriptionIndex >= 0 ? row[descriptionIndex] : undefined;
    levels.push({
      id: found.id,
      label: found.label,
      ...(description ? { description } : {}),
      ...(response ? { response_time: response } : {}),
      source: { line: table.rowLines[index]! },
      ...(responseCell ? { original: { response_time: responseCell } } : {}),
    });
  });
  return levels;
}

// Units are tried longest first and must end a word, so "500 messages" is not 500 minutes nor "512 MB" 512 minutes.
const COMPARISON =
  /([<>]=?|≥|≤)\s*(\d{1,12}(?:[.,]\d{1,6})?)\s*(%|(?:ms|sec|min|kb|mb|gb|tb|s|m|h|d|jobs?|items?|messages?|hosts?)\b)?/i;
const WINDOW = /(?:sur|over|for|pendant|during|in|en)\s+(\d+\s*(?:min|minutes?|m|h|hours?|heures?|s))\b/i;
const FAILS = /(?:fail\w*|echec\w*|down)\s*(?:x\s*)?(\d+)\s*(?:x|times|fois)|(\d+)\s*(?:x|times|fois)/i;
const PERCENTILE = /\bp(\d{2}(?:\.\d+)?)\b/i;

const symbol = (op: string): string => (op === '≥' ? '>=' : op === '≤' ? '<=' : op);
const amount = (value: string, unit: string | undefined): string => {
  const number = value.replace(',', '.');
  if (!unit) return number;
  const lower = unit.toLowerCase();
  if (lower === '%') return `${number}%`;
  if (['ms', 's', 'sec', 'min', 'm', 'h', 'd'].includes(lower))
    return `${number}${lower === 'sec' ? 's' : lower === 'min' ? 'm' : lower}`;
  if (['kb', 'mb', 'gb', 'tb'].includes(lower)) return `${number}${lower.toUpperCase()}`;
  return number;
};

/** ruleFromCondition turns an alert condition in prose ("Health check fail 3x", "P99 > 3s", "> 5% sur 5min") into a `when` rule. */
export function ruleFromCondition(condition: string, name = ''): string | undefined {
  const text = normalise(`${condition}`);
  const fails = FAILS.exec(text);
  if (fails && /fail|echec|down|check/.test(`${text} ${normalise(name)}`))
    return `fails ${fails[1] ?? fails[2]} times`;
  const comparison = COMPARISON.exec(condition);
  if (!comparison) return undefined;
  const op = symbol(comparison[1]!);
  const value = amount(comparison[2]!, comparison[3]);
  const window = WINDOW.exec(normalise(condition))?.[1];
  const over = window ? ` over ${durationIn(window) ?? window}` : '';
  const context = normalise(`${name} ${condition}`);
  const percentile = PERCENTILE.exec(context);
  if (percentile)
    return `p${percentile[1]}(latency) ${op} ${value} over ${window ? (durationIn(window) ?? window) : '5m'}`;
  if (/latenc|latency|response time|temps de reponse/.test(context))
    return `p95(latency) ${op} ${value}${over || ' over 5m'}`;
  if (/error|erreur/.test(context) && value.endsWith('%'))
    return `error_rate ${op} ${value}${over || ' over 5m'}`;
  return `value ${op} ${value}${over ? ` for ${over.slice(6)}` : ''}`;
}

/** readAlertTable reads "API Down | Health check fail 3x | CRITICAL" rows. */
export function readAlertTable(table: Table): Alert[] {
  const columns = columnsOf(table);
  const nameIndex = columns.name ?? 0;
  const alerts: Alert[] = [];
  table.rows.forEach((row, index) => {
    const name = row[nameIndex]?.trim();
    const condition = columns.condition !== undefined ? row[columns.condition]?.trim() : undefined;
    if (!name || !condition) return;
    const severityCell = columns.severity !== undefined ? row[columns.severity] : undefined;
    const severity: NormalisedSeverity | undefined = severityCell
      ? normaliseSeverity(severityCell)
      : undefined;
    const when = ruleFromCondition(condition, name);
    alerts.push({
      id: slugify(name),
      name,
      when: when ?? condition,
      ...(severity ? { severity: severity.id } : {}),
      source: { line: table.rowLines[index]! },
      original: { when: condition, ...(severityCell ? { severity: severityCell } : {}) },
    });
  });
  return alerts;
}

/** indicatorOf tells what an SLO measures from its name and target. */
function indicatorOf(name: string, target: string): Slo['indicator'] {
  const text = normalise(`${name} ${target}`);
  if (/uptime|availability|disponibilite/.test(text)) return 'availability';
  if (/latenc|response time|temps de reponse|\bp\d{2}\b/.test(text)) return 'latency';
  if (/error|erreur/.test(text)) return 'error_rate';
  if (/queue|file|backlog|jobs? pending|lag/.test(text)) return 'queue_depth';
  if (/\d+\s*(?:min|s|h)\b/.test(text)) return 'duration';
  return 'custom';
}

/** readSlo reads one SLO from its name, its target ("< 200ms", "99.5% uptime") and an optional critical bound. */
export function readSlo(
  name: string,
  targetText: string,
  criticalText: string | undefined,
  line: number,
): Slo | undefined {
  const indicator = indicatorOf(name, targetText);
  const percentile = PERCENTILE.exec(normalise(name))?.[1];
  const measure =
    indicator === 'latency'
      ? `p${percentile ?? '95'}(latency)`
      : indicator === 'error_rate'
        ? 'error_rate'
        : 'value';
  const bound = (text: string): string | undefined => {
    const comparison = COMPARISON.exec(text);
    return comparison
      ? `${measure} ${symbol(comparison[1]!)} ${amount(comparison[2]!, comparison[3])}`
      : undefined;
  };
  const percent = /(\d+(?:[.,]\d+)?)\s*%/.exec(targetText);
  const slo: Slo = {
    id: slugify(name),
    name,
    indicator,
    source: { line },
    original: { target: targetText, ...(criticalText ? { critical: criticalText } : {}) },
  };
  if (indicator === 'availability' && percent) {
    slo.objective = `${percent[1]!.replace(',', '.')}%`;
    const critical = criticalText ? COMPARISON.exec(criticalText) : null;
    if (critical) slo.critical = `availability ${symbol(critical[1]!)} ${amount(critical[2]!, critical[3])}`;
    return slo;
  }
  const target = bound(targetText);
  if (!target) return undefined;
  slo.target = target;
  const critical = criticalText ? bound(criticalText) : undefined;
  if (critical) slo.critical = critical;
  return slo;
}

/** readSloTable reads "Uptime | 99.5% | < 99%" rows. */
export function readSloTable(table: Table): Slo[] {
  const columns = columnsOf(table);
  const targetIndex = columns.target ?? 1;
  return table.rows.flatMap((row, index) => {
    const name = row[0]?.trim();
    const target = row[targetIndex]?.trim();
    if (!name || !target) return [];
    const critical = columns.critical !== undefined ? row[columns.critical] : undefined;
    const slo = readSlo(name, target, critical, table.rowLines[index]!);
    return slo ? [slo] : [];
  });
}

/** readEscalationTable reads "T+15min | Secondary On-Call" rows as levels. */
export function readEscalationTable(table: Table): EscalationLevel[] {
  return table.rows.flatMap((row, index) => {
    const who = row.slice(1).find((cell) => cell.trim() !== '');
    const level = who ? escalationLevel(row[0] ?? '', who, table.rowLines[index]!) : undefined;
    return level ? [level] : [];
  });
}

/** escalationLevel reads one step of an escalation timeline ("T+15min" → "Secondary On-Call"), or undefined when the time is no delay. */
export function escalationLevel(time: string, who: string, line: number): EscalationLevel | undefined {
  if (!ESCALATION_TIME.test(time) || !who.trim()) return undefined;
  const after = /^\s*T\s*(?:\+\s*0|0)\s*$/i.test(time)
    ? '0m'
    : (durationIn(time.replace(/^\s*T\s*\+\s*/i, '')) ?? '0m');
  return {
    after: after === '0s' ? '0m' : after,
    notify: who.split(/\s*(?:,|\+|&|\bet\b|\band\b)\s*/).filter(Boolean),
    source: { line },
    original: { after: time },
  };
}

/** ScenarioEntry is one row of a table that indexes the scenarios ("| 3 | Redis down | P2 |"). */
export interface ScenarioEntry {
  readonly title: string;
  readonly severity?: NormalisedSeverity;
  readonly line: number;
}

/** readScenarioIndex reads a table listing the scenarios, with their severities where given. */
export function readScenarioIndex(table: Table): ScenarioEntry[] {
  const columns = columnsOf(table);
  const titleIndex = columns.scenario ?? 0;
  return table.rows.flatMap((row, index) => {
    const title = row[titleIndex]?.trim();
    if (!title) return [];
    const severityCell = columns.severity !== undefined ? row[columns.severity] : undefined;
    const severity = severityCell ? normaliseSeverity(severityCell) : undefined;
    return [
      {
        title,
        ...(severity ? { severity: { ...severity, label: severityCell!.trim() } } : {}),
        line: table.rowLines[index]!,
      },
    ];
  });
}

const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/;
const PHONE = /\+?\d[\d .-]{7,}\d/;
const URL = /https?:\/\/\S+|\b[\w-]+(?:\.[\w-]+)+\.(?:com|io|org|net|fr|dev|app)\b\S*/;

/** contactOf makes a contact from a role and a free-text "how to reach" cell. */
export function contactOf(role: string, reach: string, line: number, severities?: string): Contact {
  const email = EMAIL.exec(reach)?.[0];
  const phone = email ? undefined : PHONE.exec(reach)?.[0];
  const url = email || phone ? undefined : URL.exec(reach)?.[0];
  const levels = severities
    ? [...severities.matchAll(/[^/,;]+/g)]
        .map((part) => normaliseSeverity(part[0])?.id)
        .filter((id) => id !== undefined)
    : [];
  const name = email || phone || url ? role : reach.trim() || role;
  return {
    id: slugify(role),
    name,
    ...(name !== role ? { role } : {}),
    ...(email ? { email } : {}),
    ...(phone ? { phone } : {}),
    ...(url ? { url } : {}),
    ...(levels.length > 0 ? { severities: [...new Set(levels)] } : {}),
    source: { line },
  };
}

/** readContactTable reads "Rôle | Contact" or "Service | Contact | Priorité" rows. */
export function readContactTable(table: Table): Contact[] {
  const columns = columnsOf(table);
  const roleIndex = columns.role ?? columns.name ?? 0;
  const reachIndex = columns.contact ?? (roleIndex === 0 ? 1 : 0);
  return table.rows.flatMap((row, index) => {
    const role = row[roleIndex]?.trim();
    const reach = row[reachIndex]?.trim() ?? '';
    if (!role) return [];
    const severities = columns.severity !== undefined ? row[columns.severity] : undefined;
    return [contactOf(role, reach, table.rowLines[index]!, severities)];
  });
}
