/**
 * The operations page: deploys and maintenance. A responder starts a deploy (which opens its
 * maintenance window and its pre-deploy checklist), ticks its lists, and finishes it (which ends the
 * window and attaches the post-deploy list). Each maintenance task shows its schedule, its next due
 * time, a run under way and its latest runs with their steps' output; a responder runs one now.
 * Nothing here arrives on the event stream: the page reads again every few seconds, and every second
 * while a maintenance run is under way.
 */
import { api, live, mayRespond, session, showUser } from './api.js';
import { createChecklists } from './checklists.js';
import {
  formatDuration,
  formatStamp,
  formatTime,
  h,
  problem,
  refreshTimes,
  replace,
  riskBadge,
  section,
  statusBadge,
  timeAgo,
  timeUntil,
} from './dom.js';
import { renderOutcome } from './scenario.js';

const siteTitle = document.body.dataset.title ?? 'Vigie';
/** How often the page reads again when nothing runs, and while a maintenance run is under way. */
const QUIET_MS = 10_000;
const RUNNING_MS = 1000;
/** Deploys whose checklists are read at once; older ones on request. */
const OPEN_DEPLOYS = 3;

let me;
let responder = false;

const field = (label, ...value) =>
  value.every((part) => part === undefined || part === null || part === '')
    ? null
    : [h('dt', {}, label), h('dd', {}, value)];

const when = (at) => [formatTime(at), ' (', timeAgo(at), ')'];

/* Deploys */

const deployMessage = h('div', { class: 'message', 'aria-live': 'polite' });
const deployList = h('ol', { class: 'deploys', id: 'deploys-list' });
const deployEmpty = h('p', { class: 'muted' }, 'No deploy yet.');
/** Drawn deploys by id: their node, the state drawn, and their checklists panel once read. */
const deploys = new Map();

function startForm() {
  const title = h('input', {
    type: 'text',
    id: 'deploy-title',
    name: 'title',
    maxlength: 200,
    autocomplete: 'off',
    placeholder: 'What is deployed (v2.4 hotfix)',
  });
  const duration = h('input', {
    type: 'text',
    id: 'deploy-duration',
    name: 'duration',
    maxlength: 20,
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: '30m',
    title: 'How long alerts stay quiet (30m when empty); finishing the deploy ends it sooner',
  });
  const button = h('button', { type: 'submit', class: 'primary', id: 'deploy-start' }, 'Start a deploy');
  const form = h(
    'form',
    { class: 'deploy-start', id: 'deploy-start-form', novalidate: true },
    h('div', { class: 'field grow' }, h('label', { for: title.id }, 'Title'), title),
    h('div', { class: 'field' }, h('label', { for: duration.id }, 'Quiet alerts for'), duration),
    button,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    replace(deployMessage);
    try {
      const answer = await api('/api/v1/deploys', {
        method: 'POST',
        csrf: me.csrf,
        body: {
          ...(title.value.trim() ? { title: title.value.trim() } : {}),
          ...(duration.value.trim() ? { duration: duration.value.trim() } : {}),
        },
      });
      title.value = '';
      duration.value = '';
      showDeploy(answer.deploy, answer);
      await refreshDeploys();
    } catch (error) {
      replace(deployMessage, problem(error));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

/** finishButton ends a running deploy; the post-deploy list is then attached. */
function finishButton(deploy) {
  const button = h('button', { type: 'button', class: 'good', dataset: { finish: deploy.id } }, 'Finish');
  const message = h('div', { class: 'message', 'aria-live': 'polite' });
  button.addEventListener('click', async () => {
    button.disabled = true;
    replace(message);
    try {
      const answer = await api(`/api/v1/deploys/${deploy.id}/finish`, {
        method: 'POST',
        csrf: me.csrf,
        body: {},
      });
      showDeploy(answer.deploy, answer);
    } catch (error) {
      button.disabled = false;
      replace(message, problem(error));
    }
  });
  return [button, message];
}

function deployHead(deploy, window) {
  return [
    h(
      'div',
      { class: 'deploy-head' },
      statusBadge(deploy.status),
      h('h3', {}, h('span', { class: 'incident-id' }, `#${deploy.id}`), ' ', deploy.title),
    ),
    h(
      'p',
      { class: 'deploy-who' },
      'Started by ',
      h('strong', {}, deploy.startedBy),
      ' at ',
      when(deploy.startedAt),
      deploy.finishedAt !== undefined
        ? [
            '; finished by ',
            h('strong', {}, deploy.finishedBy ?? '?'),
            ` at ${formatTime(deploy.finishedAt)}, after ${formatDuration(deploy.finishedAt - deploy.startedAt)}`,
          ]
        : null,
    ),
    window && deploy.status === 'running'
      ? h(
          'p',
          { class: 'muted deploy-window' },
          `Alerts quiet until ${formatTime(window.endsAt)} (`,
          timeUntil(window.endsAt),
          ')',
          window.matchers?.length ? ` for ${window.matchers.join(', ')}` : '',
        )
      : null,
    responder && deploy.status === 'running'
      ? h('div', { class: 'deploy-actions' }, finishButton(deploy))
      : null,
  ];
}

/** showDeploy draws a deploy (new or changed); `view`, when given, carries its window and checklists. */
function showDeploy(deploy, view) {
  let drawn = deploys.get(deploy.id);
  if (!drawn) {
    const head = h('div');
    const body = h('div', { class: 'deploy-lists' });
    const node = h(
      'li',
      { class: 'deploy', dataset: { deploy: deploy.id, status: deploy.status } },
      head,
      body,
    );
    drawn = { node, head, body, state: '', window: undefined, lists: undefined };
    deploys.set(deploy.id, drawn);
    const next = [...deploys.keys()].filter((id) => id < deploy.id).sort((a, b) => b - a)[0];
    // Newest first.
    deployList.insertBefore(node, next === undefined ? null : deploys.get(next).node);
  }
  if (view?.window) drawn.window = view.window;
  const state = JSON.stringify([deploy.status, deploy.finishedAt, drawn.window?.endsAt]);
  if (drawn.state !== state) {
    drawn.state = state;
    drawn.node.dataset.status = deploy.status;
    replace(drawn.head, deployHead(deploy, drawn.window));
  }
  if (view?.checklists) listsOf(drawn, deploy).show(view.checklists);
  deployEmpty.hidden = deploys.size > 0;
  return drawn;
}

/** listsOf gives a deploy's checklist panel, made the first time it is needed. */
function listsOf(drawn, deploy) {
  if (!drawn.lists) {
    drawn.lists = createChecklists({
      me,
      idPrefix: `deploy-${deploy.id}-checklist`,
      empty: 'No checklist: the runbook has no pre-deploy or post-deploy list.',
      load: async () => {
        const view = await api(`/api/v1/deploys/${deploy.id}`);
        showDeploy(view.deploy, { window: view.window });
        return view.checklists;
      },
    });
    replace(drawn.body, drawn.lists.node);
  }
  return drawn.lists;
}

/** laterLists offers an older deploy's checklists, read when opened. */
function laterLists(drawn, deploy) {
  if (drawn.lists || drawn.body.firstChild) return;
  const details = h('details', { class: 'deploy-more' }, h('summary', {}, 'Checklists'));
  details.addEventListener('toggle', () => {
    if (!details.open || drawn.lists) return;
    const panel = listsOf(drawn, deploy);
    replace(drawn.body, details);
    details.append(...panel.node);
    panel.refresh();
  });
  replace(drawn.body, details);
}

async function refreshDeploys() {
  const answer = await api('/api/v1/deploys?limit=20');
  const reads = [];
  answer.deploys.forEach((deploy, index) => {
    const drawn = showDeploy(deploy);
    if (deploy.status === 'running' || index < OPEN_DEPLOYS || drawn.lists) {
      reads.push(listsOf(drawn, deploy).refresh());
    } else laterLists(drawn, deploy);
  });
  await Promise.all(reads);
  replace(deployMessage);
}

/* Maintenance */

const taskMessage = h('div', { class: 'message', 'aria-live': 'polite' });
const taskList = h('div', { class: 'tasks', id: 'tasks-list' });
const taskEmpty = h('p', { class: 'muted' }, 'The runbook has no maintenance task.');
/** Drawn tasks by id, with their runs by id and the state each was drawn from. */
const tasks = new Map();
let anyRunning = false;

function runNowButton(task) {
  const button = h(
    'button',
    { type: 'button', class: 'primary', dataset: { runNow: task.id } },
    task.runningId === undefined ? 'Run now' : 'Running…',
  );
  button.disabled = task.runningId !== undefined;
  const message = h('div', { class: 'message', 'aria-live': 'polite' });
  button.addEventListener('click', async () => {
    button.disabled = true;
    replace(message);
    try {
      await api(`/api/v1/maintenance/${encodeURIComponent(task.id)}/run`, {
        method: 'POST',
        csrf: me.csrf,
        body: {},
      });
      await refreshTasks();
      // A run that ended before the read leaves the task as it was drawn, this button with it.
      if (button.isConnected) button.disabled = false;
      schedule();
    } catch (error) {
      button.disabled = false;
      replace(message, problem(error));
    }
  });
  return [button, message];
}

function taskHead(task) {
  const approval = task.approval;
  return [
    h(
      'div',
      { class: 'task-head' },
      h('h3', {}, task.title),
      task.runningId !== undefined ? statusBadge('running') : null,
    ),
    h('p', { class: 'muted' }, task.id),
    h(
      'dl',
      { class: 'facts' },
      field(
        'Schedule',
        task.schedule ? h('code', {}, task.schedule) : 'on request only',
        ` (${task.timezone})`,
      ),
      field(
        'Next due',
        task.nextDueAt === undefined
          ? null
          : [formatStamp(task.nextDueAt), ' (', timeUntil(task.nextDueAt), ')'],
      ),
      field('Window', task.duration),
      field('Affects', task.affects?.join(', ')),
      field('Grace', task.grace),
      field(
        'Approved',
        approval
          ? [
              `by ${approval.by} on ${approval.at}`,
              approval.until ? `, until ${approval.until}` : '',
              approval.note ? ` (${approval.note})` : '',
            ]
          : null,
      ),
    ),
    task.problem ? problem({ message: task.problem, fix: 'fix the schedule in the runbook' }) : null,
    task.steps.length > 0
      ? h(
          'details',
          { class: 'task-steps' },
          h('summary', {}, `Steps (${task.steps.length})`),
          h(
            'ol',
            { class: 'plain' },
            task.steps.map((step) =>
              h(
                'li',
                {},
                riskBadge(step.risk),
                ' ',
                h('span', { class: 'muted' }, step.kind),
                step.id ? [' ', h('strong', {}, step.id)] : null,
                h('pre', { class: 'command' }, h('code', {}, step.run)),
              ),
            ),
          ),
        )
      : null,
    responder ? h('div', { class: 'task-actions' }, runNowButton(task)) : null,
  ];
}

/** loadSteps shows each step of a run as the terminal showed it, read when the run is opened. */
async function loadSteps(run, target) {
  replace(target, h('p', { class: 'muted' }, 'Reading the steps…'));
  try {
    const answer = await api(`/api/v1/maintenance/runs/${run.id}`);
    const steps = answer.run.steps;
    replace(
      target,
      steps.length === 0
        ? h('p', { class: 'muted' }, 'No step has run yet.')
        : h(
            'ol',
            { class: 'plain run-step-list' },
            steps.map((step) =>
              h(
                'li',
                { dataset: { step: step.step, status: step.status } },
                h('div', { class: 'run-facts' }, h('strong', {}, step.step), statusBadge(step.status)),
                renderOutcome(step),
              ),
            ),
          ),
    );
  } catch (error) {
    replace(target, problem(error));
  }
}

function runNode(run, { open = false } = {}) {
  const took =
    run.startedAt !== undefined && run.finishedAt !== undefined ? run.finishedAt - run.startedAt : undefined;
  const steps = h('div', { class: 'run-steps-body' });
  const details = h(
    'details',
    { class: 'run-output' },
    h(
      'summary',
      {},
      `Steps${run.steps.length ? ` (${run.steps.map((step) => `${step.step} ${step.status}`).join(', ')})` : ''}`,
    ),
    steps,
  );
  details.addEventListener('toggle', () => {
    if (details.open) loadSteps(run, steps);
  });
  if (open) details.open = true;
  return h(
    'li',
    { class: 'run task-run', dataset: { run: run.id, status: run.status } },
    h(
      'div',
      { class: 'run-facts' },
      statusBadge(run.status),
      h(
        'span',
        {},
        run.trigger === 'manual' ? ['run by ', h('strong', {}, run.requestedBy ?? '?')] : 'scheduled',
      ),
      h('span', { class: 'muted' }, `run #${run.id}`),
    ),
    h(
      'p',
      { class: 'run-who' },
      run.trigger === 'manual' ? 'Asked at ' : 'Due at ',
      formatStamp(run.dueAt),
      took !== undefined ? ` · took ${formatDuration(took)}` : '',
      run.status === 'running' && run.startedAt !== undefined
        ? [' · started ', timeAgo(run.startedAt)]
        : null,
    ),
    run.error ? h('p', { class: 'check-error' }, run.error) : null,
    details,
  );
}

function showTask(task) {
  let drawn = tasks.get(task.id);
  if (!drawn) {
    const head = h('div');
    const runs = h('ol', { class: 'runs task-runs' });
    const none = h('p', { class: 'muted' }, 'No run yet.');
    const node = h(
      'article',
      { class: 'card task', id: `task-${task.id}`, dataset: { task: task.id } },
      head,
      h('h4', {}, 'Latest runs'),
      none,
      runs,
    );
    drawn = { node, head, runs, none, state: '', shown: new Map() };
    tasks.set(task.id, drawn);
    taskList.append(node);
  }
  drawn.node.dataset.running = String(task.runningId !== undefined);
  const { runs: _runs, ...rest } = task;
  const state = JSON.stringify(rest);
  if (drawn.state !== state) {
    drawn.state = state;
    replace(drawn.head, taskHead(task));
  }
  const ids = new Set(task.runs.map((run) => run.id));
  for (const [id, shown] of drawn.shown) {
    if (!ids.has(id)) {
      shown.node.remove();
      drawn.shown.delete(id);
    }
  }
  // Newest first, as the API gives them.
  let after = null;
  for (const run of task.runs) {
    const runState = JSON.stringify([run.status, run.finishedAt, run.error, run.steps]);
    const before = drawn.shown.get(run.id);
    let node = before?.node;
    if (before?.state !== runState) {
      const wasOpen = before?.node.querySelector('details.run-output')?.open ?? false;
      node = runNode(run, { open: wasOpen });
      if (before) before.node.replaceWith(node);
      drawn.shown.set(run.id, { state: runState, node });
    }
    const place = after ? after.nextSibling : drawn.runs.firstChild;
    if (place !== node) drawn.runs.insertBefore(node, place);
    after = node;
  }
  drawn.none.hidden = task.runs.length > 0;
}

async function refreshTasks() {
  const answer = await api('/api/v1/maintenance?runs=5');
  for (const task of answer.tasks) showTask(task);
  anyRunning = answer.tasks.some(
    (task) => task.runningId !== undefined || task.runs.some((run) => run.status === 'running'),
  );
  taskEmpty.hidden = answer.tasks.length > 0;
  replace(taskMessage);
}

/* The page */

let timer;
/** When the deploys were last read: while a run goes, they are read at the quiet pace still. */
let lastDeploys = 0;
/** schedule reads everything again soon: within a second while a run is under way. */
function schedule() {
  clearTimeout(timer);
  timer = setTimeout(tick, anyRunning ? RUNNING_MS : QUIET_MS);
}

async function tick() {
  const reads = [
    refreshTasks().catch((error) => error?.status !== 401 && replace(taskMessage, problem(error))),
  ];
  // Deploys change only by hand, and their lists when a check holds: read less often while a run goes.
  if (!anyRunning || Date.now() - lastDeploys >= QUIET_MS) {
    lastDeploys = Date.now();
    reads.push(
      refreshDeploys().catch((error) => error?.status !== 401 && replace(deployMessage, problem(error))),
    );
  }
  await Promise.all(reads);
  refreshTimes(document.getElementById('main'));
  schedule();
}

async function start() {
  const main = document.getElementById('main');
  me = await session();
  showUser(me);
  responder = mayRespond(me);
  document.title = `Operations · ${siteTitle}`;
  replace(
    main,
    h(
      'header',
      { class: 'operations-head' },
      h('h1', {}, 'Operations'),
      h(
        'nav',
        { class: 'toc', 'aria-label': 'Sections' },
        h('a', { href: '#deploys' }, 'Deploys'),
        h('a', { href: '#maintenance' }, 'Maintenance'),
      ),
    ),
    section('deploys', 'Deploys', responder ? startForm() : null, deployMessage, deployEmpty, deployList),
    section('maintenance', 'Maintenance', taskMessage, taskEmpty, taskList),
  );
  lastDeploys = Date.now();
  const [tasksRead, deploysRead] = await Promise.allSettled([refreshTasks(), refreshDeploys()]);
  if (tasksRead.status === 'rejected') replace(taskMessage, problem(tasksRead.reason));
  if (deploysRead.status === 'rejected') replace(deployMessage, problem(deploysRead.reason));
  main.dataset.ready = 'true';
  if (location.hash) document.getElementById(decodeURIComponent(location.hash.slice(1)))?.scrollIntoView();
  schedule();
  // A run, a deploy or a deploy's list that changes is read at once; the timer stays as a fallback.
  const soon = (deploys) => {
    if (deploys) lastDeploys = 0;
    clearTimeout(timer);
    timer = setTimeout(tick, LIVE_DELAY_MS);
  };
  live(
    {
      maintenance: () => soon(false),
      deploy: () => soon(true),
      checklist: (list) => list.subjectKind === 'deploy' && soon(true),
    },
    () => Promise.resolve(),
  );
}

/** LIVE_DELAY_MS gathers the changes of one moment (a run's steps, its end) into one read. */
const LIVE_DELAY_MS = 100;

start().catch((error) => {
  if (error?.status === 401) return;
  replace(document.getElementById('main'), problem(error));
});
