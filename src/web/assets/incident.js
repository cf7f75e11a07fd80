/**
 * The incident page: what happened and when, the buttons to acknowledge and resolve, the timeline with
 * diagnosis output as the terminal showed it, the matched scenario with a responder's controls to run
 * its steps, the incident's action runs (approved here by a second responder), and a comment box. New
 * timeline entries and runs arrive from the event stream without a reload. A responder can run the
 * whole scenario at once and resume where it stopped; the checklists attached to the incident (the
 * post-incident one once it resolves) are ticked here.
 */
import { createActions } from './actions.js';
import { api, live, mayRespond, session, showUser } from './api.js';
import { createChecklists } from './checklists.js';
import {
  formatStamp,
  formatTime,
  h,
  problem,
  refreshTimes,
  replace,
  section,
  severityBadge,
  statusBadge,
  timeAgo,
} from './dom.js';
import { renderOutcome, renderScenario } from './scenario.js';
import { createScenarioRun } from './scenario-run.js';

const id = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const path = `/api/v1/incidents/${encodeURIComponent(id)}`;
const siteTitle = document.body.dataset.title ?? 'Vigie';

let me;
let current;
const entries = new Map();
const timeline = h('ol', { class: 'timeline', id: 'timeline-list' });
const head = h('header', { class: 'incident-head' });
const message = h('div', { class: 'message', 'aria-live': 'polite' });
const alertsBlock = h('div');
const timersBlock = h('div');
const ackButton = h('button', { type: 'button', id: 'acknowledge', class: 'primary' }, 'Acknowledge');
const resolveButton = h('button', { type: 'button', id: 'resolve', class: 'good' }, 'Resolve');
const resolveNote = h('input', {
  id: 'resolve-note',
  type: 'text',
  placeholder: 'Resolution note (optional)',
  'aria-label': 'Resolution note',
  maxlength: 2000,
});

function when(label, at, by) {
  if (!at) return null;
  return [h('dt', {}, label), h('dd', {}, formatTime(at), ' (', timeAgo(at), ')', by ? ` by ${by}` : '')];
}

function showHead(incident) {
  document.title = `${incident.id} ${incident.title} · ${siteTitle}`;
  replace(
    head,
    h('p', { class: 'crumbs' }, h('a', { href: '/' }, '← Dashboard')),
    h(
      'h1',
      {},
      h('span', { class: 'incident-id' }, incident.id),
      ' ',
      h('span', { id: 'incident-title' }, incident.title),
    ),
    h('div', { class: 'badges' }, severityBadge(incident.severity), statusBadge(incident.status)),
    h(
      'dl',
      { class: 'times' },
      when('Opened', incident.openedAt),
      when('Acknowledged', incident.acknowledgedAt, incident.acknowledgedBy),
      when('Resolved', incident.resolvedAt, incident.resolvedBy),
    ),
  );
  head.parentElement?.setAttribute('data-status', incident.status);
}

let busy = false;
function showButtons() {
  const status = current?.status;
  ackButton.disabled = busy || status !== 'triggered';
  resolveButton.disabled = busy || status === 'resolved' || status === undefined;
  resolveNote.disabled = resolveButton.disabled;
}

function applyIncident(incident) {
  if (current && current.updatedAt > incident.updatedAt) return;
  current = incident;
  showHead(incident);
  showButtons();
}

// A diagnosis entry carries its step's outcome; an action entry does once the step has run.
const hasOutcome = (entry) =>
  entry.data &&
  typeof entry.data === 'object' &&
  (entry.kind === 'diagnosis' || (entry.kind === 'action' && typeof entry.data.command === 'string'));

function entryNode(entry) {
  return h(
    'li',
    { class: 'entry', dataset: { kind: entry.kind, entry: entry.id } },
    h(
      'div',
      { class: 'entry-head' },
      h(
        'time',
        { datetime: new Date(entry.at).toISOString(), title: formatStamp(entry.at) },
        formatTime(entry.at),
      ),
      h('span', { class: 'kind' }, entry.kind),
      h('span', { class: 'actor' }, entry.actor),
    ),
    entry.text ? h('p', { class: 'entry-text' }, entry.text) : null,
    hasOutcome(entry) ? renderOutcome(entry.data) : null,
  );
}

const later = (a, b) => a.at - b.at || a.id - b.id;
let newest;

/** addEntry puts an entry in the timeline in time order (newest last), once. */
function addEntry(entry) {
  if (entries.has(entry.id)) return;
  const node = entryNode(entry);
  // Entries nearly always come in order; only a late one is searched for its place.
  const next =
    newest && later(newest, entry) > 0
      ? [...entries.values()]
          .filter((other) => later(other.entry, entry) > 0)
          .sort((a, b) => later(a.entry, b.entry))[0]
      : undefined;
  entries.set(entry.id, { entry, node });
  if (!newest || later(entry, newest) > 0) newest = entry;
  timeline.insertBefore(node, next?.node ?? null);
}

function showAlerts(alerts) {
  replace(
    alertsBlock,
    alerts.length === 0
      ? h('p', { class: 'muted' }, 'No alert is attached.')
      : h(
          'ul',
          { class: 'plain' },
          alerts.map((alert) =>
            h(
              'li',
              { dataset: { alert: alert.key } },
              statusBadge(alert.status),
              ' ',
              h('strong', {}, alert.name),
              alert.summary ? ` — ${alert.summary}` : '',
              h('span', { class: 'muted' }, ` (${alert.source}, since ${formatTime(alert.startedAt)})`),
              alert.quiet
                ? h('span', { class: 'muted' }, ` · quiet: ${alert.quiet.kind} ${alert.quiet.detail}`)
                : null,
            ),
          ),
        ),
  );
}

function showTimers(timers) {
  replace(
    timersBlock,
    timers.length === 0
      ? h('p', { class: 'muted' }, 'Nothing pending.')
      : h(
          'ul',
          { class: 'plain' },
          timers.map((timer) =>
            h(
              'li',
              {},
              timer.kind === 'escalate'
                ? `Escalation level ${timer.data.level + 1}`
                : 'Acknowledgement lapses',
              ` at ${formatTime(timer.dueAt)}`,
            ),
          ),
        ),
  );
}

async function reload() {
  const detail = await api(path);
  applyIncident(detail.incident);
  for (const entry of detail.timeline) addEntry(entry);
  showAlerts(detail.alerts ?? []);
  showTimers(detail.timers ?? []);
  return detail;
}

async function act(action, body) {
  busy = true;
  showButtons();
  replace(message);
  try {
    const answer = await api(`${path}/${action}`, { method: 'POST', body, csrf: me.csrf });
    if (answer?.incident) applyIncident(answer.incident);
  } catch (error) {
    replace(message, problem(error));
  } finally {
    busy = false;
    // The stream brings the new entries too; reading them here shows them even when it is down.
    await reload().catch(() => {});
    showButtons();
  }
}

function commentForm() {
  const text = h('textarea', {
    id: 'comment-text',
    name: 'text',
    rows: 3,
    required: true,
    maxlength: 10_000,
  });
  const button = h('button', { type: 'submit' }, 'Add comment');
  const form = h(
    'form',
    { id: 'comment', class: 'comment' },
    h('label', { for: 'comment-text' }, 'Comment'),
    text,
    button,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (text.value.trim() === '') return;
    button.disabled = true;
    replace(message);
    try {
      const answer = await api(`${path}/comments`, {
        method: 'POST',
        body: { text: text.value },
        csrf: me.csrf,
      });
      if (answer?.entry) addEntry(answer.entry);
      text.value = '';
    } catch (error) {
      replace(message, problem(error));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

async function start() {
  const main = document.getElementById('main');
  me = await session();
  showUser(me);
  let detail;
  try {
    detail = await reload();
  } catch (error) {
    if (error.status === 401) return;
    replace(main, h('p', { class: 'crumbs' }, h('a', { href: '/' }, '← Dashboard')), problem(error));
    return;
  }
  const responder = mayRespond(me);
  const actions = createActions({ incidentId: id, scenario: detail.scenario, me });
  const scenarioRun = createScenarioRun({
    incidentId: id,
    scenario: detail.scenario,
    me,
    onRuns: () => actions.refresh(),
  });
  const checklists = createChecklists({
    me,
    load: async () => (await api(`${path}/checklists`)).checklists,
    empty: 'No checklist yet: the post-incident checklist is attached when the incident resolves.',
  });
  ackButton.addEventListener('click', () => act('acknowledge', {}));
  resolveButton.addEventListener('click', () => {
    const note = resolveNote.value.trim();
    act('resolve', note ? { note } : {});
  });
  replace(
    main,
    h(
      'article',
      { class: 'incident-page', dataset: { incident: id, status: current.status } },
      head,
      responder
        ? h(
            'div',
            { class: 'actions' },
            ackButton,
            h('div', { class: 'resolve' }, resolveNote, resolveButton),
          )
        : null,
      message,
      section('timeline', 'Timeline', timeline, responder ? commentForm() : null),
      detail.scenario
        ? section(
            'scenario',
            'Scenario',
            scenarioRun?.node,
            renderScenario(detail.scenario, { controls: actions.controls }),
          )
        : section(
            'scenario',
            'Scenario',
            h('p', { class: 'muted' }, 'No runbook scenario matched this incident.'),
          ),
      section('runs', 'Runs', actions.runs),
      section('checklists', 'Checklists', checklists.node),
      section('alerts', 'Alerts', alertsBlock),
      section('escalation', 'Escalation', timersBlock),
    ),
  );
  showHead(current);
  live(
    {
      incident: (incident) => incident.id === id && applyIncident(incident),
      timeline: (entry) => {
        if (entry.incidentId !== id) return;
        addEntry(entry);
        if (entry.kind === 'action') {
          actions.refresh();
          scenarioRun?.refresh().catch(() => {});
        }
        if (entry.kind === 'checklist') checklists.refresh();
      },
      output: (chunk) => chunk.incidentId === id && actions.output(chunk),
    },
    () =>
      Promise.all([
        reload(),
        actions.refresh(),
        checklists.refresh(),
        scenarioRun?.refresh().catch(() => {}),
      ]),
  );
  await Promise.all([actions.refresh(), checklists.refresh()]);
  main.dataset.ready = 'true';
  setInterval(() => {
    if (current) showHead(current);
    refreshTimes(main);
    // A check item's hold moves with no timeline entry to tell; it is read again while one waits.
    if (checklists.waitsForCheck()) checklists.refresh();
  }, 15_000);
}

start().catch((error) => {
  if (error?.status === 401) return;
  replace(document.getElementById('main'), problem(error));
});
