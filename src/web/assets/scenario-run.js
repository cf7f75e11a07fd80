/**
 * Running a whole scenario from the incident page: a responder's "Run the scenario" opens a small form
 * with an input for every parameter the corrective steps declare (once each) and the typed
 * confirmation of each dangerous step; the server runs the steps in order through their gates and
 * says where it stopped: at a step waiting for a second responder (the scenario goes on by itself
 * once that step has run), or at one that failed (the page offers to resume from it).
 */

import { api, mayRespond } from './api.js';
import { h, problem, replace, riskBadge, statusBadge } from './dom.js';
import { expectedConfirmation, FAILED, needsApproval, needsConfirmation } from './gate.js';
import { renderOutcome } from './scenario.js';

const stepName = (step, number) => (step?.id ? `step ${number} (${step.id})` : `step ${number}`);

/**
 * createScenarioRun gives the "Run the scenario" control of an incident page, or null for a viewer or
 * a scenario without corrective steps: `node` to place in the page. `onRuns` is called once the server
 * has answered, so the page's runs list is read again.
 */
export function createScenarioRun({ incidentId, scenario, me, onRuns }) {
  const steps = scenario?.actions ?? [];
  if (!mayRespond(me) || steps.length === 0) return null;

  // Every parameter once, in the order the steps declare them, with the steps that use it.
  const params = new Map();
  steps.forEach((step, index) => {
    for (const [name, param] of Object.entries(step.params ?? {})) {
      const known = params.get(name);
      if (known) known.steps.push(index + 1);
      else params.set(name, { name, param, steps: [index + 1], input: undefined });
    }
  });
  for (const entry of params.values()) {
    entry.input = h('input', {
      type: 'text',
      id: `scenario-param-${entry.name}`,
      name: entry.name,
      autocomplete: 'off',
      spellcheck: 'false',
      placeholder: entry.param.description ?? entry.param.example ?? entry.param.type,
      title: entry.param.example ? `for example ${entry.param.example}` : null,
      dataset: { param: entry.name },
    });
  }
  const confirmations = steps
    .map((step, index) => ({ step, number: index + 1 }))
    .filter(({ step }) => needsConfirmation(step))
    .map(({ step, number }) => ({
      step,
      number,
      expected: expectedConfirmation(step),
      input: h('input', {
        type: 'text',
        id: `scenario-confirm-${number}`,
        name: 'confirmation',
        autocomplete: 'off',
        spellcheck: 'false',
        placeholder: expectedConfirmation(step),
        dataset: { confirm: expectedConfirmation(step), step: number },
      }),
    }));
  const approvals = steps
    .map((step, index) => ({ step, number: index + 1 }))
    .filter(({ step }) => needsApproval(step));

  const open = h(
    'button',
    {
      type: 'button',
      id: 'run-scenario',
      class: 'primary',
      'aria-expanded': 'false',
      'aria-controls': 'scenario-run-form',
    },
    'Run the scenario',
  );
  const run = h(
    'button',
    {
      type: 'submit',
      class: confirmations.length > 0 ? 'danger' : 'primary',
      dataset: { action: 'run-all' },
    },
    'Run every step',
  );
  const dry = h('button', { type: 'button', class: 'quiet', dataset: { action: 'dry-all' } }, 'Dry run');
  const cancel = h('button', { type: 'button', class: 'quiet' }, 'Close');
  const result = h('div', { class: 'scenario-result', id: 'scenario-run-result', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'scenario-run', id: 'scenario-run-form', novalidate: true, hidden: true },
    h(
      'p',
      {},
      `Runs the ${steps.length} corrective step${steps.length === 1 ? '' : 's'} in order, each through its own gate; `,
      'stops at the first that fails or waits.',
    ),
    approvals.length > 0
      ? h(
          'p',
          { class: 'muted' },
          approvals.length === 1 ? 'Step ' : 'Steps ',
          approvals.map(({ step, number }) => stepName(step, number).replace(/^step /, '')).join(', '),
          ` will wait for a second responder to approve ${approvals.length === 1 ? 'it' : 'them'}.`,
        )
      : null,
    [...params.values()].map(({ name, param, input, steps: users }) =>
      h(
        'div',
        { class: 'field' },
        h(
          'label',
          { for: input.id },
          h('code', {}, name),
          h(
            'span',
            { class: 'muted' },
            ` ${param.type}, for step${users.length === 1 ? '' : 's'} ${users.join(', ')}`,
          ),
        ),
        input,
      ),
    ),
    confirmations.map(({ step, number, expected, input }) =>
      h(
        'div',
        { class: 'field' },
        h(
          'label',
          { for: input.id },
          'Type ',
          h('code', {}, expected),
          ` to confirm step ${number} (${step.risk})`,
        ),
        input,
      ),
    ),
    h('div', { class: 'run-buttons' }, run, dry, cancel),
    result,
  );

  const toggle = (show) => {
    form.hidden = !show;
    open.setAttribute('aria-expanded', String(show));
    if (show) (form.querySelector('input') ?? run).focus();
  };
  open.addEventListener('click', () => toggle(form.hidden));
  cancel.addEventListener('click', () => {
    toggle(false);
    open.focus();
  });

  let busy = false;
  const setBusy = (value) => {
    busy = value;
    run.disabled = value;
    dry.disabled = value;
    for (const button of result.querySelectorAll('button[data-resume]')) button.disabled = value;
  };

  /** bodyFor gives the request body for a run from step `from`, or the problem of what is missing. */
  function bodyFor(from, dryRun) {
    const chosen = new Set(steps.map((_, index) => index + 1).filter((number) => number >= from));
    const used = [...params.values()].filter((entry) => entry.steps.some((number) => chosen.has(number)));
    const missing = used.filter(({ input }) => input.value.trim() === '').map(({ name }) => name);
    if (missing.length > 0) {
      used.find(({ input }) => input.value.trim() === '')?.input.focus();
      return {
        problem: { message: `Give ${missing.join(', ')}`, fix: 'every parameter of the steps run is needed' },
      };
    }
    const confirming = confirmations.filter(({ number }) => chosen.has(number));
    if (!dryRun) {
      const wrong = confirming.filter(({ input, expected }) => input.value.trim() !== expected);
      if (wrong.length > 0) {
        wrong[0].input.focus();
        return {
          problem: {
            message: `Type ${wrong.map(({ expected }) => expected).join(', ')} to run the dangerous step${wrong.length === 1 ? '' : 's'}`,
            fix: 'each confirmation is the step id (or "confirm" when it has none), as written',
          },
        };
      }
    }
    return {
      body: {
        incident: incidentId,
        ...(from > 1 ? { from } : {}),
        ...(used.length > 0
          ? { params: Object.fromEntries(used.map(({ name, input }) => [name, input.value.trim()])) }
          : {}),
        ...(!dryRun && confirming.length > 0
          ? { confirmations: confirming.map(({ input }) => input.value.trim()) }
          : {}),
        dry_run: dryRun,
      },
    };
  }

  function runItem(answerRun) {
    const step = steps[answerRun.stepIndex - 1];
    const outcome =
      answerRun.outcome && typeof answerRun.outcome === 'object' ? answerRun.outcome : undefined;
    return h(
      'li',
      {
        class: 'scenario-step-run',
        dataset: { step: answerRun.stepIndex, run: answerRun.id, status: answerRun.status },
      },
      h(
        'div',
        { class: 'run-facts' },
        h('strong', {}, `${answerRun.stepIndex}.`),
        riskBadge(answerRun.risk),
        h('span', {}, answerRun.stepId ?? step?.id ?? `step ${answerRun.stepIndex}`),
        statusBadge(answerRun.status),
        h('span', { class: 'muted' }, `run #${answerRun.id}`),
      ),
      outcome
        ? h(
            'details',
            // A failed step's output says why: it is shown without a click.
            { class: 'run-output', open: FAILED.has(answerRun.status) },
            h('summary', {}, 'Output'),
            renderOutcome(outcome),
          )
        : null,
    );
  }

  /** stoppedNote says where the run stopped and why, and offers to resume. */
  function stoppedNote(answer, dryRun) {
    const { stopped } = answer;
    if (answer.status === 'running') {
      return h(
        'p',
        { class: 'stopped', dataset: { stopped: 'running' } },
        `Going on by itself: step ${answer.nextStep} is running…`,
      );
    }
    if (!stopped) {
      return h(
        'p',
        { class: 'stopped', dataset: { stopped: 'none' } },
        dryRun ? 'Dry run of every step: nothing was changed.' : 'Every step ran.',
      );
    }
    const step = steps[stopped.step - 1];
    const last = answer.runs.at(-1);
    const where = stepName(step, stopped.step);
    let why;
    if (stopped.reason === 'waiting') {
      const forApproval = step && needsApproval(step) && !last?.approvedBy;
      why = [
        forApproval
          ? [
              `Waits at ${where}: a second responder must approve run `,
              h('strong', {}, `#${last?.id}`),
              ' (below, in Runs) before it runs.',
            ]
          : [`Waits at ${where}: run `, h('strong', {}, `#${last?.id}`), ' waits (see Runs below).'],
        last?.reasons?.length
          ? h(
              'ul',
              { class: 'reasons' },
              last.reasons.map((reason) => h('li', {}, reason)),
            )
          : null,
      ];
    } else {
      why = [`Stopped: ${where} ${last?.status ?? 'failed'}. Deal with the cause, then run it again.`];
    }
    const resumeFrom = stopped.resumeFrom;
    const more = resumeFrom !== undefined && resumeFrom <= steps.length;
    // A waiting scenario goes on by itself once its step has run; only a failed one is resumed by hand.
    const resume =
      more && stopped.reason === 'failed'
        ? h(
            'button',
            { type: 'button', class: 'primary', dataset: { resume: resumeFrom } },
            `Resume from step ${resumeFrom}`,
          )
        : null;
    resume?.addEventListener('click', () => send(resumeFrom, false));
    return h(
      'div',
      { class: 'stopped', dataset: { stopped: stopped.reason, step: stopped.step } },
      h('p', {}, why[0]),
      why.slice(1),
      stopped.reason === 'waiting' && more
        ? h(
            'p',
            { class: 'muted' },
            `Once it has run, the scenario goes on by itself with step ${resumeFrom} (scenario run #${answer.id}).`,
          )
        : null,
      stopped.reason === 'waiting' && !more ? h('p', { class: 'muted' }, 'It is the last step.') : null,
      resume,
    );
  }

  async function send(from, dryRun) {
    if (busy) return;
    const request = bodyFor(from, dryRun);
    if (request.problem) {
      replace(result, problem(request.problem));
      return;
    }
    setBusy(true);
    replace(
      result,
      h('p', { class: 'muted' }, dryRun ? 'Dry run of the scenario…' : 'Running the scenario…'),
    );
    try {
      const answer = await api(`/api/v1/scenarios/${encodeURIComponent(scenario.id)}/run`, {
        method: 'POST',
        csrf: me.csrf,
        body: request.body,
      });
      show(answer, from, dryRun);
    } catch (error) {
      replace(result, problem(error));
    } finally {
      setBusy(false);
      onRuns?.();
    }
  }

  /** The scenario run shown, while it may still go on by itself (waiting or running). */
  let following;
  let shownState = '';

  /** show draws a scenario run: its step runs, and where it stands. */
  function show(answer, from, dryRun) {
    following =
      answer.status === 'waiting' || answer.status === 'running'
        ? { id: answer.id, from, dryRun }
        : undefined;
    shownState = JSON.stringify([answer.status, answer.runs.map((each) => [each.id, each.status])]);
    replace(
      result,
      h(
        'div',
        {
          class: 'scenario-answer',
          dataset: {
            stopped: answer.stopped?.reason ?? 'none',
            status: answer.status,
            scenarioRun: answer.id,
          },
        },
        h(
          'p',
          { class: 'muted' },
          dryRun ? 'Dry run' : 'Run',
          from > 1 ? ` from step ${from}` : '',
          `: ${answer.runs.length} step${answer.runs.length === 1 ? '' : 's'}`,
          answer.runs.some((each) => FAILED.has(each.status)) ? ', one failed' : '',
        ),
        h('ol', { class: 'scenario-runs' }, answer.runs.map(runItem)),
        stoppedNote(answer, dryRun),
      ),
    );
  }

  /**
   * refresh reads again the scenario run shown while it may go on by itself (after an approval, by
   * another responder perhaps), and draws it when it has moved.
   */
  async function refresh() {
    if (!following || busy) return;
    const { id, from, dryRun } = following;
    const record = await api(`/api/v1/scenario-runs/${id}`);
    if (following?.id !== id) return;
    const stopped =
      record.status === 'waiting'
        ? { step: record.nextStep, reason: 'waiting', resumeFrom: record.nextStep + 1 }
        : record.status === 'failed' || record.status === 'interrupted'
          ? { step: record.nextStep, reason: 'failed', resumeFrom: record.nextStep }
          : undefined;
    const answer = { ...record, ...(stopped ? { stopped } : {}) };
    const state = JSON.stringify([answer.status, answer.runs.map((each) => [each.id, each.status])]);
    if (state !== shownState) show(answer, from, dryRun);
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    send(1, false);
  });
  dry.addEventListener('click', () => send(1, true));

  return { node: h('div', { class: 'scenario-runner' }, open, form), refresh };
}
