/**
 * How a runbook scenario and its steps look, on the incident page and in the runbook viewer: each step
 * with its risk badge, its kind and the command as written.
 */
import { h, riskBadge, severityBadge } from './dom.js';

/** renderStep shows one step: risk, kind, the command, and what guards it. */
export function renderStep(step) {
  const guard = step.guard ?? {};
  const needs = [
    guard.confirm ? 'confirmation' : null,
    guard.approval ? "a second person's approval" : null,
    guard.backup ? `backup step ${guard.backup} first` : null,
  ].filter(Boolean);
  return h(
    'li',
    { class: 'step', dataset: { risk: step.risk, kind: step.kind } },
    h(
      'div',
      { class: 'step-head' },
      riskBadge(step.risk),
      h('span', { class: 'kind' }, step.kind),
      step.id ? h('span', { class: 'muted' }, step.id) : null,
    ),
    step.description ? h('p', {}, step.description) : null,
    step.when ? h('p', { class: 'muted' }, 'When: ', step.when) : null,
    h('pre', { class: 'command' }, h('code', {}, step.run)),
    step.expect ? h('p', { class: 'muted' }, 'Expect: ', step.expect) : null,
    needs.length > 0 ? h('p', { class: 'muted' }, 'Needs ', needs.join(', ')) : null,
  );
}

/** renderSteps shows a numbered list of steps, or nothing when there are none. */
export function renderSteps(title, steps) {
  if (!steps || steps.length === 0) return null;
  return [h('h4', {}, title), h('ol', { class: 'steps' }, steps.map(renderStep))];
}

const list = (title, items) =>
  items && items.length > 0
    ? [
        h('h4', {}, title),
        h(
          'ul',
          {},
          items.map((item) => h('li', {}, item)),
        ),
      ]
    : null;

/** renderScenario shows a scenario: symptoms, causes, diagnosis and actions with their risks. */
export function renderScenario(scenario, { heading = 'h3' } = {}) {
  const time = scenario.resolution_time;
  const restore = scenario.restore_backup;
  return h(
    'article',
    { class: 'scenario', id: `scenario-${scenario.id}`, dataset: { scenario: scenario.id } },
    h(heading, {}, scenario.severity ? severityBadge(scenario.severity) : null, ' ', scenario.title),
    h('p', { class: 'muted' }, scenario.id),
    list('Symptoms', scenario.symptoms),
    list('Likely causes', scenario.causes),
    renderSteps('Diagnosis', scenario.diagnosis),
    renderSteps('Actions', scenario.actions),
    restore
      ? h(
          'p',
          {},
          h('strong', {}, 'Restore a backup: '),
          restore.text ?? restore.answer,
          restore.when?.length ? ` (${restore.when.join('; ')})` : '',
        )
      : null,
    time
      ? h(
          'p',
          {},
          h('strong', {}, 'Usual time to fix: '),
          time.text ?? [time.min, time.max].filter(Boolean).join('–'),
        )
      : null,
    list('Prevention', scenario.prevention),
  );
}
