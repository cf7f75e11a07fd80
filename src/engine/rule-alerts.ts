/**
 * The runbook's alert rules at run time: each alert keeps a short history of its check's runs and the
 * state of its state machine; every run of the check (and a tick, for rules that time itself can make
 * true: `no data`, `for 2m`, windows) is judged, and a transition to firing or resolved goes to the
 * pipeline. State is stored with the alert at each transition, and histories are refilled from the
 * observation store at start, so a restart resumes where it stopped.
 */

import {
  type AlertState,
  evaluateRule,
  initialAlertState,
  nextAlertState,
  parseRecovery,
  parseRule,
  type Recovery,
  type Rule,
  RuleHistory,
  type RuleObservation,
} from '../rules/index.ts';
import type { LoadError } from '../runbook/load.ts';
import type { Alert, RunbookConfig } from '../runbook/schema.ts';
import type { IncidentStore } from '../store/incidents.ts';
import type { ObservationStore } from '../store/store.ts';
import type { Pipeline } from './pipeline.ts';
import type { CheckResult } from './run.ts';
import type { Clock } from './scheduler.ts';

/** TICK_MS is how often rules that time can make true are judged without a new run. */
export const TICK_MS = 5000;

interface CompiledAlert {
  readonly alert: Alert;
  readonly checkId: string;
  readonly rule: Rule;
  readonly recovery?: Recovery;
}

interface Entry extends CompiledAlert {
  readonly history: RuleHistory;
  state: AlertState;
  readonly timed: boolean;
}

/** RunningRules is the rule evaluation of a started Vigie. */
export interface RunningRules {
  /** restore refills every history from the store and reloads each alert's state. */
  restore(observations: ObservationStore, now: number): Promise<void>;
  /** observe judges the alerts of a check on its newest run. */
  observe(checkId: string, result: CheckResult): void;
  stop(): void;
}

/** RuleAlerts compiles a runbook's alert rules once, at start. */
export class RuleAlerts {
  readonly errors: readonly LoadError[];
  private readonly compiled: readonly CompiledAlert[];

  private constructor(compiled: readonly CompiledAlert[], errors: readonly LoadError[]) {
    this.compiled = compiled;
    this.errors = errors;
  }

  /** compile parses every alert's `when` and `resolve`; errors name the alert and the column. */
  static compile(runbook: RunbookConfig): RuleAlerts {
    const errors: LoadError[] = [];
    const compiled: CompiledAlert[] = [];
    (runbook.alerts ?? []).forEach((alert, index) => {
      // An alert without a check is matched by name against alerts from other systems.
      if (alert.check === undefined) return;
      const rule = parseRule(alert.when);
      if (!rule.ok) {
        errors.push({
          path: `alerts[${index}].when`,
          column: rule.error.column,
          message: `${rule.error.message} in "${alert.when}"; ${rule.error.fix}`,
        });
        return;
      }
      let recovery: Recovery | undefined;
      if (alert.resolve !== undefined) {
        const parsed = parseRecovery(alert.resolve);
        if (!parsed.ok) {
          errors.push({
            path: `alerts[${index}].resolve`,
            column: parsed.error.column,
            message: `${parsed.error.message} in "${alert.resolve}"; ${parsed.error.fix}`,
          });
          return;
        }
        recovery = parsed.recovery;
      }
      compiled.push({ alert, checkId: alert.check, rule: rule.rule, ...(recovery ? { recovery } : {}) });
    });
    return new RuleAlerts(compiled, errors);
  }

  /** start keeps a history and a state per alert and reports transitions to the pipeline. */
  start(pipeline: Pipeline, store: IncidentStore, clock: Clock): RunningRules {
    const started = clock.now();
    const byCheck = new Map<string, Entry[]>();
    const entries: Entry[] = this.compiled.map((compiled) => {
      const stored = store.alert(`rule:${compiled.alert.id}`)?.state as AlertState | undefined;
      const entry: Entry = {
        ...compiled,
        history: new RuleHistory(compiled.rule),
        state: stored ?? initialAlertState(started),
        timed: compiled.rule.kind !== 'fails' && compiled.rule.kind !== 'condition',
      };
      const list = byCheck.get(compiled.checkId) ?? [];
      list.push(entry);
      byCheck.set(compiled.checkId, list);
      return entry;
    });
    const judge = (entry: Entry, now: number): void => {
      const verdict = evaluateRule(entry.rule, entry.history.observations(), now, { started });
      const step = nextAlertState(
        entry.state,
        verdict,
        now,
        entry.recovery ? { recovery: entry.recovery } : {},
      );
      entry.state = step.state;
      if (step.transition === 'firing') {
        pipeline.ruleFired({
          alertId: entry.alert.id,
          checkId: entry.checkId,
          summary: verdict.explanation,
          state: step.state,
          startedAt: now,
        });
      } else if (step.transition === 'resolved') {
        pipeline.ruleCleared(entry.alert.id, entry.checkId, step.state);
      }
    };
    let timer: unknown;
    let stopped = false;
    const tick = (): void => {
      if (stopped) return;
      const now = clock.now();
      for (const entry of entries) {
        if (!entry.timed) continue;
        entry.history.prune(now);
        judge(entry, now);
      }
      timer = clock.setTimeout(tick, TICK_MS);
    };
    timer = clock.setTimeout(tick, TICK_MS);
    return {
      async restore(observations, now) {
        for (const entry of entries) {
          // The window's runs, and the newest `depth` runs however old (`fails 3 times`).
          const from = Math.max(0, now - entry.history.window);
          const windowRows = await observations.range(entry.checkId, from, now + 1, entry.history.limit);
          const newest = await observations.range(entry.checkId, 0, now + 1, entry.history.depth);
          for (const row of [...newest, ...windowRows]) entry.history.add(row satisfies RuleObservation, now);
        }
      },
      observe(checkId, result) {
        const list = byCheck.get(checkId);
        if (!list) return;
        const observation: RuleObservation = {
          at: result.at,
          ok: result.ok,
          latency: result.observation.latency,
          values: result.observation.values,
        };
        const now = clock.now();
        for (const entry of list) {
          entry.history.add(observation, now);
          judge(entry, now);
        }
      },
      stop() {
        stopped = true;
        clock.clearTimeout(timer);
      },
    };
  }
}
