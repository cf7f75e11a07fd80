/**
 * The checklist state a post-mortem draft shows: an incident's tracked lists as `draftPostmortem`
 * takes them, with who ticked each item and when.
 */
import type { ChecklistState } from '../incidents/postmortem.ts';
import type { TrackedChecklist } from '../store/checklists.ts';

/** postmortemChecklists gives the state of an incident's tracked checklists for `draftPostmortem`. */
export function postmortemChecklists(checklists: readonly TrackedChecklist[]): ChecklistState[] {
  return checklists.map((checklist) => ({
    title: checklist.title,
    items: checklist.items.map((item) => ({
      text: item.note ? `${item.text} (${item.note})` : item.text,
      done: item.doneAt !== undefined,
      ...(item.doneBy === undefined ? {} : { by: item.doneBy }),
      ...(item.doneAt === undefined ? {} : { at: item.doneAt }),
    })),
  }));
}
