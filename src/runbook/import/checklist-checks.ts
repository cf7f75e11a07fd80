/**
 * Checklist items that a check can tick. "Health check OK (/health/ready returns 200)" on a
 * post-deploy list is what the `paris-sportif-api-health-ready` check already watches: the importer
 * links the item to that check, so Vigie ticks it when the check holds, for the time the item names
 * ("… for 5 minutes") when it names one. Only a clear match links: a URL path that one check's target
 * ends with, or the words "health check" beside a single health check; anything vaguer ("services
 * UP") stays an item for a person.
 */
import type { Check, Checklist, ChecklistItem } from '../schema.ts';
import { normalise } from './lexicon/index.ts';
import { durationIn } from './time.ts';

const PATH = /(?<![\w.])\/[a-z0-9][\w\-./]*/gi;
const HEALTH_CHECK = /\bhealth\s*-?\s*checks?\b|\bhealthcheck\b/;

/** linkChecklistChecks gives the checklists with each item a check can tick written `{ text, check }`. */
export function linkChecklistChecks(
  checklists: Readonly<Record<string, Checklist>>,
  checks: readonly Check[],
): Record<string, Checklist> {
  const linked: Record<string, Checklist> = {};
  for (const [id, checklist] of Object.entries(checklists)) {
    linked[id] = Array.isArray(checklist)
      ? checklist.map((item) => linkItem(item, checks))
      : { ...checklist, items: checklist.items.map((item) => linkItem(item, checks)) };
  }
  return linked;
}

function linkItem(item: ChecklistItem, checks: readonly Check[]): ChecklistItem {
  const text = typeof item === 'string' ? item : item.text;
  if (typeof item !== 'string' && item.check !== undefined) return item;
  const check = checkFor(text, checks);
  if (!check) return item;
  const hold = durationIn(text);
  return {
    ...(typeof item === 'string' ? { text } : item),
    check: check.id,
    ...(hold && hold !== '0m' ? { hold } : {}),
  };
}

/** checkFor finds the one check an item speaks of, or undefined when none or several fit. */
function checkFor(text: string, checks: readonly Check[]): Check | undefined {
  const paths = [...text.matchAll(PATH)].map((match) => match[0].replace(/[.,;:)]+$/, ''));
  for (const path of paths) {
    const byPath = checks.filter((check) => pathOf(check.target) === path);
    // Several services may answer on /health: the first declared is the service the runbook is about.
    if (byPath.length > 0) return byPath[0];
  }
  if (!HEALTH_CHECK.test(normalise(text))) return undefined;
  const health = checks.filter((check) => /health/i.test(check.id));
  return health.length === 1 ? health[0] : undefined;
}

function pathOf(target: string): string | undefined {
  const at = target.search(/(?<![/:])\/(?!\/)/);
  if (at < 0 || !/^(?:https?:\/\/|\$\{)/i.test(target)) return undefined;
  return (
    target
      .slice(at)
      .replace(/[?#].*$/, '')
      .replace(/\/+$/, '') || undefined
  );
}
