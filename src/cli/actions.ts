/**
 * `vigie run`, `vigie approve` and `vigie postmortem`, through the API of a running `vigie serve`, so a
 * step's gate, its approvals and its audit are the same from the terminal and from the dashboard.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { ScenarioRun } from '../actions/service.ts';
import { VigieError } from '../errors.ts';
import type { ActionRun } from '../store/incidents.ts';
import { follow, type OutputEvent } from './follow.ts';
import { CONNECTION, call, type Output } from './incidents.ts';

type Command = (args: string[], io: Output) => Promise<number>;

/** report shows how a run ended; its output is left out when it was shown live as it ran. */
function report(io: Output, run: ActionRun, shownLive: ReadonlySet<number> = new Set()): number {
  io.out(`run ${run.id}: ${run.scenario} step ${run.stepId ?? run.stepIndex} (${run.risk}) — ${run.status}`);
  if (run.status === 'waiting') for (const reason of run.reasons ?? []) io.out(`  needs: ${reason}`);
  if (run.status === 'waiting') io.out(`  a second responder approves with: vigie approve ${run.id}`);
  const outcome = run.outcome as { command?: string; output?: string; error?: string } | undefined;
  if (outcome?.command) io.out(`$ ${outcome.command}`);
  if (outcome?.output)
    io.out(shownLive.has(run.id) ? '(its output is shown above, as it ran)' : outcome.output);
  if (outcome?.error) io.out(`error: ${outcome.error}`);
  return run.status === 'ok' || run.status === 'dry-run' || run.status === 'waiting' ? 0 : 1;
}

const stepRef = (text: string): string | number => (/^\d+$/.test(text) ? Number(text) : text);

/**
 * acting sends a request that runs steps and waits for its answer as long as they take, showing
 * their output live meanwhile (not with --json, whose reader wants one document).
 */
async function acting<T>(
  values: { url: string; token?: string | undefined; json?: boolean | undefined },
  io: Output,
  wanted: (event: OutputEvent) => boolean,
  send: () => Promise<T>,
): Promise<{ answer: T; shownLive: Set<number> }> {
  const live = values.json || !values.token ? undefined : await follow(values.url, values.token, io, wanted);
  try {
    const answer = await send();
    // The last lines of a step may still be on their way when its answer arrives.
    if (live) await new Promise((resolve) => setTimeout(resolve, LIVE_TAIL_MS));
    return { answer, shownLive: live?.stop() ?? new Set() };
  } catch (error) {
    live?.stop();
    throw error;
  }
}

/** LIVE_TAIL_MS is how long live output is still read after the answer came. */
const LIVE_TAIL_MS = 100;

function reportScenario(io: Output, answer: ScenarioRun, shownLive: ReadonlySet<number>): number {
  let code = 0;
  for (const run of answer.runs) code = Math.max(code, report(io, run, shownLive));
  const stopped = answer.stopped;
  if (!stopped) {
    io.out(`scenario ${answer.scenario}: ${answer.runs.length} step(s) done`);
    return code;
  }
  const resume = `vigie run ${answer.scenario} --from ${stopped.resumeFrom ?? stopped.step}`;
  if (stopped.reason === 'waiting') {
    const waiting = answer.runs.at(-1);
    io.out(
      `scenario run ${answer.id} of ${answer.scenario} waits at step ${stopped.step} for run ${waiting?.id}: ` +
        `it goes on by itself once that run is approved (vigie approve ${waiting?.id}, by another responder) ` +
        `or given its confirmation (vigie retry ${waiting?.id} --confirm …)`,
    );
    return 0;
  }
  io.out(
    `scenario ${answer.scenario} stopped: step ${stopped.step} failed; after fixing it, resume with: ${resume}`,
  );
  return 1;
}

/** onRun approves a waiting run, or asks its gate again (`retry`), and reports what became of it. */
async function onRun(verb: 'approve' | 'retry', args: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...CONNECTION, confirm: { type: 'string' } },
  });
  const id = positionals[0];
  if (!id || !/^\d+$/.test(id))
    throw new VigieError('USAGE', `vigie ${verb} needs a run number`, `run: vigie ${verb} 12`);
  const { answer, shownLive } = await acting(
    values,
    io,
    (event) => event.run === Number(id),
    async () =>
      (await call(
        values.url,
        values.token,
        'POST',
        `/api/v1/actions/${id}/${verb}`,
        { ...(values.confirm === undefined ? {} : { confirmation: values.confirm }) },
        0,
      )) as { run: ActionRun },
  );
  if (values.json) {
    io.out(JSON.stringify(answer, null, 2));
    return 0;
  }
  const code = report(io, answer.run, shownLive);
  const scenarioRun = answer.run.scenarioRun;
  if (scenarioRun !== undefined && answer.run.status !== 'waiting') {
    const record = (await call(values.url, values.token, 'GET', `/api/v1/scenario-runs/${scenarioRun}`)) as {
      status: string;
      scenario: string;
      nextStep: number;
      waitingRun?: number;
    };
    const where = `scenario run ${scenarioRun} of ${record.scenario}`;
    io.out(
      record.status === 'running'
        ? `${where} goes on by itself with its next steps (see the incident page, or GET /api/v1/scenario-runs/${scenarioRun})`
        : record.status === 'waiting' && record.waitingRun !== answer.run.id
          ? `${where} went on by itself, and now waits at step ${record.nextStep} for run ${record.waitingRun}`
          : `${where} is ${record.status}`,
    );
  }
  return code;
}

/** actionCommands are the guarded-action and post-mortem sub-commands. */
export const actionCommands: Record<string, Command> = {
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...CONNECTION,
        step: { type: 'string' },
        from: { type: 'string' },
        incident: { type: 'string' },
        param: { type: 'string', multiple: true },
        'dry-run': { type: 'boolean' },
        confirm: { type: 'string', multiple: true },
      },
    });
    const scenario = positionals[0];
    if (!scenario) {
      throw new VigieError(
        'USAGE',
        'vigie run needs a scenario',
        'run: vigie run SCENARIO [--step ID | --from ID] [--param NAME=VALUE] [--dry-run]',
      );
    }
    if (values.step !== undefined && values.from !== undefined) {
      throw new VigieError(
        'USAGE',
        '--step runs one step and --from runs the scenario from a step; give one of them',
        'run: vigie run SCENARIO --step 2, or vigie run SCENARIO --from 2',
      );
    }
    const params: Record<string, string> = {};
    for (const pair of values.param ?? []) {
      const at = pair.indexOf('=');
      if (at <= 0)
        throw new VigieError(
          'USAGE',
          `--param ${pair} is not NAME=VALUE`,
          'write it like --param TENANT_UUID=3f0c…',
        );
      params[pair.slice(0, at)] = pair.slice(at + 1);
    }
    const common = {
      ...(values.incident ? { incident: values.incident } : {}),
      ...(Object.keys(params).length > 0 ? { params } : {}),
      dry_run: values['dry-run'] ?? false,
    };
    const ours = (event: OutputEvent) =>
      event.scenario === scenario && (values.incident === undefined || event.incidentId === values.incident);
    if (values.step === undefined) {
      const { answer, shownLive } = await acting(
        values,
        io,
        ours,
        async () =>
          (await call(
            values.url,
            values.token,
            'POST',
            `/api/v1/scenarios/${encodeURIComponent(scenario)}/run`,
            {
              ...common,
              ...(values.from === undefined ? {} : { from: stepRef(values.from) }),
              ...(values.confirm ? { confirmations: values.confirm } : {}),
            },
            0,
          )) as ScenarioRun,
      );
      if (values.json) {
        io.out(JSON.stringify(answer, null, 2));
        return 0;
      }
      return reportScenario(io, answer, shownLive);
    }
    const step = values.step;
    const { answer, shownLive } = await acting(
      values,
      io,
      ours,
      async () =>
        (await call(
          values.url,
          values.token,
          'POST',
          '/api/v1/actions',
          {
            ...common,
            scenario,
            step: stepRef(step),
            ...(values.confirm?.[0] === undefined ? {} : { confirmation: values.confirm[0] }),
          },
          0,
        )) as { run: ActionRun },
    );
    if (values.json) {
      io.out(JSON.stringify(answer, null, 2));
      return 0;
    }
    return report(io, answer.run, shownLive);
  },

  approve: (args, io) => onRun('approve', args, io),
  retry: (args, io) => onRun('retry', args, io),

  async postmortem(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { ...CONNECTION, output: { type: 'string', short: 'o' } },
    });
    const id = positionals[0];
    if (!id)
      throw new VigieError('USAGE', 'vigie postmortem needs an incident id', 'run: vigie postmortem INC-3');
    const markdown = (await call(
      values.url,
      values.token,
      'GET',
      `/api/v1/incidents/${encodeURIComponent(id)}/postmortem`,
    )) as string;
    if (values.output) {
      await writeFile(values.output, markdown);
      io.err(`wrote ${values.output}`);
    } else io.out(markdown);
    return 0;
  },
};
