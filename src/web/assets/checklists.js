/**
 * Tracked checklists, as the incident page and the operations page show them: each list with its
 * items, who ticked one and when (with the note), the items that tick themselves (the check, how long
 * it must hold, since when it has held), and a responder's Tick or Untick with an optional note. The
 * tracker decides; an item ticked by its check is ticked by `vigie`.
 */
import { api, mayRespond, rereader } from './api.js';
import { formatDuration, formatTime, h, problem, refreshTimes, replace, timeAgo } from './dom.js';

const itemState = (item) =>
  JSON.stringify([item.doneAt, item.doneBy, item.note, item.passingSince, item.text, item.checkId]);

/** progress says how far a list has got: `1 of 3 done`. */
function progress(list) {
  const done = list.items.filter((item) => item.doneAt !== undefined).length;
  return `${done} of ${list.items.length} done`;
}

/**
 * createChecklists gives a panel of tracked checklists: `node` to place in the page, `refresh()` to
 * read them again through `load()` (which resolves to the lists), `show(lists)` to draw lists already
 * read, and `waitsForCheck()`, true while an unticked item is ticked by a check (its hold moves with
 * no event to tell). `empty` is what the panel says when there is no list.
 */
export function createChecklists({ me, load, empty, idPrefix = 'checklist' }) {
  const responder = mayRespond(me);
  const message = h('div', { class: 'message', 'aria-live': 'polite' });
  const emptyNode = h('p', { class: 'muted' }, empty);
  const root = h('div', { class: 'tracked-lists' });
  /** Drawn lists by id: their node, item list and items by position with the state they show. */
  const lists = new Map();
  let latest = [];

  function tickForm(list, item) {
    const done = item.doneAt !== undefined;
    const noteId = `${idPrefix}-${list.id}-item-${item.position}-note`;
    const note = h('input', {
      type: 'text',
      id: noteId,
      name: 'note',
      maxlength: 2000,
      autocomplete: 'off',
      placeholder: done ? 'Why untick it? (optional)' : 'Note (optional)',
      'aria-label': `${done ? 'Why untick' : 'Note for'} item ${item.position}`,
      dataset: { note: item.position },
    });
    const button = h(
      'button',
      {
        type: 'submit',
        class: done ? 'quiet' : 'good',
        dataset: { [done ? 'untick' : 'tick']: item.position },
      },
      done ? 'Untick' : 'Tick',
    );
    const result = h('div', { class: 'message', 'aria-live': 'polite' });
    const form = h('form', { class: 'tick', novalidate: true }, note, button, result);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      button.disabled = true;
      replace(result);
      const text = note.value.trim();
      try {
        const answer = await api(`/api/v1/checklists/${list.id}/items/${item.position}`, {
          method: 'POST',
          csrf: me.csrf,
          body: { done: !done, ...(text ? { note: text } : {}) },
        });
        drawList(answer.checklist);
      } catch (error) {
        button.disabled = false;
        replace(result, problem(error));
      }
    });
    return form;
  }

  function itemNode(list, item) {
    const done = item.doneAt !== undefined;
    const byCheck = item.checkId !== undefined;
    return h(
      'li',
      {
        class: 'tracked-item',
        dataset: { position: item.position, done: done ? 'true' : 'false', check: item.checkId },
      },
      h(
        'div',
        { class: 'item-line' },
        h('span', { class: 'mark', 'aria-hidden': 'true' }, done ? '✓' : ''),
        h('span', { class: 'visually-hidden' }, done ? 'Done: ' : 'To do: '),
        h('span', { class: 'item-text' }, item.text),
      ),
      done
        ? h(
            'p',
            { class: 'item-done' },
            'Ticked by ',
            h('strong', { class: 'ticker' }, item.doneBy === 'vigie' ? 'Vigie' : item.doneBy),
            ` at ${formatTime(item.doneAt)} (`,
            timeAgo(item.doneAt),
            ')',
          )
        : null,
      item.note ? h('p', { class: 'item-note' }, done ? '' : 'Note: ', item.note) : null,
      byCheck && !done
        ? h(
            'p',
            { class: 'item-check' },
            'Ticks itself once check ',
            h('code', {}, item.checkId),
            ' has succeeded',
            item.holdMs ? ` without a break for ${formatDuration(item.holdMs)}` : '',
            item.passingSince !== undefined
              ? [
                  '; ',
                  h(
                    'span',
                    { class: 'holding' },
                    `holding since ${formatTime(item.passingSince)} (`,
                    timeAgo(item.passingSince),
                    ')',
                  ),
                ]
              : h('span', { class: 'not-holding' }, '; not holding yet'),
          )
        : null,
      responder ? tickForm(list, item) : null,
    );
  }

  /** drawList draws a list, or redraws only its changed items so a note being typed elsewhere stays. */
  function drawList(list) {
    let drawn = lists.get(list.id);
    if (!drawn) {
      const items = h('ol', { class: 'tracked-items' });
      const count = h('span', { class: 'muted progress' });
      const node = h(
        'article',
        { class: 'tracked', id: `${idPrefix}-${list.id}`, dataset: { checklist: list.id, name: list.name } },
        h('div', { class: 'tracked-head' }, h('h3', {}, list.title), count),
        list.title === list.name ? null : h('p', { class: 'muted' }, list.name),
        items,
      );
      drawn = { node, items, count, shown: new Map() };
      lists.set(list.id, drawn);
      root.append(node);
    }
    drawn.count.textContent = progress(list);
    drawn.node.dataset.complete = String(list.items.every((item) => item.doneAt !== undefined));
    for (const item of list.items) {
      const state = itemState(item);
      const before = drawn.shown.get(item.position);
      if (before?.state === state) continue;
      const node = itemNode(list, item);
      if (before) before.node.replaceWith(node);
      else drawn.items.append(node);
      drawn.shown.set(item.position, { state, node });
    }
    latest = [...latest.filter((other) => other.id !== list.id), list];
    emptyNode.hidden = lists.size > 0;
  }

  /** show draws the lists as read; a list no longer there is removed. */
  function show(read) {
    const ids = new Set(read.map((list) => list.id));
    for (const [id, drawn] of lists) {
      if (!ids.has(id)) {
        drawn.node.remove();
        lists.delete(id);
      }
    }
    latest = [];
    for (const list of read) drawList(list);
    emptyNode.hidden = lists.size > 0;
    refreshTimes(root);
  }

  /** refresh reads the lists again. */
  const refresh = rereader(load, show, message);

  const waitsForCheck = () =>
    latest.some((list) => list.items.some((item) => item.checkId !== undefined && item.doneAt === undefined));

  return { node: [message, emptyNode, root], refresh, show, waitsForCheck };
}
