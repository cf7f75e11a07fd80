/**
 * The probe contract. A probe looks at one target and returns an observation; it never decides
 * whether the check passed (the check's `expect` conditions do) and mutates nothing it is given.
 * One file per kind implements it; `index.ts` holds the typed registry.
 */
import type { ProbeKind } from '../runbook/schema.ts';

/** Observation is what one probe run saw. */
export interface Observation {
  /** The probe reached its target and got an answer it could read (an HTTP 500 is still ok here). */
  readonly ok: boolean;
  /** Milliseconds the run took, measured by the probe around the exchange itself. */
  readonly latency: number;
  /** Named values the conditions read: `status`, `body`, `headers`, `value`, `days_to_expiry`, `output`, … */
  readonly values: Readonly<Record<string, unknown>>;
  /** When not ok: what failed, in words that name the target ("connect ECONNREFUSED 127.0.0.1:5432"). */
  readonly error?: string;
}

/** ProbeTarget is a check made ready to run: references resolved, durations in milliseconds. */
export interface ProbeTarget {
  /** URL, DSN, host:port, path, host name or queue name, per kind. */
  readonly target: string;
  /** Longest the run may take, in milliseconds. */
  readonly timeout: number;
  /** Connection string of the service a queue or sql probe goes through (a Redis URL, a PostgreSQL DSN). */
  readonly connection?: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly followRedirects?: boolean;
  readonly verifyTls?: boolean;
  readonly query?: string;
  readonly command?: readonly string[];
  readonly key?: string;
  readonly queue?: 'bullmq' | 'rq' | 'celery';
  readonly record?: 'A' | 'AAAA' | 'CNAME' | 'MX' | 'TXT' | 'NS' | 'SRV';
}

/** Probe runs one kind of observation. `run` never throws: failures come back as `ok: false`. */
export interface Probe {
  readonly kind: ProbeKind;
  /** run observes the target once; it gives up when `signal` aborts (the scheduler's timeout). */
  run(target: ProbeTarget, signal: AbortSignal): Promise<Observation>;
  /** close releases pooled connections; probes without any may omit it. */
  close?(): Promise<void>;
}

/** elapsed gives the milliseconds from `start` to `end` (`performance.now()` readings; `end` is now when absent), to 0.1 ms. */
export function elapsed(start: number, end = performance.now()): number {
  return Math.round((end - start) * 10) / 10;
}

/** failure builds the observation of a run that did not get an answer. */
export function failure(start: number, error: unknown, values: Record<string, unknown> = {}): Observation {
  const message = error instanceof Error ? error.message : String(error);
  return { ok: false, latency: elapsed(start), values, error: message };
}

/** abortable settles as `work` does unless `signal` aborts first; then it rejects at once and hands a late result to `late`, so nothing leaks. */
export function abortable<T>(work: Promise<T>, signal: AbortSignal, late: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      work.then(late, () => {});
      reject(signal.reason);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** abortMessage words why `signal` stopped a run, naming the limit when the reason is a timeout. */
export function abortMessage(signal: AbortSignal, timeout: number): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') return `timed out after ${timeout}ms`;
  // The scheduler aborts with its own Error, already worded ("timed out after 2000ms").
  if (reason instanceof Error && reason.name !== 'AbortError') return reason.message;
  return 'aborted';
}
