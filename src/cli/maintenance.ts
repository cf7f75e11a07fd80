/**
 * `vigie maintenance list` and `vigie maintenance run TASK`, through the API of a running `vigie
 * serve`, so a task run by hand passes the same gate, opens the same window and is recorded like a
 * scheduled one.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { VigieError } from '../errors.ts';
import { formatTable } from '../runbook/show.ts';
import type { MaintenanceRun } from '../store/maintenance-runs.ts';
import { CONNECTION, call, type Output } from './incidents.ts';

type Command = (args: string[], io: Output) => Promise<number>;

/** How often `run` asks whether the run has ended. */
const POLL_MS = 1000;

interface TaskAnswer {
  readonly id: string;
  readonly title: string;
  readonly schedule?: string;
  readonly timezone: string;
  readonly nextDueAt?: number;
  readonly runningId?: number;
  readonly problem?: string;
  readonly runs: readonly MaintenanceRun[];
}

const time = (at: number | undefined): string =>
  at === undefined ? '' : new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');

const USAGE_FIX = 'run: vigie maintenance list, or vigie maintenance run TASK [--detach]';

function report(io: Output, run: MaintenanceRun): number {
  const who = run.requestedBy ? ` by ${run.requestedBy}` : '';
  io.out(`run ${run.id}: ${run.task} (${run.trigger}${who}, due ${time(run.dueAt)}) — ${run.status}`);
  for (const step of run.steps) {
    const seconds = (step.durationMs / 1000).toFixed(1);
    io.out(`  step ${step.step} (${step.kind}): ${step.status} in ${seconds}s`);
    if (step.status !== 'ok' && (step.error ?? step.reason)) io.out(`    ${step.error ?? step.reason}`);
  }
  if (run.error) io.out(`  ${run.status === 'ok' ? 'note' : 'error'}: ${run.error}`);
  return run.status === 'ok' || run.status === 'running' ? 0 : 1;
}

async function list(args: string[], io: Output): Promise<number> {
  const { values } = parseArgs({ args, options: { ...CONNECTION } });
  const answer = (await call(values.url, values.token, 'GET', '/api/v1/maintenance')) as {
    tasks: TaskAnswer[];
  };
  if (values.json) {
    io.out(JSON.stringify(answer, null, 2));
    return 0;
  }
  const rows = answer.tasks.map((task) => {
    const last = task.runs[0];
    return [
      task.id,
      task.schedule ? `${task.schedule} ${task.timezone}` : 'on request',
      task.runningId !== undefined ? `running (run ${task.runningId})` : time(task.nextDueAt),
      last ? `${last.status} ${time(last.finishedAt ?? last.dueAt)}` : 'never ran',
      task.problem ?? task.title,
    ];
  });
  io.out(formatTable([['TASK', 'SCHEDULE', 'NEXT DUE', 'LAST RUN', 'WHAT'], ...rows]));
  return 0;
}

async function run(args: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...CONNECTION, detach: { type: 'boolean' } },
  });
  const task = positionals[0];
  if (!task || positionals.length > 1) {
    throw new VigieError('USAGE', 'vigie maintenance run takes one task id', USAGE_FIX);
  }
  const started = (await call(
    values.url,
    values.token,
    'POST',
    `/api/v1/maintenance/${encodeURIComponent(task)}/run`,
    {},
  )) as { run: MaintenanceRun };
  let current = started.run;
  if (!values.detach) {
    // A backup may take longer than one request should: ask until it has ended.
    while (current.status === 'running') {
      await sleep(POLL_MS);
      const answer = (await call(
        values.url,
        values.token,
        'GET',
        `/api/v1/maintenance/runs/${current.id}`,
      )) as {
        run: MaintenanceRun;
      };
      current = answer.run;
    }
  }
  if (values.json) {
    io.out(JSON.stringify({ run: current }, null, 2));
    return current.status === 'ok' || current.status === 'running' ? 0 : 1;
  }
  return report(io, current);
}

/** maintenanceCommands is the `vigie maintenance` sub-command. */
export const maintenanceCommands: Record<string, Command> = {
  async maintenance(args, io) {
    const [verb, ...rest] = args;
    if (verb === 'list') return list(rest, io);
    if (verb === 'run') return run(rest, io);
    throw new VigieError(
      'USAGE',
      verb === undefined ? 'vigie maintenance needs list or run' : `unknown maintenance command '${verb}'`,
      USAGE_FIX,
    );
  },
};
