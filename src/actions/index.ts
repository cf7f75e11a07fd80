/**
 * The executor registry, and the one place where a step becomes an outcome: the risk gate, the
 * shell gate, the deadline, masking, the output cap, timing and the hash. Executors see a step only
 * after these gates, and everything they report is redacted here before it leaves.
 */
import { createHash } from 'node:crypto';
import { describeError } from '../errors.ts';
import { parseShell } from '../runbook/import/shell.ts';
import type { StepKind } from '../runbook/schema.ts';
import { maskSecrets } from '../runbook/secrets.ts';
import { dockerExecutor } from './docker.ts';
import { type Execution, type Executor, failure, refusal } from './executor.ts';
import { httpExecutor } from './http.ts';
import { LiveOutput } from './live.ts';
import { manualExecutor } from './manual.ts';
import { redact } from './output.ts';
import { deletePipeline, redisExecutor } from './redis.ts';
import { endpointSecrets, passwordOf } from './services.ts';
import { type ProcessOptions, shellExecutor } from './shell.ts';
import { sqlExecutor } from './sql.ts';
import {
  DEFAULT_OUTPUT_CAP,
  DEFAULT_TIMEOUT_MS,
  type StepInput,
  type StepOutcome,
  type StepRequest,
  type StepStatus,
} from './step.ts';
import { referencedNames, variables } from './words.ts';

export type { Execution, ExecutionContext, Executor, Mode } from './executor.ts';
export type { ServiceEndpoints, StepInput, StepOutcome, StepRequest, StepStatus } from './step.ts';

/** SHELL_GATE_REASON is why a shell or docker step does not run when the runbook has not allowed it. */
export const SHELL_GATE_REASON = 'shell steps need incidents.diagnosis_shell: true in the runbook';

// An executor gets this long past its deadline to stop by itself before its outcome is written without it.
const STOP_GRACE_MS = 5000;
// Variables whose values are secrets when a step refers to them ($REDIS_PASSWORD, $GROQ_API_KEY).
const SECRET_NAME = /pass|pwd|secret|token|key|auth|credential|private/i;

/** Executors is one live executor of every kind, sharing pooled connections until closed. */
export interface Executors {
  readonly byKind: Readonly<Record<StepKind, Executor>>;
  /** runStep runs one step through the gates and its executor; it never throws. */
  runStep(request: StepRequest, signal: AbortSignal): Promise<StepOutcome>;
  /** close releases every pooled connection and agent. */
  close(): Promise<void>;
}

/** createExecutors builds the registry: one executor of each kind. */
export function createExecutors(options: ProcessOptions = {}): Executors {
  const byKind: Record<StepKind, Executor> = {
    http: httpExecutor(),
    sql: sqlExecutor(),
    redis: redisExecutor(),
    shell: shellExecutor(options),
    docker: dockerExecutor(options),
    manual: manualExecutor(),
  };
  return {
    byKind,
    runStep: (request, signal) => gateAndRun(byKind, request, signal),
    async close() {
      await Promise.allSettled(Object.values(byKind).map((executor) => executor.close?.()));
    },
  };
}

/** runStep runs one step with a registry of its own, closed after; `executors` shares an existing one. */
export async function runStep(
  request: StepRequest,
  signal: AbortSignal,
  executors?: Executors,
): Promise<StepOutcome> {
  const registry = executors ?? createExecutors();
  try {
    return await registry.runStep(request, signal);
  } finally {
    if (!executors) await registry.close();
  }
}

/** DiagnosisOptions tune runDiagnosis. */
export interface DiagnosisOptions {
  /** Steps running at once; 4 when absent. */
  readonly concurrency?: number;
  /** A registry to share; one is created and closed for the run when absent. */
  readonly executors?: Executors;
}

/**
 * runDiagnosis runs the steps of a scenario's diagnosis, a few at a time, and gives their outcomes in
 * step order. Every step gets the same services, environment, secrets and limits from `base`.
 */
export async function runDiagnosis(
  steps: readonly StepInput[],
  base: Omit<StepRequest, 'step'>,
  signal: AbortSignal,
  options: DiagnosisOptions = {},
): Promise<StepOutcome[]> {
  const registry = options.executors ?? createExecutors();
  const outcomes: StepOutcome[] = new Array(steps.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < steps.length) {
      const index = next++;
      outcomes[index] = await registry.runStep({ ...base, step: steps[index]! }, signal);
    }
  };
  const width = Math.max(1, Math.min(options.concurrency ?? 4, steps.length));
  try {
    await Promise.all(Array.from({ length: width }, worker));
  } finally {
    if (!options.executors) await registry.close();
  }
  return outcomes;
}

/**
 * executorKind gives the executor of a step: its kind, except that a shell or docker step that is
 * one `psql … -c` or one `redis-cli …` command (or `redis-cli --scan --pattern P | xargs redis-cli
 * del`) goes to the sql or redis executor, which hold it read-only without a shell.
 */
export function executorKind(step: Pick<StepInput, 'kind' | 'run'>): StepKind {
  if (step.kind !== 'shell' && step.kind !== 'docker') return step.kind;
  const text = step.run.trim();
  if (deletePipeline(text) !== undefined) return 'redis';
  const { commands, end } = parseShell(text, 0);
  if (commands.length !== 1 || text.slice(end).trim() !== '') return step.kind;
  const program = commands[0]!.words[0];
  if (program === 'psql') return 'sql';
  if (program === 'redis-cli') return 'redis';
  return step.kind;
}

async function gateAndRun(
  byKind: Readonly<Record<StepKind, Executor>>,
  request: StepRequest,
  signal: AbortSignal,
): Promise<StepOutcome> {
  const startedAt = (request.now ?? Date.now)();
  const start = performance.now();
  const { step } = request;
  const kind = executorKind(step);
  const written = step.run.trim();
  const secrets = secretsOf(request);
  const finish = (execution: Execution, status: StepStatus = execution.status): StepOutcome =>
    outcomeOf(execution, status, kind, request, [...secrets, ...(execution.secrets ?? [])], startedAt, start);

  const mode = request.mode ?? 'read';
  const dryRun = request.dryRun === true;
  if (mode === 'read' && step.risk !== 'read' && !dryRun) {
    return finish(
      refusal(
        written,
        `risk '${step.risk}': only read steps run automatically; ${step.risk} steps wait for the action gates of issue #6 (a responder's request, confirmation or approval)`,
      ),
    );
  }
  if ((kind === 'shell' || kind === 'docker') && !request.allowShell)
    return finish(refusal(written, SHELL_GATE_REASON));

  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
  if (deadline.aborted) return finish(failure(written, 'aborted before it started'));
  const outputCap = request.outputCap ?? DEFAULT_OUTPUT_CAP;
  const onOutput = request.onOutput;
  const live = onOutput
    ? new LiveOutput(onOutput, (text) => maskSecrets(text, secrets), outputCap)
    : undefined;
  const context = {
    // A dry run shows what the step would do when run for real, so it reads the step in the mode it would run in.
    mode: dryRun && step.risk !== 'read' ? 'write' : mode,
    dryRun,
    signal: deadline,
    timeoutMs,
    outputCap,
    ...(live ? { onOutput: (chunk: Buffer) => live.write(chunk) } : {}),
  };
  let execution: Execution;
  try {
    execution = await withBackstop(byKind[kind].run(request, context), deadline, written);
  } catch (error) {
    execution = failure(written, describeError(error));
  }
  live?.end();
  const timedOut =
    execution.timedOut === true ||
    (execution.status === 'failed' &&
      deadline.aborted &&
      (deadline.reason as Error | undefined)?.name === 'TimeoutError');
  return finish(execution, timedOut ? 'timeout' : execution.status);
}

/** withBackstop settles with `work`, or with a failure when `work` is still running STOP_GRACE_MS after the deadline. */
function withBackstop(work: Promise<Execution>, deadline: AbortSignal, command: string): Promise<Execution> {
  let timer: NodeJS.Timeout | undefined;
  let arm = (): void => {};
  const late = new Promise<Execution>((resolve) => {
    arm = () => {
      timer = setTimeout(
        () => resolve(failure(command, 'the executor did not stop at the deadline')),
        STOP_GRACE_MS,
      );
    };
    if (deadline.aborted) arm();
    else deadline.addEventListener('abort', arm, { once: true });
  });
  return Promise.race([work, late]).finally(() => {
    // The deadline still fires after a step that ended in time: it must not arm a timer then.
    deadline.removeEventListener('abort', arm);
    clearTimeout(timer);
  });
}

/** secretsOf lists what must be masked for a request: its secrets, the passwords of its services, and the secret variables its step refers to. */
function secretsOf(request: StepRequest): string[] {
  const own = request.step.env ?? {};
  const vars = variables({ ...request.env, ...own });
  const found = [...request.secrets, ...endpointSecrets(request.services)];
  // A step's own variables reach its process, which may print them (`env`): secret ones are masked
  // whether its text names them or not.
  for (const name of new Set([...referencedNames(request.step.run), ...Object.keys(own)])) {
    const value = vars[name];
    if (!value) continue;
    if (SECRET_NAME.test(name)) found.push(value);
    const password = passwordOf(value);
    if (password) found.push(password);
  }
  return found;
}

function outcomeOf(
  execution: Execution,
  status: StepStatus,
  kind: StepKind,
  request: StepRequest,
  secrets: readonly string[],
  startedAt: number,
  start: number,
): StepOutcome {
  const mask = (text: string): string => maskSecrets(text, secrets);
  const cap = request.outputCap ?? DEFAULT_OUTPUT_CAP;
  const keep = kind === 'shell' || kind === 'docker' ? 'head-and-tail' : 'head';
  const { text: output, truncated } = redact(execution.output ?? [], secrets, cap, keep);
  return {
    status,
    kind,
    command: mask(execution.command),
    ...(execution.target === undefined ? {} : { target: mask(execution.target) }),
    output,
    truncated: truncated || execution.truncated === true,
    ...(execution.exitCode === undefined ? {} : { exitCode: execution.exitCode }),
    ...(execution.error === undefined ? {} : { error: mask(execution.error) }),
    ...(execution.reason === undefined ? {} : { reason: mask(execution.reason) }),
    notes: (execution.notes ?? []).map(mask),
    startedAt,
    durationMs: Math.round((performance.now() - start) * 10) / 10,
    outputSha256: createHash('sha256').update(output, 'utf8').digest('hex'),
  };
}
