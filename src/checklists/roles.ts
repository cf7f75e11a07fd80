/**
 * Which of a runbook's checklists Vigie attaches where: the pre-deploy ones when a deploy starts, the
 * post-deploy ones when it finishes, the post-incident ones when an incident resolves. A checklist is
 * known by its id or its title, in English or French, however it is spelt: the Markdown importer names
 * the checklists it recognises `pre-deploy`, `post-deploy` and `post-incident` (from headings such as
 * "Checklist Post-Déploiement"); a hand-written runbook may say `pre_deploy`, `avant-deploiement` or
 * give a title only.
 */
import { type ChecklistKind, normalise, wordsOf } from '../runbook/import/lexicon/index.ts';
import type { Checklist, ChecklistItem, RunbookConfig } from '../runbook/schema.ts';
import { parseDuration } from '../runbook/units.ts';

/** ChecklistRole is when Vigie attaches a checklist: before or after a deploy, after an incident. */
export type ChecklistRole = ChecklistKind;

/** CHECKLIST_ROLES lists the roles, in the order a name is tried against them. */
export const CHECKLIST_ROLES: readonly ChecklistRole[] = ['pre-deploy', 'post-deploy', 'post-incident'];

/** Words the importer's lexicons lack, which hand-written runbooks use for the same lists. */
const MORE_WORDS: Readonly<Record<ChecklistRole, readonly string[]>> = {
  'pre-deploy': [
    'before release',
    'before releasing',
    'before a deploy',
    'avant deploy',
    'avant de deployer',
    'avant mise en production',
    'avant la mise en production',
    'avant mise en prod',
    'avant la mise en prod',
    'avant mep',
    'pre mep',
    'pre-mise en production',
  ],
  'post-deploy': [
    'after release',
    'after releasing',
    'after a deploy',
    'apres deploy',
    'apres avoir deploye',
    'apres mise en production',
    'apres la mise en production',
    'apres mise en prod',
    'apres la mise en prod',
    'apres mep',
    'post mep',
    'post-mise en production',
  ],
  'post-incident': [
    'after each incident',
    'after every incident',
    'postmortem',
    'incident review',
    'apres chaque incident',
    'apres l incident',
    'retour d experience',
    'post mortem',
  ],
};

/** fold lowers case, strips accents and turns every run of punctuation into one space. */
const fold = (text: string): string =>
  normalise(text)
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

const WORDS: ReadonlyMap<ChecklistRole, readonly string[]> = new Map(
  CHECKLIST_ROLES.map((role) => [
    role,
    [...new Set([...wordsOf((lexicon) => lexicon.checklists, role), ...MORE_WORDS[role], role].map(fold))],
  ]),
);

/** roleOfName gives the role a checklist id or title names, if any (`Checklist Post-Déploiement` → post-deploy). */
export function roleOfName(name: string): ChecklistRole | undefined {
  const text = ` ${fold(name)} `;
  for (const role of CHECKLIST_ROLES) {
    if (WORDS.get(role)!.some((word) => text.includes(` ${word} `))) return role;
  }
  return undefined;
}

/** PlannedItem is a runbook checklist item as Vigie tracks it: its text and the check that ticks it. */
export interface PlannedItem {
  readonly text: string;
  readonly checkId?: string;
  /** How long (ms) the check must keep succeeding; 0 when its next success is enough. */
  readonly holdMs?: number;
}

/** PlannedChecklist is a runbook checklist ready to attach: its id, title and items. */
export interface PlannedChecklist {
  readonly id: string;
  readonly title: string;
  readonly items: readonly PlannedItem[];
}

function planItem(item: ChecklistItem): PlannedItem {
  if (typeof item === 'string') return { text: item };
  const holdMs = item.hold === undefined ? undefined : parseDuration(item.hold);
  return {
    text: item.text,
    ...(item.check ? { checkId: item.check, holdMs: holdMs ?? 0 } : {}),
  };
}

/** planChecklist reads one runbook checklist (a plain list, or a title with items). */
export function planChecklist(id: string, checklist: Checklist): PlannedChecklist {
  const titled = Array.isArray(checklist) ? undefined : checklist;
  const items = Array.isArray(checklist) ? checklist : checklist.items;
  return { id, title: titled?.title ?? id, items: items.map(planItem) };
}

/**
 * checklistsFor gives the runbook checklists of one role, in the runbook's order, those whose id names
 * the role before those known only by their title. Every match is given: a runbook may keep two
 * pre-deploy lists (backend, frontend), and a deploy tracks both.
 */
export function checklistsFor(
  runbook: Pick<RunbookConfig, 'checklists'>,
  role: ChecklistRole,
): PlannedChecklist[] {
  const byId: PlannedChecklist[] = [];
  const byTitle: PlannedChecklist[] = [];
  for (const [id, checklist] of Object.entries(runbook.checklists ?? {})) {
    if (roleOfName(id) === role) byId.push(planChecklist(id, checklist));
    else if (roleOfName(id) === undefined) {
      const title = Array.isArray(checklist) ? undefined : checklist.title;
      if (title !== undefined && roleOfName(title) === role) byTitle.push(planChecklist(id, checklist));
    }
  }
  return [...byId, ...byTitle];
}
