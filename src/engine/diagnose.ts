/**
 * Automatic diagnosis: when an incident opens, its scenario's read-only steps run at once through the
 * typed executors of `actions/`, and each outcome becomes a timeline entry, already redacted. Nothing
 * that is not `read` runs here; shell steps only when the runbook says `incidents.diagnosis_shell`.
 */
import { runDiagnosis } from '../actions/index.ts';
import type { StepOutcome } from '../actions/step.ts';
import type { IncidentSettings, RunbookConfig } from '../runbook/schema.ts';
import { parseDuration } from '../runbook/units.ts';
import type { Diagnose, DiagnosisEntry } from './pipeline.ts';

/** entryOf turns a step outcome into the timeline's wording and data. */
export function entryOf(outcome: StepOutcome): DiagnosisEntry {
  const why = outcome.error ?? outcome.reason;
  return {
    text: `${outcome.status}: ${outcome.command.split('\n')[0]}${why ? ` (${why})` : ''}`,
    data: { ...outcome },
  };
}

/** createDiagnose gives the pipeline's diagnosis function for a resolved runbook. */
export function createDiagnose(options: {
  readonly runbook: RunbookConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly secrets: readonly string[];
  readonly settings: IncidentSettings;
}): Diagnose {
  const services = options.runbook.services ?? {};
  const timeoutMs = parseDuration(options.settings.diagnosis_timeout ?? '') ?? 10_000;
  return async (_incident, scenario, signal) => {
    const steps = (scenario.diagnosis ?? []).filter((step) => step.risk === 'read');
    const outcomes = await runDiagnosis(
      steps,
      {
        services,
        env: options.env,
        secrets: options.secrets,
        timeoutMs,
        allowShell: options.settings.diagnosis_shell ?? false,
      },
      signal,
    );
    return outcomes.map(entryOf);
  };
}
