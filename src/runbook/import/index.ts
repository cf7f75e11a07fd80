/**
 * The Markdown importer: a prose runbook, as people write it, to the runbook model. Lossy but
 * honest: what it cannot place is left out rather than guessed, every item keeps its source line,
 * and every normalised value keeps its original wording.
 */
import { parse as parseYaml } from 'yaml';
import { VigieError } from '../../errors.ts';
import {
  type Alert,
  type Check,
  type Contact,
  type EscalationLevel,
  Runbook,
  type RunbookConfig,
  type Scenario,
} from '../schema.ts';
import { linkChecklistChecks } from './checklist-checks.ts';
import { deriveChecks } from './checks.ts';
import { readDocument } from './document.ts';
import { normalise } from './lexicon/index.ts';
import { parseMarkdown } from './markdown.ts';
import { cleanTitle, IdPool, slugify } from './outline.ts';
import type { ScenarioEntry } from './tables.ts';
import { looksBinary, repairText } from './text-repair.ts';

/** ImportOptions name the document, for messages and the fallback title. */
export interface ImportOptions {
  /** File name, used in errors and as the runbook's name when the document has no title. */
  readonly file?: string;
}

/** ImportResult is the imported model with what the importer noticed on the way. */
export interface ImportResult {
  readonly runbook: RunbookConfig;
  /** The document's text as read: decoded, repaired, with LF line ends. */
  readonly text: string;
  /** Set when the text was double-encoded and repaired (`windows-1252`, `mac-roman`). */
  readonly repaired?: string;
  /** Things the reader should know: bytes lost in the repair, sections that gave nothing. */
  readonly notes: string[];
}

/** MAX_IMPORT_BYTES bounds the size of a document the importer accepts. */
export const MAX_IMPORT_BYTES = 16 * 1024 * 1024;

const TITLE_NOISE =
  /\b(?:runbook|run book|operations?|operationnel(?:le)?|opérationnel(?:le)?|d['’]exploitation|exploitation|incidents?|production|prod|playbook|guide)\b/gi;

/** nameOf makes the runbook's name from the document title, dropping "Runbook", "Operations" and the like. */
function nameOf(title: string, file: string | undefined): string {
  const cleaned = cleanTitle(title);
  const parts = cleaned.split(/\s+[-–—|:]\s+/);
  const named = parts
    .map((part) => part.replace(TITLE_NOISE, '').replace(/\s+/g, ' ').trim())
    .filter(Boolean);
  const fromFile = file
    ?.split('/')
    .pop()
    ?.replace(/\.[^.]+$/, '');
  return named[0] ?? (cleaned || fromFile || 'Imported runbook');
}

/** splitFrontMatter separates a leading `---` YAML block from the Markdown. */
function splitFrontMatter(text: string): { data: Record<string, unknown>; body: string; offset: number } {
  const match = /^---[ \t]*\n([\s\S]*?)\n---[ \t]*(?:\n|$)/.exec(text);
  if (!match) return { data: {}, body: text, offset: 0 };
  let data: unknown;
  try {
    data = parseYaml(match[1]!);
  } catch {
    return { data: {}, body: text, offset: 0 };
  }
  const offset = match[0].split('\n').length - 1;
  return {
    data: data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {},
    body: text.slice(match[0].length),
    offset,
  };
}

/** importMarkdown reads a prose runbook (bytes or text) into a validated model. */
export function importMarkdown(input: Uint8Array | string, options: ImportOptions = {}): ImportResult {
  const where = options.file ?? 'input';
  const notes: string[] = [];
  let text: string;
  let repaired: string | undefined;
  if (typeof input === 'string') text = input;
  else {
    if (input.byteLength > MAX_IMPORT_BYTES) {
      throw new VigieError(
        'IMPORT_TOO_LARGE',
        `${where}: ${input.byteLength} bytes is more than the ${MAX_IMPORT_BYTES} bytes a runbook may have`,
        'split the document, or import only the runbook part of it',
      );
    }
    if (looksBinary(input)) {
      throw new VigieError(
        'IMPORT_BINARY',
        `${where}: this is a binary file, not a Markdown or text runbook`,
        'import the runbook in Markdown (.md) or plain text',
      );
    }
    const decoded = repairText(input);
    text = decoded.text;
    repaired = decoded.repaired;
    if (decoded.repaired) notes.push(`text was double-encoded through ${decoded.repaired}; repaired`);
    if (decoded.lost > 0)
      notes.push(`${decoded.lost} byte(s) lost in an earlier re-encoding could not be recovered`);
  }
  text = text.replace(/\r\n?/g, '\n');
  const { data, body, offset } = splitFrontMatter(text);
  const root = parseMarkdown(body, offset);
  const title = root.children[0]?.level === 1 ? root.children[0].title : '';
  const collected = readDocument(root);
  const { checks, services } = deriveChecks([...collected.urls, ...collected.found]);

  // Alerts stated in prose next to a monitoring command follow the check that command became.
  const alerts = [...collected.alerts];
  for (const { alert, step } of collected.proseAlerts) {
    const check = step && checks.find((candidate) => candidate.source?.line === step.source?.line);
    if (!alerts.some((other) => other.id === alert.id))
      alerts.push(check ? { ...alert, check: check.id } : alert);
  }
  linkAlerts(alerts, checks);
  const scenarios = indexScenarios(collected.scenarios, collected.scenarioIndex);
  const contacts = dedupeById(collected.contacts);
  const escalation = linkContacts(collected.escalation, contacts);

  const frontName = [data.name, data.title].find(
    (value): value is string => typeof value === 'string' && value.trim() !== '',
  );
  const model = {
    name: frontName ?? nameOf(title, options.file),
    ...(typeof data.description === 'string' ? { description: data.description } : {}),
    ...(typeof data.version === 'string' || typeof data.version === 'number'
      ? { version: String(data.version) }
      : {}),
    ...(Object.keys(services).length > 0 ? { services } : {}),
    ...(checks.length > 0 ? { checks } : {}),
    ...(alerts.length > 0 ? { alerts: uniqueIds(alerts) } : {}),
    ...(collected.severities.length > 0 ? { severities: collected.severities } : {}),
    ...(contacts.length > 0 ? { contacts } : {}),
    ...(escalation.length > 0 ? { escalation: { default: escalation } } : {}),
    ...(scenarios.length > 0 ? { scenarios } : {}),
    ...(collected.procedures.length > 0 ? { procedures: collected.procedures } : {}),
    ...(collected.maintenance.length > 0 ? { maintenance: collected.maintenance } : {}),
    ...(Object.keys(collected.checklists).length > 0
      ? { checklists: linkChecklistChecks(collected.checklists, checks) }
      : {}),
    ...(collected.slos.length > 0 ? { slos: uniqueIds(collected.slos) } : {}),
  };
  const parsed = Runbook.safeParse(model);
  if (!parsed.success) {
    // The importer builds the model itself, so a failure here is Vigie's bug, not the user's.
    throw new VigieError(
      'IMPORT_INTERNAL',
      `${where}: the importer built a model that does not validate: ${parsed.error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
        .join('; ')}`,
      'report this with the document attached',
    );
  }
  if (scenarios.length === 0) notes.push('no incident scenario was recognised');
  return { runbook: parsed.data, text, ...(repaired ? { repaired } : {}), notes };
}

/** uniqueIds renames repeated ids (`high-latency`, `high-latency-2`): rows with the same name are still different items. */
function uniqueIds<T extends { id: string }>(items: T[]): T[] {
  const ids = new IdPool();
  return items.map((item) => {
    const id = ids.take(item.id);
    return id === item.id ? item : { ...item, id };
  });
}

function dedupeById<T extends { id: string }>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    if (seen.has(item.id)) return false;
    seen.add(item.id);
    return true;
  });
}

/**
 * linkAlerts gives each alert without a check the derived check its words point at (queue, disk,
 * health). A disk alert with no disk command in the document still needs a disk probe: one is added.
 */
function linkAlerts(alerts: Alert[], checks: Check[]): void {
  const first = (probe: Check['probe']): string | undefined =>
    checks.find((check) => check.probe === probe)?.id;
  for (const alert of alerts) {
    if (alert.check) continue;
    const words = normalise(`${alert.name ?? ''} ${alert.original?.when ?? ''}`);
    let check: string | undefined;
    if (/queue|file d'attente|jobs?\b/.test(words)) check = first('queue');
    else if (/disk|disque|storage|stockage/.test(words)) {
      check = first('disk');
      if (!check) {
        checks.push({
          id: 'disk',
          name: 'Disk usage of /',
          probe: 'disk',
          target: '/',
          expect: [],
          ...(alert.source ? { source: alert.source } : {}),
        });
        check = 'disk';
      }
    } else if (/health|down|latenc|error|erreur|p\d\d/.test(words)) check = first('http');
    if (check) alert.check = check;
  }
}

/**
 * indexScenarios merges a table that indexes the scenarios into those read from headings: a row
 * gives its severity to the scenario it names, and a row naming no described scenario still
 * becomes one, so an incident listed only in the index is not lost.
 */
function indexScenarios(scenarios: Scenario[], entries: readonly ScenarioEntry[]): Scenario[] {
  if (entries.length === 0) return scenarios;
  const merged = [...scenarios];
  const key = (text: string): string => slugify(text.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1'));
  const ids = new IdPool();
  for (const scenario of merged) ids.take(scenario.id);
  for (const entry of entries) {
    const wanted = key(entry.title);
    const index = merged.findIndex((scenario) => {
      const have = key(scenario.title);
      return have === wanted || have.includes(wanted) || wanted.includes(have);
    });
    const scenario = merged[index];
    if (scenario) {
      if (!scenario.severity && entry.severity) {
        merged[index] = {
          ...scenario,
          severity: entry.severity.id,
          original: { ...scenario.original, severity: entry.severity.label },
        };
      }
      continue;
    }
    merged.push({
      id: ids.take(entry.title),
      title: entry.title,
      ...(entry.severity
        ? { severity: entry.severity.id, original: { severity: entry.severity.label } }
        : {}),
      source: { line: entry.line },
    });
  }
  return merged;
}

/** linkContacts turns the names an escalation level notifies ("Primary On-Call") into contact ids where a contact matches. */
function linkContacts(levels: EscalationLevel[], contacts: readonly Contact[]): EscalationLevel[] {
  const key = (text: string): string =>
    normalise(text)
      .split(/[^a-z0-9]+/)
      .filter(Boolean)
      .sort()
      .join(' ');
  const ids = new Map<string, string>();
  for (const contact of contacts) {
    for (const name of [contact.id, contact.name, contact.role]) if (name) ids.set(key(name), contact.id);
  }
  return levels.map((level) => {
    const notify = level.notify.map((name) => ids.get(key(name)) ?? slugify(name));
    return notify.join() === level.notify.join()
      ? level
      : { ...level, notify, original: { ...level.original, notify: level.notify.join(', ') } };
  });
}
