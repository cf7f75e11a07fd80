/**
 * Incident scenarios: recognising them ("Incident 3: …", "INCIDENT: …", a numbered heading under
 * "Common incidents" with Symptoms/Diagnosis/Resolution) and reading their fields, whether written
 * as sub-headings or as bold labels.
 */
import type { Scenario, Step } from '../schema.ts';
import { normaliseSeverity, severityMark } from '../severity.ts';
import { LEXICONS, normalise, roleOf, type SectionRole, wordPattern, wordsOf } from './lexicon/index.ts';
import type { Block, Section } from './markdown.ts';
import { cleanTitle, type Entry, entriesOf, type IdPool, textsOf, trimEndOf } from './outline.ts';
import { inlineCommand, numberSteps, stepFromText, stepsOfBlock } from './steps.ts';
import { amountsOfTime } from './time.ts';

type FieldRole = Extract<
  SectionRole,
  | 'resolution_time'
  | 'restore_backup'
  | 'symptoms'
  | 'causes'
  | 'diagnosis'
  | 'actions'
  | 'priority'
  | 'prevention'
>;
// Order matters: "Temps de résolution" must be read as a time before "résolution" as actions.
const FIELD_ROLES: readonly FieldRole[] = [
  'resolution_time',
  'restore_backup',
  'symptoms',
  'causes',
  'diagnosis',
  'actions',
  'priority',
  'prevention',
];
const STRUCTURE_ROLES = new Set<FieldRole>(['symptoms', 'causes', 'diagnosis', 'actions']);

/** fieldOf gives the scenario field a label or sub-heading introduces, or undefined. */
export function fieldOf(label: string): FieldRole | undefined {
  return roleOf(cleanTitle(label), (lexicon) => lexicon.roles, FIELD_ROLES, 'roles');
}

const SCENARIO_TITLE = new RegExp(
  `^(?:${wordPattern(wordsOf((lexicon) => ({ title: lexicon.scenarioTitle }), 'title')).source})\\s*(?:#?\\d+)?\\s*[:.\\-–—]\\s*`,
);

/** scenarioTitle gives a heading's scenario title when it reads "Incident 3: …", or undefined. */
export function scenarioTitle(title: string): string | undefined {
  const cleaned = cleanTitle(title);
  const match = SCENARIO_TITLE.exec(normalise(cleaned));
  if (!match) return undefined;
  // "Incident 1: 🔥" has nothing left once the emoji is gone; the heading itself is the title then.
  return cleaned.slice(match[0].length).trim() || trimEndOf(cleaned, ':.-–—');
}

/** looksLikeScenario says whether a section is an incident scenario: by its title, or by its fields. */
export function looksLikeScenario(section: Section, inIncidents: boolean): boolean {
  if (scenarioTitle(section.title)) return true;
  if (!inIncidents) return false;
  const roles = new Set<FieldRole>();
  for (const entry of entriesOf(section)) {
    if (entry.kind !== 'label') continue;
    const role = fieldOf(entry.label);
    if (role && STRUCTURE_ROLES.has(role)) roles.add(role);
  }
  return roles.size >= 2;
}

/** parseResolutionTime reads "5-15 minutes", "5 minutes (kill) ou 15 minutes" or "immédiat" as a range. */
export function parseResolutionTime(text: string): Scenario['resolution_time'] {
  const amounts = amountsOfTime(text);
  if (amounts.length === 0) return { text };
  const sorted = [...amounts].sort((a, b) => a.ms - b.ms);
  const min = sorted[0]!;
  const max = sorted[sorted.length - 1]!;
  return { ...(amounts.length > 1 ? { min: min.written } : {}), max: max.written, text };
}

const ANSWER_PATTERNS = (['maybe', 'no', 'yes'] as const).map((answer) => ({
  answer,
  pattern: wordPattern(LEXICONS.flatMap((lexicon) => lexicon.answers[answer])),
}));
const ANSWER_MARKS: Readonly<Record<string, 'yes' | 'no' | 'maybe'>> = {
  '❌': 'no',
  '✖': 'no',
  '⛔': 'no',
  '✅': 'yes',
  '✔': 'yes',
  '⚠': 'maybe',
};

/** answerOf reads a yes/no/maybe answer from marks (❌ ✅ ⚠️) or words, or undefined. */
export function answerOf(text: string): 'yes' | 'no' | 'maybe' | undefined {
  for (const [mark, answer] of Object.entries(ANSWER_MARKS)) if (text.includes(mark)) return answer;
  const normalised = normalise(text);
  let best: { answer: 'yes' | 'no' | 'maybe'; index: number; length: number } | undefined;
  for (const { answer, pattern } of ANSWER_PATTERNS) {
    const match = pattern.exec(normalised);
    if (!match) continue;
    // The earliest answer wins; at the same place the longer phrase ("pas nécessaire" over "nécessaire").
    if (!best || match.index < best.index || (match.index === best.index && match[0].length > best.length)) {
      best = { answer, index: match.index, length: match[0].length };
    }
  }
  return best?.answer;
}

/** ReadScenario is a scenario with the commands its symptoms quote ("`curl …/health` → timeout"), which tell how to watch for it. */
export interface ReadScenario {
  readonly scenario: Scenario;
  readonly observed: Step[];
}

/** readScenario reads one scenario section into the model. */
export function readScenario(section: Section, ids: IdPool): ReadScenario {
  const title = scenarioTitle(section.title) ?? cleanTitle(section.title);
  const symptoms: string[] = [];
  const causes: string[] = [];
  const prevention: string[] = [];
  const diagnosis: Step[] = [];
  const actions: Step[] = [];
  const original: Record<string, string> = {};
  let severity = severityMark(section.title);
  if (severity) original.severity = severity.label;
  let resolution: Scenario['resolution_time'];
  let restore: NonNullable<Scenario['restore_backup']> | undefined;
  let field: FieldRole | undefined;
  const observed: Step[] = [];

  const readText = (role: FieldRole, text: string, raw: string, line: number, block?: Block): void => {
    switch (role) {
      case 'symptoms':
      case 'causes':
      case 'prevention': {
        const list = role === 'symptoms' ? symptoms : role === 'causes' ? causes : prevention;
        if (block) list.push(...textsOf(block).map((entry) => entry.text));
        else if (text) list.push(text);
        if (role === 'symptoms') {
          const lines =
            block?.type === 'list'
              ? block.items.map((item) => ({ raw: item.raw, line: item.line }))
              : [{ raw, line }];
          for (const entry of lines) {
            const command = inlineCommand(entry.raw);
            const step = command ? stepFromText(`\`${command}\``, command, entry.line) : undefined;
            if (step?.risk === 'read') observed.push(step);
          }
        }
        return;
      }
      case 'diagnosis':
      case 'actions': {
        const target = role === 'diagnosis' ? diagnosis : actions;
        if (block) target.push(...stepsOfBlock(block));
        else {
          const step = stepFromText(raw, text, line);
          if (step) target.push(step);
        }
        return;
      }
      case 'resolution_time':
        if (text && !resolution) resolution = parseResolutionTime(text);
        return;
      case 'priority': {
        const found = normaliseSeverity(text);
        if (found) {
          severity = found;
          original.severity = text;
        }
        return;
      }
      case 'restore_backup': {
        if (block?.type === 'code') {
          actions.push(...stepsOfBlock(block, { when: restore?.when?.[0] ?? 'a backup must be restored' }));
          return;
        }
        const texts = block ? textsOf(block) : [{ text, line }];
        for (const entry of texts) {
          if (!entry.text) continue;
          const answer = restore ? undefined : answerOf(entry.text);
          if (answer) restore = { answer, text: entry.text };
          else if (restore) restore = { ...restore, when: [...(restore.when ?? []), entry.text] };
        }
        return;
      }
    }
  };

  for (const entry of entriesOf(section) as Entry[]) {
    if (entry.kind === 'label') {
      const role = fieldOf(entry.label);
      if (role) {
        field = role;
        if (entry.rest) readText(role, entry.rest, entry.restRaw, entry.line);
        continue;
      }
      // A label that names no field ("**Query DB lente:**") is text of the current field.
      if (field)
        readText(
          field,
          `${entry.label}: ${entry.rest}`.trim(),
          `**${entry.label}:** ${entry.restRaw}`,
          entry.line,
        );
      continue;
    }
    if (field) readText(field, '', '', entry.block.line, entry.block);
  }

  const scenario: Scenario = {
    id: ids.take(title),
    title,
    ...(severity ? { severity: severity.id } : {}),
    symptoms,
    causes,
    diagnosis: numberSteps(diagnosis, 'diagnosis'),
    actions: numberSteps(actions, 'action'),
    ...(restore ? { restore_backup: restore } : {}),
    ...(resolution ? { resolution_time: resolution } : {}),
    ...(prevention.length > 0 ? { prevention } : {}),
    source: { line: section.line },
    ...(Object.keys(original).length > 0 ? { original } : {}),
  };
  return { scenario, observed };
}
