/**
 * The walk over a whole document: each section is read for what it is (a scenario, a maintenance
 * task, a checklist, a table of severities or alerts, a procedure) by its heading words, its labels
 * and its content, so a runbook laid out in a way never seen before still yields what it states.
 */
import type {
  Alert,
  Checklist,
  Contact,
  EscalationLevel,
  MaintenanceTask,
  Procedure,
  Scenario,
  SeverityLevel,
  Slo,
  Step,
} from '../schema.ts';
import type { Found } from './checks.ts';
import { normalise, roleOf, type SectionRole, wordPattern, wordsOf } from './lexicon/index.ts';
import type { Block, List, Section } from './markdown.ts';
import { cleanTitle, entriesOf, IdPool, labelOf, slugify, textsOf } from './outline.ts';
import { looksLikeScenario, readScenario } from './scenarios.ts';
import { parseSchedule } from './schedule.ts';
import { numberSteps, stepFromText, stepsOfBlock } from './steps.ts';
import {
  contactOf,
  escalationLevel,
  kindOfTable,
  readAlertTable,
  readContactTable,
  readEscalationTable,
  readScenarioIndex,
  readSeverityTable,
  readSlo,
  readSloTable,
  type ScenarioEntry,
} from './tables.ts';

/** Collected is everything the walk found, before checks are derived and the model assembled. */
export interface Collected {
  readonly scenarios: Scenario[];
  readonly procedures: Procedure[];
  readonly maintenance: MaintenanceTask[];
  readonly checklists: Record<string, Checklist>;
  readonly severities: SeverityLevel[];
  readonly alerts: Alert[];
  readonly slos: Slo[];
  readonly escalation: EscalationLevel[];
  readonly contacts: Contact[];
  /** Every step with the prose around it, for derived checks. */
  readonly found: Found[];
  /** Alerts stated in prose next to a command ("Les alertes possibles : …"), with that command's step. */
  readonly proseAlerts: { alert: Alert; step?: Step }[];
  /** Labelled URLs ("**Health Check:** https://…/health"). */
  readonly urls: Found[];
  /** Rows of tables that index the scenarios. */
  readonly scenarioIndex: ScenarioEntry[];
}

const DOCUMENT_ROLES: readonly SectionRole[] = [
  'checklists',
  'maintenance',
  'severities',
  'alerts',
  'slos',
  'escalation',
  'contacts',
  'security',
  'scenarios',
  'deploy',
  'reference',
  'procedures',
];
const CHECKLIST_KINDS = ['pre-deploy', 'post-deploy', 'post-incident'] as const;
const ALERTS_WORDS = wordPattern(wordsOf((lexicon) => lexicon.roles, 'alerts'));

interface Context {
  readonly incidents: boolean;
  readonly maintenance: boolean;
  readonly role?: SectionRole;
}

const roleOfTitle = (title: string): SectionRole | undefined =>
  roleOf(cleanTitle(title), (lexicon) => lexicon.roles, DOCUMENT_ROLES, 'roles');

/** checklistId names a checklist from its heading: a known kind ("post-deploy") or the heading's slug. */
export function checklistId(title: string): string {
  const kind = roleOf(title, (lexicon) => lexicon.checklists, CHECKLIST_KINDS, 'checklists');
  return kind ?? slugify(cleanTitle(title).replace(/^checklists?\s*/i, '') || title);
}

const taskItems = (block: Block): List['items'] =>
  block.type === 'list' ? block.items.filter((item) => item.checked !== undefined) : [];

const proseOf = (section: Section): string =>
  section.blocks
    .filter((block) => block.type === 'paragraph' || block.type === 'list')
    .flatMap(textsOf)
    .map((entry) => entry.text)
    .join(' ');

/** readDocument walks the outline and collects every fact it states. */
export function readDocument(root: Section): Collected {
  const collected: Collected = {
    scenarios: [],
    procedures: [],
    maintenance: [],
    checklists: {},
    severities: [],
    alerts: [],
    slos: [],
    escalation: [],
    contacts: [],
    found: [],
    proseAlerts: [],
    urls: [],
    scenarioIndex: [],
  };
  const scenarioIds = new IdPool();
  const procedureIds = new IdPool();
  const taskIds = new IdPool();

  const addFound = (steps: Step[], section: Section): void => {
    const prose = proseOf(section);
    for (const step of steps) collected.found.push({ step, prose });
  };

  const readTables = (section: Section, role: SectionRole | undefined): void => {
    for (const block of section.blocks) {
      if (block.type !== 'table') continue;
      switch (kindOfTable(block, role)) {
        case 'severities':
          for (const level of readSeverityTable(block)) {
            if (!collected.severities.some((other) => other.id === level.id))
              collected.severities.push(level);
          }
          break;
        case 'alerts':
          collected.alerts.push(...readAlertTable(block));
          break;
        case 'slos':
          collected.slos.push(...readSloTable(block));
          break;
        case 'escalation':
          collected.escalation.push(...readEscalationTable(block));
          break;
        case 'contacts':
          collected.contacts.push(...readContactTable(block));
          break;
        case 'scenarios':
          collected.scenarioIndex.push(...readScenarioIndex(block));
          break;
        case 'other':
          break;
      }
    }
  };

  // "**On-Call Primary:** DevOps Team", "**API Availability**: 99.5% uptime", "**Health Check:** https://…".
  const readLabels = (section: Section, role: SectionRole | undefined): void => {
    const lines: { raw: string; line: number }[] = [];
    for (const block of section.blocks) {
      if (block.type === 'paragraph') {
        for (const [i, raw] of block.raw.split('\n').entries()) lines.push({ raw, line: block.line + i });
      }
      if (block.type === 'list')
        for (const item of block.items) lines.push({ raw: item.raw, line: item.line });
    }
    for (const { raw, line } of lines) {
      const label = labelOf(raw, role === 'escalation');
      if (!label?.rest) continue;
      const level = escalationLevel(label.label, label.rest, line);
      if (level) {
        collected.escalation.push(level);
        continue;
      }
      if (role === 'slos') {
        const slo = readSlo(label.label, label.rest, undefined, line);
        if (slo) collected.slos.push(slo);
      } else if (
        (role === 'contacts' || role === 'escalation') &&
        !/^https?:|\b(?:19|20)\d\d\b/.test(label.rest)
      ) {
        collected.contacts.push(contactOf(label.label, label.rest, line));
      }
      const url = /^https?:\/\/\S+$/.exec(label.rest.trim())?.[0];
      if (url) {
        collected.urls.push({
          step: {
            run: `curl ${url}`,
            kind: 'http',
            risk: 'read',
            description: label.label,
            source: { line },
          },
          prose: '',
        });
      }
    }
  };

  // "Les alertes possibles :" followed by a list of "**duplicate events** : …" items.
  const readProseAlerts = (section: Section, steps: Step[]): void => {
    section.blocks.forEach((block, index) => {
      const next = section.blocks[index + 1];
      if (block.type !== 'paragraph' || next?.type !== 'list' || !ALERTS_WORDS.test(normalise(block.text)))
        return;
      for (const item of next.items) {
        const label = labelOf(item.raw);
        const name = label?.label ?? item.text.split(/[:—–]/)[0]!.trim();
        if (!name) continue;
        collected.proseAlerts.push({
          alert: {
            id: slugify(name),
            name,
            when: `output contains ${JSON.stringify(name)}`,
            source: { line: item.line },
            ...(label?.rest ? { original: { description: label.rest } } : {}),
          },
          ...(steps[0] ? { step: steps[0] } : {}),
        });
      }
    });
  };

  const readChecklists = (section: Section): boolean => {
    const items = section.blocks.flatMap(taskItems);
    if (items.length === 0) return false;
    let id = checklistId(section.title);
    // Two checklists under alike headings are both kept: the second gets a suffix.
    for (let n = 2; collected.checklists[id] !== undefined; n++) id = `${checklistId(section.title)}-${n}`;
    collected.checklists[id] = {
      title: cleanTitle(section.title),
      items: items.map((item) => ({ text: item.text, source: { line: item.line } })),
      source: { line: section.line },
    };
    return true;
  };

  const maintenanceTask = (
    title: string,
    when: string | undefined,
    steps: Step[],
    line: number,
    objective?: string,
  ): MaintenanceTask => {
    const schedule = when ? parseSchedule(when) : undefined;
    return {
      id: taskIds.take(title),
      title,
      ...(schedule ? { schedule: schedule.cron } : {}),
      ...(schedule?.timezone ? { timezone: schedule.timezone } : {}),
      ...(schedule?.duration ? { duration: schedule.duration } : {}),
      ...(objective ? { objective } : {}),
      steps: numberSteps(steps, 'step'),
      source: { line },
      ...(when ? { original: { schedule: when } } : {}),
    };
  };

  // A maintenance section is either one task (labels Fréquence/Fenêtre, a procedure) or a frequency
  // group ("Quotidienne", "Hebdomadaire") whose list items are tasks ("02:00 UTC: Backup DB").
  const readMaintenance = (section: Section): void => {
    const groupSchedule = parseSchedule(cleanTitle(section.title));
    const lists = section.blocks.filter((block): block is List => block.type === 'list');
    if (groupSchedule && lists.length > 0 && section.blocks.every((block) => block.type === 'list')) {
      for (const item of lists.flatMap((list) => list.items)) {
        const label = labelOf(item.raw, true);
        const title = label?.rest || item.text;
        const when = [cleanTitle(section.title), label?.label].filter(Boolean).join('; ');
        const step = stepFromText(item.raw, title, item.line);
        collected.maintenance.push(maintenanceTask(title, when, step ? [step] : [], item.line));
      }
      return;
    }
    const timing: string[] = [];
    let objective: string | undefined;
    const steps: Step[] = [];
    for (const entry of entriesOf(section)) {
      if (entry.kind === 'label') {
        const role = roleOf(
          entry.label,
          (lexicon) => lexicon.roles,
          ['frequency', 'window', 'objective'] as const,
          'roles',
        );
        if ((role === 'frequency' || role === 'window') && entry.rest) timing.push(entry.rest);
        else if (role === 'objective' && entry.rest) objective = entry.rest;
        continue;
      }
      if (entry.block.type === 'code' || entry.block.type === 'list') {
        for (const step of stepsOfBlock(entry.block)) {
          // "0 2 * * * cd … && make db-backup" is the schedule and the command at once.
          const cron = /^\s*((?:[\d*/,-]+\s+){4}[\d*/,#-]+)\s+(.+)$/s.exec(step.run);
          if (cron && parseSchedule(cron[1]!)) {
            timing.push(cron[1]!);
            steps.push({ ...step, run: cron[2]!, description: step.description ?? 'scheduled run' });
          } else steps.push(step);
        }
      }
    }
    addFound(steps, section);
    const when = timing.length > 0 ? timing.join('; ') : undefined;
    collected.maintenance.push(
      maintenanceTask(cleanTitle(section.title), when, steps, section.line, objective),
    );
  };

  const readProcedure = (section: Section, category: Procedure['category']): void => {
    const steps: Step[] = [];
    for (const block of section.blocks) {
      if (block.type === 'code') steps.push(...stepsOfBlock(block));
      else if (block.type === 'list' && (block.ordered || block.items.some((item) => /`/.test(item.raw)))) {
        // A table of contents is an ordered list of links, not a procedure.
        const items = block.items.filter((item) => !/^\s*\[[^\]]*\]\([^)]*\)\s*$/.test(item.raw));
        if (items.length === 0) continue;
        steps.push(
          ...stepsOfBlock({ ...block, items }).filter((step) => block.ordered || step.kind !== 'manual'),
        );
      }
    }
    if (steps.length === 0) return;
    addFound(steps, section);
    readProseAlerts(section, steps);
    collected.procedures.push({
      id: procedureIds.take(cleanTitle(section.title) || 'procedure'),
      title: cleanTitle(section.title) || 'Procedure',
      ...(category ? { category } : {}),
      steps: numberSteps(steps, 'step'),
      source: { line: section.line },
    });
  };

  const visit = (section: Section, context: Context): void => {
    if (section.level > 0 && looksLikeScenario(section, context.incidents)) {
      const { scenario, observed } = readScenario(section, scenarioIds);
      collected.scenarios.push(scenario);
      const prose = proseOf(section);
      for (const step of [...observed, ...scenario.diagnosis!, ...scenario.actions!])
        collected.found.push({ step, prose });
      return;
    }
    const own = section.level > 0 ? roleOfTitle(section.title) : undefined;
    const role = own ?? context.role;
    readTables(section, role);
    readLabels(section, own ?? (context.role === 'slos' ? context.role : undefined));
    const isChecklist = readChecklists(section);
    const inMaintenance = context.maintenance || own === 'maintenance';
    if (inMaintenance && section.level > 0 && !isChecklist) {
      if (own !== 'maintenance' || section.children.length === 0) readMaintenance(section);
    } else if (section.level > 0 && !isChecklist) {
      const category =
        role === 'security'
          ? 'security'
          : role === 'deploy'
            ? 'deploy'
            : role === 'reference'
              ? 'reference'
              : undefined;
      readProcedure(section, category);
    }
    const next: Context = {
      incidents: context.incidents || own === 'scenarios' || own === 'security',
      maintenance: inMaintenance,
      ...(role ? { role } : {}),
    };
    for (const child of section.children) visit(child, next);
  };

  visit(root, { incidents: false, maintenance: false });
  return collected;
}
