/**
 * The executor contract. An executor runs one kind of step and reports what happened in raw form;
 * `index.ts` owns everything common to every kind: the risk gate, the deadline, masking, the output
 * cap, timing and the hash. One file per kind implements it.
 */

import type { Piece } from '../exec/capture.ts';
import type { StepKind } from '../runbook/schema.ts';
import type { StepRequest } from './step.ts';

/**
 * Mode is how much a run may change. In `read` mode an executor keeps the step from changing
 * anything it can see into (a read-only transaction, an allowlist of Redis commands, GET and HEAD
 * only). In `write` mode the step runs as written (SQL in one committed transaction, any Redis
 * command, any method): the caller has passed the step's risk gate before asking for it.
 */
export type Mode = 'read' | 'write';

/** ExecutionContext is what the registry gives an executor for one run. */
export interface ExecutionContext {
  readonly mode: Mode;
  /** Show what would run, with its blast radius where an executor can measure it, and change nothing. */
  readonly dryRun: boolean;
  /** Aborts at the step's deadline or when the caller gives up; an executor stops promptly then. */
  readonly signal: AbortSignal;
  /** The step's time limit in milliseconds, for limits an executor sets on the far side (statement_timeout). */
  readonly timeoutMs: number;
  /** Bytes of output to keep; an executor reads a little more than this, never unbounded. */
  readonly outputCap: number;
  /** Receives a process's output as it is printed (the registry masks it before it goes further). */
  readonly onOutput?: (chunk: Buffer) => void;
}

/** Execution is what an executor saw, unmasked and uncapped by the registry yet; it never holds a thrown error. */
export interface Execution {
  readonly status: 'ok' | 'failed' | 'refused' | 'skipped' | 'dry-run';
  /** What ran, as written (see StepOutcome.command). */
  readonly command: string;
  /** Where it ran (a URL, a DSN), unmasked. */
  readonly target?: string;
  /** The output as captured: text, with cuts where bytes were dropped. */
  readonly output?: readonly Piece[];
  /** The executor left part of the answer unread (rows past its limit) without a cut in `output`. */
  readonly truncated?: boolean;
  readonly exitCode?: number;
  readonly error?: string;
  readonly reason?: string;
  readonly notes?: readonly string[];
  /** The far side stopped the run at the time limit (PostgreSQL's statement_timeout). */
  readonly timedOut?: boolean;
  /** Values met while running that must be masked too (a password given with `-a`, `-u user:pass`). */
  readonly secrets?: readonly string[];
}

/** Executor runs one kind of step. `run` never throws: failures come back as an Execution. */
export interface Executor {
  readonly kind: StepKind;
  /** run executes `request.step` once, in `context.mode`, and stops when `context.signal` aborts. */
  run(request: StepRequest, context: ExecutionContext): Promise<Execution>;
  /** close releases pooled connections; executors without any may omit it. */
  close?(): Promise<void>;
}

/** Unreadable is a step's text that an executor will not run (`refused`) or cannot run (`failed`), with the command shown for it. */
export type Unreadable =
  | { readonly command: string; readonly refused: string }
  | { readonly command: string; readonly failed: string };

/** refusal is the Execution of a step the executor will not run, saying why. */
export function refusal(command: string, reason: string, extra: Partial<Execution> = {}): Execution {
  return { status: 'refused', command, reason, ...extra };
}

/** failure is the Execution of a step that could not run or failed, with what it printed so far. */
export function failure(command: string, error: string, extra: Partial<Execution> = {}): Execution {
  return { status: 'failed', command, error, ...extra };
}
