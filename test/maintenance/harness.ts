/**
 * The maintenance scheduler with its real parts around it — the SQLite store, the incident pipeline
 * (its windows and alerts), the executors running real processes and SQL — and a fake clock, so
 * schedules fall due when the test moves time. Runs themselves take real time (pg_dump is a real
 * process), so tests wait for their records with `waitFor`.
 */
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { parse } from 'yaml';
import { createExecutors } from '../../src/actions/index.ts';
import { Pipeline } from '../../src/engine/pipeline.ts';
import { MaintenanceScheduler } from '../../src/maintenance/scheduler.ts';
import { createNotifiers } from '../../src/notify/index.ts';
import { resolveRunbook } from '../../src/runbook/load.ts';
import { Runbook, type RunbookConfig } from '../../src/runbook/schema.ts';
import { maskSecrets } from '../../src/runbook/secrets.ts';
import type { IncidentStore } from '../../src/store/incidents.ts';
import { openSqliteIncidentStore } from '../../src/store/incidents-sqlite.ts';
import type { MaintenanceRun } from '../../src/store/maintenance-runs.ts';
import { FakeClock } from '../support/clock.ts';
import { waitFor } from '../support/receivers.ts';

/** at gives epoch ms of a UTC wall-clock time on 15 January 2025 (day 15) or a nearby day. */
export const at = (day: number, hour: number, minute: number, second = 0): number =>
  Date.UTC(2025, 0, day, hour, minute, second);

/** runbookOf reads a runbook written in YAML, as a file would hold it. */
export function runbookOf(yaml: string): RunbookConfig {
  return Runbook.parse(parse(yaml));
}

/** Harness is one running scheduler over a store file. */
export interface Harness {
  readonly clock: FakeClock;
  readonly store: IncidentStore;
  readonly pipeline: Pipeline;
  readonly scheduler: MaintenanceScheduler;
  readonly logs: { level: string; msg: string; fields?: Record<string, unknown> }[];
  /** runs gives a task's runs, oldest first. */
  runs(task: string): MaintenanceRun[];
  /** settled waits until the task has `count` runs and none is still running, and gives them oldest first. */
  settled(task: string, count?: number): Promise<MaintenanceRun[]>;
  /** close stops the scheduler and closes the store (a clean shutdown). */
  close(): Promise<void>;
}

/**
 * startHarness starts a scheduler for `runbook` over the store file in `dir`, at `start` on a fake
 * clock; `env` feeds `${ENV}` references and the steps' `$VAR`s. It is closed when the test ends,
 * unless the test closed it first.
 */
export function startHarness(
  t: TestContext,
  options: {
    readonly runbook: RunbookConfig;
    readonly dir: string;
    readonly start: number;
    readonly env?: Readonly<Record<string, string>>;
    readonly autostart?: boolean;
  },
): Harness {
  const env = { ...options.env };
  const resolved = resolveRunbook(options.runbook, env);
  const runbook = resolved.runbook;
  const mask = (text: string) => maskSecrets(text, resolved.secrets);
  const clock = new FakeClock(options.start);
  const store = openSqliteIncidentStore(join(options.dir, 'vigie.sqlite'));
  const executors = createExecutors();
  const notifiers = createNotifiers({ now: () => clock.now() });
  const channels = runbook.channels ?? {};
  const logs: Harness['logs'] = [];
  const log = (level: string, msg: string, fields?: Record<string, unknown>) => {
    logs.push({ level, msg, ...(fields ? { fields } : {}) });
  };
  const pipeline = new Pipeline({
    runbook,
    store,
    clock,
    mask,
    log,
    deliver: async (id, notification, signal) => {
      const channel = channels[id];
      if (!channel) return { ok: false, retryable: false, error: `no channel ${id}` };
      return notifiers.send(notification, channel, signal);
    },
  });
  const scheduler = new MaintenanceScheduler({
    runbook,
    store,
    pipeline,
    executors,
    services: runbook.services ?? {},
    env,
    secrets: resolved.secrets,
    clock,
    mask,
    log,
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await scheduler.stop();
    await pipeline.stop();
    await executors.close();
    await notifiers.close();
    store.close();
  };
  t.after(close);
  if (options.autostart !== false) scheduler.start();
  const runs = (task: string) => store.maintenance.runs({ task }).reverse();
  return {
    clock,
    store,
    pipeline,
    scheduler,
    logs,
    runs,
    async settled(task, count = 1) {
      await waitFor(() => {
        const found = runs(task);
        return found.length >= count && found.every((run) => run.status !== 'running');
      }, 30_000);
      return runs(task);
    },
    close,
  };
}
