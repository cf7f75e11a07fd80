/**
 * From a resolved runbook to runnable checks: durations become milliseconds, `${services.x.y}`
 * references are already filled, conditions are parsed once, and every problem of every check is
 * reported at once with its path and column.
 */
import { type Condition, parseCondition } from '../conditions/index.ts';
import type { ProbeTarget } from '../probes/probe.ts';
import type { LoadError } from '../runbook/load.ts';
import { formatPath } from '../runbook/paths.ts';
import type { ProbeKind, RunbookConfig } from '../runbook/schema.ts';
import { parseDuration } from '../runbook/units.ts';

/** DEFAULT_INTERVAL is how often a check runs when its `every` is absent. */
export const DEFAULT_INTERVAL = 30_000;
/** DEFAULT_TIMEOUT is the longest a run may take when the check sets no `timeout`. */
export const DEFAULT_TIMEOUT = 10_000;

/** CompiledCondition is one `expect:` entry, parsed, with its text for reports. */
export interface CompiledCondition {
  readonly text: string;
  readonly condition: Condition;
}

/** RunnableCheck is a check ready for the scheduler and the probes. */
export interface RunnableCheck {
  readonly id: string;
  readonly name: string;
  readonly probe: ProbeKind;
  /** Milliseconds between two runs. */
  readonly interval: number;
  readonly target: ProbeTarget;
  readonly conditions: readonly CompiledCondition[];
}

/** Compiled is every runnable check of a runbook, or the errors that stop some of them. */
export interface Compiled {
  readonly checks: RunnableCheck[];
  readonly errors: LoadError[];
}

/** compileChecks turns a runbook whose references are resolved into runnable checks. */
export function compileChecks(runbook: RunbookConfig): Compiled {
  const errors: LoadError[] = [];
  const checks: RunnableCheck[] = [];
  const services = runbook.services ?? {};
  // Thousands of checks usually share a handful of conditions: each distinct text is parsed once.
  const parsedTexts = new Map<string, ReturnType<typeof parseCondition>>();
  for (const [index, check] of (runbook.checks ?? []).entries()) {
    const path = ['checks', index] as const;
    const conditions: CompiledCondition[] = [];
    for (const [at, text] of (check.expect ?? []).entries()) {
      let parsed = parsedTexts.get(text);
      if (!parsed) {
        parsed = parseCondition(text);
        parsedTexts.set(text, parsed);
      }
      if (parsed.ok) conditions.push({ text, condition: parsed.condition });
      else {
        errors.push({
          path: formatPath([...path, 'expect', at]),
          column: parsed.error.column,
          message: `${parsed.error.message} in "${text}"`,
        });
      }
    }
    const service = check.service ? services[check.service] : undefined;
    if (check.service && !service) {
      errors.push({
        path: formatPath([...path, 'service']),
        message: `no service '${check.service}' is declared under services`,
      });
    }
    const connection = service?.redis ?? service?.postgres ?? service?.url ?? service?.host;
    checks.push({
      id: check.id,
      name: check.name ?? check.id,
      probe: check.probe,
      interval: check.every ? parseDuration(check.every)! : DEFAULT_INTERVAL,
      target: {
        target: check.target,
        timeout: check.timeout ? parseDuration(check.timeout)! : DEFAULT_TIMEOUT,
        ...(connection ? { connection } : {}),
        ...(check.method ? { method: check.method } : {}),
        ...(check.headers ? { headers: check.headers } : {}),
        ...(check.body !== undefined ? { body: check.body } : {}),
        ...(check.follow_redirects !== undefined ? { followRedirects: check.follow_redirects } : {}),
        ...(check.verify_tls !== undefined ? { verifyTls: check.verify_tls } : {}),
        ...(check.query ? { query: check.query } : {}),
        ...(check.command ? { command: check.command } : {}),
        ...(check.key ? { key: check.key } : {}),
        ...(check.queue ? { queue: check.queue } : {}),
        ...(check.record ? { record: check.record } : {}),
      },
      conditions,
    });
  }
  return { checks, errors };
}
