/**
 * How a runbook scenario and its steps look, on the incident page and in the runbook viewer: each step
 * with its risk badge, its kind and the command as written; and how a step's outcome looks, the way a
 * terminal showed it.
 */
import { formatDuration, h, riskBadge, severityBadge } from './dom.js';

/**
 * renderStep shows one step: risk, kind, the command, and what guards it. `number` is the step's
 * number in its scenario (what the actions API takes); `extra` goes under the step (the incident
 * page's run controls).
 */
export function renderStep(step, { number, extra } = {}) {
  const guard = step.guard ?? {};
  const needs = [
    guard.confirm ? 'confirmation' : null,
    guard.approval ? "a second person's approval" : null,
    guard.backup ? `backup step ${guard.backup} first` : null,
  ].filter(Boolean);
  return h(
    'li',
    { class: 'step', dataset: { risk: step.risk, kind: step.kind, step: number } },
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
    extra ?? null,
  );
}

/**
 * renderSteps shows a numbered list of steps, or nothing when there are none. With `controls`, each
 * step gets `controls(step, number)` under it, numbered from `first`.
 */
export function renderSteps(title, steps, { controls, first = 1 } = {}) {
  if (!steps || steps.length === 0) return null;
  return [
    h('h4', {}, title),
    h(
      'ol',
      { class: 'steps' },
      steps.map((step, index) =>
        controls
          ? renderStep(step, { number: first + index, extra: controls(step, first + index) })
          : renderStep(step),
      ),
    ),
  ];
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

/**
 * renderScenario shows a scenario: symptoms, causes, diagnosis and actions with their risks. With
 * `controls`, each step gets `controls(step, number)` under it, numbered as the actions API counts:
 * the actions from 1, then the diagnosis steps.
 */
export function renderScenario(scenario, { heading = 'h3', controls } = {}) {
  const time = scenario.resolution_time;
  const restore = scenario.restore_backup;
  const actionCount = scenario.actions?.length ?? 0;
  return h(
    'article',
    { class: 'scenario', id: `scenario-${scenario.id}`, dataset: { scenario: scenario.id } },
    h(heading, {}, scenario.severity ? severityBadge(scenario.severity) : null, ' ', scenario.title),
    h('p', { class: 'muted' }, scenario.id),
    list('Symptoms', scenario.symptoms),
    list('Likely causes', scenario.causes),
    renderSteps('Diagnosis', scenario.diagnosis, { controls, first: actionCount + 1 }),
    renderSteps('Actions', scenario.actions, { controls, first: 1 }),
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

/** scenarioSteps lists a scenario's steps in the actions API's order: the actions, then the diagnosis. */
export function scenarioSteps(scenario) {
  return [...(scenario?.actions ?? []), ...(scenario?.diagnosis ?? [])];
}

/** renderOutcome shows a step's outcome the way a terminal would: the prompt, the command, its output. */
export function renderOutcome(outcome) {
  const facts = [
    outcome.status,
    Number.isInteger(outcome.exitCode) ? `exit ${outcome.exitCode}` : null,
    Number.isFinite(outcome.durationMs) ? formatDuration(outcome.durationMs) : null,
    outcome.target ? `on ${outcome.target}` : null,
    outcome.kind,
  ].filter(Boolean);
  const output = outcome.output ?? '';
  return h(
    'div',
    { class: 'outcome', dataset: { status: outcome.status } },
    h(
      'pre',
      { class: 'terminal', tabindex: 0 },
      h('span', { class: 'prompt' }, '$ '),
      h('span', { class: 'cmd' }, outcome.command ?? ''),
      '\n',
      h('span', { class: 'output' }, output),
      outcome.truncated
        ? h('span', { class: 'cut' }, `${output.endsWith('\n') ? '' : '\n'}… output cut`)
        : null,
    ),
    h('p', { class: 'muted' }, facts.join(' · ')),
    outcome.error ? h('p', { class: 'check-error' }, outcome.error) : null,
    outcome.reason ? h('p', { class: 'muted' }, outcome.reason) : null,
    Array.isArray(outcome.notes) && outcome.notes.length > 0
      ? h(
          'ul',
          { class: 'notes' },
          outcome.notes.map((note) => h('li', {}, note)),
        )
      : null,
  );
}
