/**
 * `vigie check`: every check of a runbook run once, now, with what failed explained. References are
 * resolved from the environment first; a check that still lacks a variable is reported, not run.
 */
import { createProbes } from '../probes/index.ts';
import { failure } from '../probes/probe.ts';
import { type LoadError, resolveRunbook } from '../runbook/load.ts';
import type { RunbookConfig } from '../runbook/schema.ts';
import { compileChecks } from './compile.ts';
import { type CheckResult, runAll } from './run.ts';

/** CheckOnce is the outcome of running every check once. */
export interface CheckOnce {
  /** Problems that stop checks from being built (a bad condition); nothing ran when there are any. */
  readonly errors: LoadError[];
  readonly results: CheckResult[];
  /** Values from the environment that must be masked in anything shown. */
  readonly secrets: readonly string[];
}

/** checkOnce resolves, compiles and runs every check of a runbook once. */
export async function checkOnce(
  runbook: RunbookConfig,
  env: Readonly<Record<string, string | undefined>>,
  options: { concurrency?: number; only?: readonly string[] } = {},
): Promise<CheckOnce> {
  const resolved = resolveRunbook(runbook, env);
  const compiled = compileChecks(resolved.runbook);
  if (compiled.errors.length > 0) return { errors: compiled.errors, results: [], secrets: resolved.secrets };
  const wanted = options.only
    ? compiled.checks.filter((check) => options.only!.includes(check.id))
    : compiled.checks;
  // A check whose target still holds `${…}` misses a variable: say which instead of probing nonsense.
  const unresolved = new Map<string, string>();
  for (const [index, check] of wanted.entries()) {
    if (!JSON.stringify(check.target).includes('${')) continue;
    const original = runbook.checks?.find((c) => c.id === check.id);
    const services = [...JSON.stringify(original ?? {}).matchAll(/\$\{services\.([\w-]+)\./g)].map(
      (m) => m[1],
    );
    if (original?.service) services.push(original.service);
    const reason = resolved.errors.find(
      (error) =>
        error.path.startsWith(`checks[${index}]`) ||
        services.some((service) => error.path.startsWith(`services.${service}.`)),
    );
    unresolved.set(check.id, reason?.message ?? 'an ${…} reference is not resolved');
  }
  const probes = createProbes();
  try {
    const runnable = wanted.filter((check) => !unresolved.has(check.id));
    const ran = await runAll(runnable, (check) => probes.byKind[check.probe], options.concurrency ?? 16);
    const byId = new Map(ran.map((result) => [result.id, result]));
    const results = wanted.map((check): CheckResult => {
      const result = byId.get(check.id);
      if (result) return result;
      const reason = `not run: ${unresolved.get(check.id)}`;
      return {
        id: check.id,
        at: Date.now(),
        ok: false,
        observation: failure(performance.now(), reason),
        failures: [reason],
        timedOut: false,
      };
    });
    return { errors: [], results, secrets: resolved.secrets };
  } finally {
    await probes.close();
  }
}
