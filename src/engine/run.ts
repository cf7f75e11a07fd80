/**
 * One run of one check: the probe observes within the check's timeout, then the check's conditions
 * judge the observation. A probe that ignores its abort signal is still cut off at the timeout.
 */
import { evaluate } from '../conditions/index.ts';
import { failure, type Observation, type Probe } from '../probes/probe.ts';
import type { RunnableCheck } from './compile.ts';

/** CheckResult is what one run of a check concluded. */
export interface CheckResult {
  readonly id: string;
  /** Epoch milliseconds when the run started. */
  readonly at: number;
  /** The probe got an answer and every condition holds. */
  readonly ok: boolean;
  readonly observation: Observation;
  /** Why the check failed: the probe's error, or each failed condition explained (`status (503) == 200`). */
  readonly failures: readonly string[];
  readonly timedOut: boolean;
}

// A probe honouring its signal answers well within this; one that does not is abandoned after it.
const GRACE_MS = 250;

/** runCheck runs a check once with the given probe, never longer than its timeout plus a short grace. */
export async function runCheck(
  check: RunnableCheck,
  probe: Probe,
  now: () => number = Date.now,
): Promise<CheckResult> {
  const at = now();
  const timeout = check.target.timeout;
  const controller = new AbortController();
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  const cut = new Promise<Observation>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`timed out after ${timeout}ms`));
      graceTimer = setTimeout(() => resolve(failure(start, `timed out after ${timeout}ms`)), GRACE_MS);
    }, timeout);
  });
  let observation: Observation;
  try {
    observation = await Promise.race([
      // The contract says run never throws; a probe that does still yields an observation.
      probe.run(check.target, controller.signal).catch((error: unknown) => failure(start, error)),
      cut,
    ]);
  } finally {
    clearTimeout(timer);
    clearTimeout(graceTimer);
  }
  const timedOut = controller.signal.aborted;
  if (!observation.ok) {
    return {
      id: check.id,
      at,
      ok: false,
      observation,
      failures: [observation.error ?? 'the probe failed'],
      timedOut,
    };
  }
  const failures: string[] = [];
  for (const { condition } of check.conditions) {
    const verdict = evaluate(condition, observation);
    if (!verdict.pass) failures.push(verdict.explanation);
  }
  return { id: check.id, at, ok: failures.length === 0, observation, failures, timedOut };
}

/** runAll runs checks once each, at most `concurrency` at a time, and gives results in the checks' order. */
export async function runAll(
  checks: readonly RunnableCheck[],
  probeFor: (check: RunnableCheck) => Probe,
  concurrency = 16,
): Promise<CheckResult[]> {
  const results: CheckResult[] = new Array(checks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < checks.length) {
      const index = next++;
      const check = checks[index]!;
      results[index] = await runCheck(check, probeFor(check));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, checks.length) }, worker));
  return results;
}
