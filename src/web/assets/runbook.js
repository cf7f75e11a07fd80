/**
 * The runbook viewer: the loaded runbook as a responder reads it at 3 a.m. — scenarios with their
 * steps and risks, checks, alerts, escalation, maintenance and checklists — from GET /api/v1/runbook.
 */
import { api, session, showUser } from './api.js';
import { h, problem, replace, section, severityBadge } from './dom.js';
import { renderScenario, renderSteps } from './scenario.js';

const siteTitle = document.body.dataset.title ?? 'Vigie';

const field = (label, value) =>
  value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)
    ? null
    : [h('dt', {}, label), h('dd', {}, Array.isArray(value) ? value.join(', ') : value)];

const card = (id, title, ...children) =>
  h('article', { class: 'card', id, dataset: { item: id } }, h('h3', {}, title), children);

function checks(items) {
  return items.map((check) =>
    card(
      `check-${check.id}`,
      [check.name ?? check.id, ' ', h('span', { class: 'muted' }, check.probe)],
      h(
        'dl',
        { class: 'facts' },
        field('Id', check.id),
        field('Target', check.target),
        field('Every', check.every ?? '30s'),
        field('Timeout', check.timeout),
        field('Expect', check.expect),
        field('Depends on', check.depends_on),
      ),
    ),
  );
}

function alerts(items) {
  return items.map((alert) =>
    card(
      `alert-${alert.id}`,
      [alert.severity ? severityBadge(alert.severity) : null, ' ', alert.name ?? alert.id],
      h(
        'dl',
        { class: 'facts' },
        field('Id', alert.id),
        field('Check', alert.check),
        field('When', h('code', {}, alert.when)),
        field('Resolves', alert.resolve),
        field(
          'Scenario',
          alert.scenario
            ? h('a', { href: `#scenario-${encodeURIComponent(alert.scenario)}` }, alert.scenario)
            : undefined,
        ),
        field('Escalation', alert.escalation ?? 'default'),
        field(
          'Labels',
          Object.entries(alert.labels ?? {}).map(([key, value]) => `${key}=${value}`),
        ),
      ),
    ),
  );
}

/** escalation shows a policy written either way: a plain list of levels, or `{ levels, repeat, ack_timeout }`. */
function escalation(policies) {
  return Object.entries(policies).map(([name, policy]) => {
    const levels = Array.isArray(policy) ? policy : (policy.levels ?? []);
    const extra = Array.isArray(policy) ? {} : policy;
    return card(
      `escalation-${name}`,
      name,
      h(
        'ol',
        { class: 'levels' },
        levels.map((level) =>
          h('li', {}, h('strong', {}, `after ${level.after}`), ' → ', level.notify.join(', ')),
        ),
      ),
      h(
        'dl',
        { class: 'facts' },
        field('Repeats', extra.repeat ? `${extra.repeat} time${extra.repeat > 1 ? 's' : ''}` : undefined),
        field('Repeat after', extra.repeat ? (extra.repeat_after ?? '15m') : undefined),
        field('Acknowledgement lapses after', extra.ack_timeout),
      ),
    );
  });
}

function maintenance(items) {
  return items.map((task) =>
    card(
      `maintenance-${task.id}`,
      task.title,
      h(
        'dl',
        { class: 'facts' },
        field('Id', task.id),
        field(
          'Schedule',
          task.schedule
            ? h('code', {}, task.schedule, task.timezone ? ` (${task.timezone})` : ' (UTC)')
            : undefined,
        ),
        field('Window', task.duration),
        field('Quiets', task.affects ?? (task.duration ? ['every alert'] : undefined)),
        field('Why', task.objective),
      ),
      renderSteps('Steps', task.steps),
    ),
  );
}

function checklists(lists) {
  return Object.entries(lists).map(([name, list]) => {
    const items = Array.isArray(list) ? list : list.items;
    return card(
      `checklist-${name}`,
      Array.isArray(list) ? name : (list.title ?? name),
      h(
        'ul',
        { class: 'checklist' },
        items.map((item) => h('li', {}, typeof item === 'string' ? item : item.text)),
      ),
    );
  });
}

function severities(levels) {
  return h(
    'dl',
    { class: 'facts' },
    levels.map((level) => [
      h('dt', {}, severityBadge(level.id), level.label ? ` ${level.label}` : ''),
      h(
        'dd',
        {},
        level.description ?? '',
        level.response_time ? ` — respond within ${level.response_time}` : '',
      ),
    ]),
  );
}

function procedures(items) {
  return items.map((procedure) =>
    card(
      `procedure-${procedure.id}`,
      procedure.title,
      h('p', { class: 'muted' }, procedure.category ?? 'operations'),
      renderSteps('Steps', procedure.steps),
    ),
  );
}

function slos(items) {
  return items.map((slo) =>
    card(
      `slo-${slo.id}`,
      slo.name,
      h(
        'dl',
        { class: 'facts' },
        field('Measures', slo.indicator),
        field('Objective', slo.objective),
        field('Target', slo.target),
        field('Window', slo.window ?? '30d'),
        field('Check', slo.check),
      ),
    ),
  );
}

async function start() {
  const main = document.getElementById('main');
  const me = await session();
  showUser(me);
  const { runbook } = await api('/api/v1/runbook');
  document.title = `Runbook ${runbook.name} · ${siteTitle}`;
  const parts = [
    [
      'scenarios',
      'Scenarios',
      runbook.scenarios?.length ? runbook.scenarios.map((scenario) => renderScenario(scenario)) : null,
    ],
    ['checks', 'Checks', runbook.checks?.length ? checks(runbook.checks) : null],
    ['alerts', 'Alerts', runbook.alerts?.length ? alerts(runbook.alerts) : null],
    ['severities', 'Severities', runbook.severities?.length ? severities(runbook.severities) : null],
    [
      'escalation',
      'Escalation',
      runbook.escalation && Object.keys(runbook.escalation).length ? escalation(runbook.escalation) : null,
    ],
    ['maintenance', 'Maintenance', runbook.maintenance?.length ? maintenance(runbook.maintenance) : null],
    [
      'checklists',
      'Checklists',
      runbook.checklists && Object.keys(runbook.checklists).length ? checklists(runbook.checklists) : null,
    ],
    ['procedures', 'Procedures', runbook.procedures?.length ? procedures(runbook.procedures) : null],
    ['slos', 'SLOs', runbook.slos?.length ? slos(runbook.slos) : null],
  ].filter(([, , content]) => content !== null);
  replace(
    main,
    h(
      'header',
      { class: 'runbook-head' },
      h('h1', {}, runbook.name),
      runbook.description ? h('p', {}, runbook.description) : null,
      runbook.version ? h('p', { class: 'muted' }, `version ${runbook.version}`) : null,
      h(
        'nav',
        { class: 'toc', 'aria-label': 'Sections' },
        parts.map(([id, title]) => h('a', { href: `#${id}` }, title)),
      ),
    ),
    parts.map(([id, title, content]) => section(id, title, content)),
  );
  main.dataset.ready = 'true';
  // The page was drawn after the browser looked for the #fragment; look again.
  if (location.hash) document.getElementById(decodeURIComponent(location.hash.slice(1)))?.scrollIntoView();
}

start().catch((error) => {
  if (error?.status === 401) return;
  replace(document.getElementById('main'), problem(error));
});
