/**
 * Guarded actions on the incident page: under each step of the matched scenario, a responder's Run and
 * Dry run buttons (with an input per declared parameter, and the typed confirmation a dangerous step
 * asks for), the answer under the step; and the incident's runs, with who asked, the gate's answer,
 * who approved, and an Approve button on another responder's waiting run. The server's risk gate
 * decides; the page only says what it will ask for.
 */

import { api, mayRespond, rereader } from './api.js';
import { formatTime, h, problem, replace, riskBadge, statusBadge, timeAgo } from './dom.js';
import { expectedConfirmation, needsApproval, needsConfirmation } from './gate.js';
import { renderOutcome, scenarioSteps } from './scenario.js';

const fold = (name) =>
  String(name ?? '')
    .trim()
    .toLowerCase();

/**
 * createActions gives the action controls of one incident page: `controls(step, number)` for
 * `renderScenario`, the `runs` list to place in the page, and `refresh()` to read the runs again
 * (when a timeline entry of kind `action` arrives).
 */
export function createActions({ incidentId, scenario, me }) {
  const responder = mayRespond(me);
  const steps = scenarioSteps(scenario);
  const runsPath = `/api/v1/incidents/${encodeURIComponent(incidentId)}/actions`;
  const runsList = h('ol', { class: 'runs', id: 'runs-list' });
  const runsEmpty = h('p', { class: 'muted' }, 'No step has been run for this incident yet.');
  const runsMessage = h('div', { class: 'message', 'aria-live': 'polite' });
  /** Rendered runs by id, with the state they were drawn from, so an unchanged run keeps its inputs. */
  const shown = new Map();
  /** The result area under each step by its number, and the run it shows. */
  const results = new Map();

  const stepOf = (run) => (run.scenario === scenario?.id ? steps[run.stepIndex - 1] : undefined);
  const mine = (run) => fold(run.requestedBy) === fold(me?.name);
  const waitsForSecond = (run) => {
    const step = stepOf(run);
    return run.status === 'waiting' && !run.approvedBy && (step ? needsApproval(step) : true);
  };

  /** runSummary says what became of a run: its status, the command, the output, what it waits for. */
  function runSummary(run) {
    const outcome = run.outcome && typeof run.outcome === 'object' ? run.outcome : undefined;
    return [
      h(
        'div',
        { class: 'run-facts' },
        statusBadge(run.status),
        run.dryRun && run.status !== 'dry-run' ? h('span', { class: 'muted' }, 'dry run') : null,
        h('span', { class: 'muted' }, `run #${run.id}`),
      ),
      outcome ? renderOutcome(outcome) : h('pre', { class: 'command' }, h('code', {}, run.run)),
      run.status === 'waiting' && run.reasons?.length
        ? h(
            'ul',
            { class: 'reasons' },
            run.reasons.map((reason) => h('li', {}, reason)),
          )
        : null,
      run.status === 'waiting' && mine(run) && waitsForSecond(run)
        ? h('p', { class: 'waiting' }, 'waiting for a second responder')
        : null,
    ];
  }

  function showResult(number, run) {
    const result = results.get(number);
    if (!result) return;
    result.runId = run.id;
    replace(result.node, runSummary(run));
  }

  /** controls gives a responder's run form for one step, or nothing for a viewer or a manual step. */
  function controls(step, number) {
    if (!responder || !scenario || step.kind === 'manual') return null;
    const prefix = `step-${number}`;
    const params = Object.entries(step.params ?? {}).map(([name, param]) => ({
      name,
      input: h('input', {
        type: 'text',
        id: `${prefix}-param-${name}`,
        name,
        required: true,
        autocomplete: 'off',
        spellcheck: 'false',
        placeholder: param.description ?? param.example ?? param.type,
        title: param.example ? `for example ${param.example}` : null,
        dataset: { param: name },
      }),
      param,
    }));
    const expected = needsConfirmation(step) ? expectedConfirmation(step) : undefined;
    const confirmation =
      expected === undefined
        ? undefined
        : h('input', {
            type: 'text',
            id: `${prefix}-confirm`,
            name: 'confirmation',
            autocomplete: 'off',
            spellcheck: 'false',
            placeholder: expected,
            dataset: { confirm: expected },
          });
    const run = h(
      'button',
      {
        type: 'submit',
        class: step.risk === 'dangerous' || step.risk === 'destructive' ? 'danger' : 'primary',
        dataset: { action: 'run' },
      },
      'Run',
    );
    const dry = h('button', { type: 'button', class: 'quiet', dataset: { action: 'dry' } }, 'Dry run');
    const result = h('div', { class: 'step-result', 'aria-live': 'polite' });
    results.set(number, { node: result });
    const form = h(
      'form',
      { class: 'step-run', novalidate: true },
      params.map(({ name, input, param }) =>
        h(
          'div',
          { class: 'field' },
          h('label', { for: input.id }, h('code', {}, name), h('span', { class: 'muted' }, ` ${param.type}`)),
          input,
        ),
      ),
      confirmation
        ? h(
            'div',
            { class: 'field' },
            h('label', { for: confirmation.id }, 'Type ', h('code', {}, expected), ' to confirm'),
            confirmation,
          )
        : null,
      // renderStep already says so of a step guarded by approval; a destructive step needs it unsaid.
      needsApproval(step) && !step.guard?.approval
        ? h('p', { class: 'muted' }, 'A second responder must approve before it runs.')
        : null,
      h('div', { class: 'run-buttons' }, run, dry),
      result,
    );

    const send = async (dryRun) => {
      const missing = params.filter(({ input }) => input.value.trim() === '').map(({ name }) => name);
      if (missing.length > 0) {
        replace(result, problem({ message: `Give ${missing.join(', ')}`, fix: 'every parameter is needed' }));
        return;
      }
      const typed = confirmation?.value.trim() ?? '';
      if (!dryRun && expected !== undefined && typed !== expected) {
        replace(
          result,
          problem({
            message: `Type ${expected} to run this ${step.risk} step`,
            fix: 'the confirmation is the step id (or "confirm" when it has none), as written',
          }),
        );
        confirmation?.focus();
        return;
      }
      run.disabled = true;
      dry.disabled = true;
      replace(result, h('p', { class: 'muted' }, dryRun ? 'Dry run…' : 'Running…'));
      try {
        const answer = await api('/api/v1/actions', {
          method: 'POST',
          csrf: me.csrf,
          body: {
            scenario: scenario.id,
            step: number,
            incident: incidentId,
            ...(params.length > 0
              ? { params: Object.fromEntries(params.map(({ name, input }) => [name, input.value.trim()])) }
              : {}),
            ...(expected !== undefined && !dryRun ? { confirmation: typed } : {}),
            dry_run: dryRun,
          },
        });
        upsert(answer.run);
        showResult(number, answer.run);
        if (confirmation) confirmation.value = '';
      } catch (error) {
        replace(result, problem(error));
      } finally {
        run.disabled = false;
        dry.disabled = false;
      }
    };
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      send(false);
    });
    dry.addEventListener('click', () => send(true));
    return form;
  }

  /**
   * gateForm gives the button of a waiting run: Approve on another responder's, Try again on one's
   * own (once its backup has run, or with the confirmation typed), with the confirmation input its
   * step asks for.
   */
  function gateForm(run, verb) {
    const [label, doing] = verb === 'approve' ? ['Approve', 'Approving…'] : ['Try again', 'Asking again…'];
    const step = stepOf(run);
    const expected = step && needsConfirmation(step) ? expectedConfirmation(step) : undefined;
    const confirmation =
      expected === undefined
        ? undefined
        : h('input', {
            type: 'text',
            id: `run-${run.id}-confirm`,
            name: 'confirmation',
            autocomplete: 'off',
            spellcheck: 'false',
            placeholder: expected,
            dataset: { confirm: expected },
          });
    const button = h('button', { type: 'submit', class: 'primary', dataset: { [verb]: run.id } }, label);
    const message = h('div', { class: 'message', 'aria-live': 'polite' });
    const form = h(
      'form',
      { class: verb, novalidate: true },
      confirmation
        ? h(
            'div',
            { class: 'field' },
            h('label', { for: confirmation.id }, 'Type ', h('code', {}, expected), ' to confirm'),
            confirmation,
          )
        : null,
      button,
      message,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const typed = confirmation?.value.trim();
      if (expected !== undefined && typed !== expected) {
        replace(message, problem({ message: `Type ${expected} to run this step` }));
        confirmation?.focus();
        return;
      }
      button.disabled = true;
      replace(message, h('p', { class: 'muted' }, doing));
      try {
        const answer = await api(`/api/v1/actions/${run.id}/${verb}`, {
          method: 'POST',
          csrf: me.csrf,
          body: typed === undefined ? {} : { confirmation: typed },
        });
        button.disabled = false;
        // A run the gate still holds is drawn the same; say it was asked.
        replace(message, h('p', { class: 'muted' }, `Still ${answer.run.status}: see what it needs above.`));
        upsert(answer.run);
      } catch (error) {
        button.disabled = false;
        replace(message, problem(error));
      }
    });
    return form;
  }

  function runNode(run) {
    const params = Object.entries(run.params ?? {});
    return h(
      'li',
      { class: 'run', dataset: { run: run.id, status: run.status } },
      h(
        'div',
        { class: 'run-head' },
        riskBadge(run.risk),
        h('strong', {}, run.stepId ?? `step ${run.stepIndex}`),
        run.scenario === scenario?.id ? null : h('span', { class: 'muted' }, run.scenario),
        statusBadge(run.status),
        run.dryRun && run.status !== 'dry-run' ? h('span', { class: 'muted' }, 'dry run') : null,
      ),
      h(
        'p',
        { class: 'run-who' },
        'Asked by ',
        h('strong', { class: 'requester' }, run.requestedBy),
        ` at ${formatTime(run.requestedAt)} (`,
        timeAgo(run.requestedAt),
        ')',
        run.approvedBy ? ['; approved by ', h('strong', { class: 'approver' }, run.approvedBy)] : null,
      ),
      params.length > 0
        ? h('p', { class: 'muted' }, params.map(([name, value]) => `${name}=${value}`).join(' '))
        : null,
      run.status === 'waiting'
        ? [
            h('pre', { class: 'command' }, h('code', {}, run.run)),
            run.reasons?.length
              ? h(
                  'ul',
                  { class: 'reasons' },
                  run.reasons.map((reason) => h('li', {}, reason)),
                )
              : null,
            mine(run) && waitsForSecond(run)
              ? h('p', { class: 'waiting' }, 'waiting for a second responder')
              : null,
            responder ? gateForm(run, mine(run) ? 'retry' : 'approve') : null,
          ]
        : run.outcome && typeof run.outcome === 'object'
          ? h('details', { class: 'run-output' }, h('summary', {}, 'Output'), renderOutcome(run.outcome))
          : null,
    );
  }

  /** upsert draws a run in the list (newest last) when it is new or changed, and under its step. */
  function upsert(run) {
    const state = JSON.stringify([run.status, run.approvedBy, run.reasons, run.finishedAt]);
    const before = shown.get(run.id);
    if (!before || before.state !== state) {
      const node = runNode(run);
      if (before) before.node.replaceWith(node);
      else {
        const next = [...shown.keys()].filter((id) => id > run.id).sort((a, b) => a - b)[0];
        runsList.insertBefore(node, next === undefined ? null : shown.get(next).node);
      }
      shown.set(run.id, { state, node });
    }
    runsEmpty.hidden = shown.size > 0;
    for (const [number, result] of results) {
      if (result.runId === run.id && before?.state !== state) showResult(number, run);
    }
  }

  /** refresh reads the incident's runs again. */
  const refresh = rereader(
    () => api(runsPath),
    (answer) => {
      for (const run of answer.runs) upsert(run);
    },
    runsMessage,
  );

  /** output shows a running step's output under it as it is printed (the final answer replaces it). */
  function output(chunk) {
    if (chunk.scenario !== scenario?.id) return;
    const result = results.get(chunk.stepIndex);
    if (!result) return;
    let pre = result.node.querySelector('pre.live-output');
    if (!pre) {
      pre = h('pre', { class: 'terminal live-output', 'aria-live': 'off' });
      result.node.append(pre);
    }
    pre.append(chunk.text);
    pre.scrollTop = pre.scrollHeight;
  }

  return { controls, runs: [runsMessage, runsEmpty, runsList], refresh, output };
}
