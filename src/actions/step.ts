/**
 * What running one step takes and what it gives back. A request carries the step, the services it
 * may reach (secrets already resolved), the environment its `$VAR` references read, the values to
 * mask, and its limits; an outcome is what the incident timeline records: what ran, what it printed
 * (redacted and capped), how it ended and a hash of the stored output.
 */
import type { Service, Step, StepKind } from '../runbook/schema.ts';
import { parseDuration } from '../runbook/units.ts';
import type { Mode } from './executor.ts';

/** DEFAULT_TIMEOUT_MS is how long a step may run when the request does not say (10 s). */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** DEFAULT_OUTPUT_CAP is how many bytes of output a step keeps when the request does not say (64 KiB). */
export const DEFAULT_OUTPUT_CAP = 64 * 1024;

/** StepInput is a runbook step, with the id of the service it runs against when the runbook names one. */
export type StepInput = Step & { readonly service?: string };

/** ServiceEndpoints are the addresses of one runbook service, `${ENV}` references already filled in. */
export type ServiceEndpoints = Pick<Service, 'url' | 'postgres' | 'redis' | 'host'>;

/** StepRequest is one step made ready to run. */
export interface StepRequest {
  readonly step: StepInput;
  /** The runbook's services by id, secrets filled in. */
  readonly services: Readonly<Record<string, ServiceEndpoints>>;
  /** Variables `$VAR` references read, over the process environment; undefined removes one. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Values that must never leave the process (resolved secrets); masked wherever they appear. */
  readonly secrets: readonly string[];
  /** Longest the step may run, in milliseconds; DEFAULT_TIMEOUT_MS when absent. */
  readonly timeoutMs?: number;
  /** Bytes of output kept; DEFAULT_OUTPUT_CAP when absent. */
  readonly outputCap?: number;
  /** `incidents.diagnosis_shell`: shell and docker steps may run, pipelines through `/bin/sh -c`. */
  readonly allowShell: boolean;
  /** The wall clock stamped on `startedAt`; Date.now when absent. */
  readonly now?: () => number;
  /**
   * The step's parameters by name (TENANT_UUID, PID), validated by the caller. They reach the step as
   * values, never as code: SQL bind parameters, one argv element, one Redis argument, an encoded URL part.
   */
  readonly params?: Readonly<Record<string, string>>;
  /** `write` runs a step of any risk as written; the caller has passed its risk gate. `read` when absent. */
  readonly mode?: Mode;
  /** Show what would run (parameters filled in, blast radius measured) and change nothing. */
  readonly dryRun?: boolean;
  /**
   * Receives a shell or docker step's output while it runs, line by line, masked, up to the output
   * cap; the outcome still carries the whole (capped) output.
   */
  readonly onOutput?: (text: string) => void;
}

/**
 * StepStatus says how a step ended: `ok`; `failed` (it ran and failed, or could not reach its
 * target); `timeout` (cut at its limit); `refused` (Vigie would not run it: its risk, a command it
 * cannot keep read-only, a pipeline without the shell); `skipped` (nothing to run: prose for a person);
 * `dry-run` (asked not to run: the outcome shows what would have run and what it would touch).
 */
export type StepStatus = 'ok' | 'failed' | 'timeout' | 'refused' | 'skipped' | 'dry-run';

/** FAILED_STATUSES are the ways a step ends that stop a scenario or a maintenance run (unless it says `on_failure: continue`). */
export const FAILED_STATUSES: ReadonlySet<string> = new Set<StepStatus>(['failed', 'timeout', 'refused']);

/** stepTimeoutMs gives how long a step may run: its own `timeout`, else `fallbackMs`. */
export function stepTimeoutMs(step: Pick<Step, 'timeout'>, fallbackMs: number): number {
  return (step.timeout === undefined ? undefined : parseDuration(step.timeout)) ?? fallbackMs;
}

/** StepOutcome is one step's record for the incident timeline; every text in it is redacted. */
export interface StepOutcome {
  readonly status: StepStatus;
  /** The executor that ran it: the step's kind, or `sql` / `redis` for a `psql -c …` / `redis-cli …` shell line. */
  readonly kind: StepKind;
  /** What ran, as written (references such as `$DATABASE_URL` left unexpanded), one line or one SQL block. */
  readonly command: string;
  /** Where it ran: the URL, the database or Redis server (password masked); absent for local commands. */
  readonly target?: string;
  /** What it printed, the way a terminal shows it, redacted then capped. */
  readonly output: string;
  /** Output was cut (at the cap, or a result bigger than what an executor reads). */
  readonly truncated: boolean;
  /** A process's exit code (shell and docker steps). */
  readonly exitCode?: number;
  /** Why it failed or timed out. */
  readonly error?: string;
  /** Why it was refused or skipped. */
  readonly reason?: string;
  /** What was run differently from the text ("`| jq …` was not applied"). */
  readonly notes: readonly string[];
  /** Wall-clock milliseconds when it started. */
  readonly startedAt: number;
  readonly durationMs: number;
  /** SHA-256 (hex) of `output` as stored: redacted and capped, so anyone holding the record can check it. */
  readonly outputSha256: string;
}
