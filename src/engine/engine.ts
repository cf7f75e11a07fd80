/**
 * The running engine: checks compiled from the runbook, the scheduler, the probes and the store
 * wired together, with a flush loop and an orderly shutdown. Everything with a side effect is
 * created here and handed to the pieces, so each piece stays testable alone.
 */
import { VigieError } from '../errors.ts';
import { createProbes } from '../probes/index.ts';
import { formatLoadErrors, resolveRunbook } from '../runbook/load.ts';
import type { RunbookConfig } from '../runbook/schema.ts';
import { maskSecrets } from '../runbook/secrets.ts';
import type { ObservationStore } from '../store/store.ts';
import { compileChecks, type RunnableCheck } from './compile.ts';
import { type CheckResult, runCheck } from './run.ts';
import { type Clock, Scheduler, type SchedulerStats, SYSTEM_CLOCK } from './scheduler.ts';

/** EngineOptions are what the engine runs and where it keeps what it sees. */
export interface EngineOptions {
  readonly runbook: RunbookConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly store: ObservationStore;
  /** Runs under way at once; 64 when absent. */
  readonly concurrency?: number;
  /** Milliseconds between two flushes of the store; 1,000 when absent. */
  readonly flushEvery?: number;
  readonly clock?: Clock;
  /** Called with every error the flush loop meets, already masked. */
  readonly onError?: (message: string) => void;
  /** When each check last ran (from the store), so a restart resumes the schedule instead of starting it over. */
  readonly lastRuns?: ReadonlyMap<string, number>;
  /** Told of every run's result once it is stored, so rules can judge it (runs in the probe's turn; keep it quick). */
  readonly onResult?: (check: RunnableCheck, result: CheckResult) => void;
}

/** Engine is a started engine. */
export interface Engine {
  readonly checks: readonly RunnableCheck[];
  /** stats describes the scheduler's timing. */
  stats(): SchedulerStats;
  /** stop finishes the runs under way, flushes the store and releases connections; the store stays open for its owner. */
  stop(): Promise<void>;
}

/** startEngine resolves and compiles the runbook's checks and starts running them. */
export function startEngine(options: EngineOptions): Engine {
  const resolved = resolveRunbook(options.runbook, options.env);
  const compiled = compileChecks(resolved.runbook);
  if (compiled.errors.length > 0) {
    throw new VigieError(
      'RUNBOOK_INVALID',
      `some checks cannot be built:\n${formatLoadErrors('runbook', compiled.errors)}`,
      'fix each condition at the column shown',
    );
  }
  const mask = (text: string): string => maskSecrets(text, resolved.secrets);
  const clock = options.clock ?? SYSTEM_CLOCK;
  const probes = createProbes();
  const { store } = options;
  const scheduler = new Scheduler(
    compiled.checks,
    async (check) => {
      const result = await runCheck(check, probes.byKind[check.probe], () => clock.now());
      await store.append([
        {
          checkId: check.id,
          at: result.at,
          ok: result.ok,
          latency: result.observation.latency,
          // Values explain a failure; kept for every passing run they would cost 10,000 bodies every 10 s.
          ...(result.ok
            ? {}
            : { error: mask(result.failures.join('; ')), values: result.observation.values }),
        },
      ]);
      options.onResult?.(check, result);
    },
    { concurrency: options.concurrency ?? 64, clock },
  );
  let flushing = Promise.resolve();
  let timer: unknown;
  let stopped = false;
  const flushLoop = (): void => {
    if (stopped) return;
    timer = clock.setTimeout(() => {
      flushing = store.flush().catch((error: unknown) => options.onError?.(mask((error as Error).message)));
      void flushing.then(flushLoop);
    }, options.flushEvery ?? 1000);
  };
  scheduler.start(options.lastRuns);
  flushLoop();
  return {
    checks: compiled.checks,
    stats: () => scheduler.stats(),
    async stop() {
      stopped = true;
      clock.clearTimeout(timer);
      await scheduler.stop();
      await flushing;
      await store.flush();
      await probes.close();
    },
  };
}
