/**
 * Scenario matching: which runbook scenario a signal (a fired alert, a failed check, a log line)
 * belongs to, and why. Pure: patterns are compiled once, when the runbook loads.
 */

/** MatchSignal is what is known of the trouble when an incident opens. */
export interface MatchSignal {
  /** The runbook alert id that fired. */
  readonly alertId?: string;
  /** The alert's name (an external alert's `alertname`). */
  readonly name?: string;
  readonly checkId?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** A summary or a log line. */
  readonly text?: string;
  /** A scenario id the sender named explicitly. */
  readonly scenario?: string;
}

/** MatchableScenario is the part of a runbook scenario that matching reads. */
export interface MatchableScenario {
  readonly id: string;
  readonly title: string;
  readonly symptoms?: readonly string[];
  readonly match?: {
    readonly alerts?: readonly string[];
    readonly checks?: readonly string[];
    readonly labels?: Readonly<Record<string, string>>;
    /** Regular expression sources, matched case-insensitively against the signal's text. */
    readonly logs?: readonly string[];
  };
}

/** MatchRule names the rule that matched, most explicit first. */
export type MatchRule = 'named' | 'alert' | 'check' | 'labels' | 'logs' | 'symptom';

/** ScenarioMatch is the scenario a signal belongs to and a sentence saying why. */
export interface ScenarioMatch {
  readonly scenarioId: string;
  readonly rule: MatchRule;
  readonly reason: string;
}

/** MatcherError is a pattern that does not compile, at its path in the runbook. */
export interface MatcherError {
  readonly path: string;
  readonly message: string;
}

/** ScenarioMatcher matches signals against scenarios compiled once. */
export interface ScenarioMatcher {
  match(signal: MatchSignal): ScenarioMatch | undefined;
}

// Names this short ("db", "api") appear in too many symptom lines to say anything.
const MIN_MENTION_LENGTH = 4;
// A log pattern runs on text from outside; a bounded input keeps a careless pattern from stalling matching.
const MAX_TEXT_LENGTH = 10_000;

interface Compiled {
  readonly scenario: MatchableScenario;
  readonly alerts: ReadonlySet<string>;
  readonly checks: ReadonlySet<string>;
  readonly labels: readonly (readonly [string, string])[];
  readonly logs: readonly RegExp[];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function mentions(line: string, word: string): boolean {
  // Ids hold hyphens and dots, so "api-down" must not match inside "api-down-eu" nor "db" inside "db-x".
  return new RegExp(`(?<![\\w.-])${escapeRegExp(word)}(?![\\w-]|\\.\\w)`, 'i').test(line);
}

const lower = (items: readonly string[] | undefined) =>
  new Set((items ?? []).map((item) => item.toLowerCase()));

/** compileScenarioMatchers compiles every scenario's patterns once; bad patterns are skipped and reported. */
export function compileScenarioMatchers(scenarios: readonly MatchableScenario[]): {
  matcher: ScenarioMatcher;
  errors: MatcherError[];
} {
  const errors: MatcherError[] = [];
  const compiled: Compiled[] = scenarios.map((scenario, index) => {
    const logs: RegExp[] = [];
    for (const [at, source] of (scenario.match?.logs ?? []).entries()) {
      try {
        logs.push(new RegExp(source, 'i'));
      } catch (error) {
        errors.push({
          path: `scenarios[${index}].match.logs[${at}]`,
          message: `${(error as Error).message}; this pattern is skipped`,
        });
      }
    }
    return {
      scenario,
      alerts: lower(scenario.match?.alerts),
      checks: lower(scenario.match?.checks),
      labels: Object.entries(scenario.match?.labels ?? {}),
      logs,
    };
  });
  return { matcher: { match: (signal) => matchCompiled(signal, compiled) }, errors };
}

function matchCompiled(signal: MatchSignal, compiled: readonly Compiled[]): ScenarioMatch | undefined {
  const found = (entry: Compiled, rule: MatchRule, reason: string): ScenarioMatch => ({
    scenarioId: entry.scenario.id,
    rule,
    reason,
  });

  if (signal.scenario) {
    const named = signal.scenario.trim();
    const entry =
      compiled.find((c) => c.scenario.id === named) ??
      compiled.find((c) => c.scenario.id.toLowerCase() === named.toLowerCase());
    if (entry) return found(entry, 'named', 'named by the alert');
  }

  const alertNames = [signal.alertId, signal.name].filter((n): n is string => !!n);
  for (const name of alertNames) {
    const entry = compiled.find((c) => c.alerts.has(name.toLowerCase()));
    if (entry) return found(entry, 'alert', `match.alerts lists '${name}'`);
  }

  if (signal.checkId) {
    const check = signal.checkId;
    const entry = compiled.find((c) => c.checks.has(check.toLowerCase()));
    if (entry) return found(entry, 'check', `match.checks lists '${check}'`);
  }

  const labels = signal.labels;
  if (labels) {
    const entry = compiled.find(
      (c) => c.labels.length > 0 && c.labels.every(([key, value]) => labels[key] === value),
    );
    if (entry)
      return found(
        entry,
        'labels',
        `labels ${entry.labels.map(([k, v]) => `${k}=${v}`).join(', ')} all match`,
      );
  }

  if (signal.text) {
    const text = signal.text.slice(0, MAX_TEXT_LENGTH);
    for (const entry of compiled) {
      const pattern = entry.logs.find((regex) => regex.test(text));
      if (pattern) return found(entry, 'logs', `log pattern /${pattern.source}/ matches the text`);
    }
  }

  const words = [signal.alertId, signal.name, signal.checkId].filter(
    (w): w is string => w !== undefined && w.trim().length >= MIN_MENTION_LENGTH,
  );
  for (const entry of compiled) {
    for (const symptom of entry.scenario.symptoms ?? []) {
      const word = words.find((w) => mentions(symptom, w.trim()));
      if (word) return found(entry, 'symptom', `symptom '${symptom}' mentions '${word.trim()}'`);
    }
  }
  return undefined;
}

const cache = new WeakMap<readonly MatchableScenario[], ScenarioMatcher>();

/**
 * matchScenario finds the scenario a signal belongs to: named explicitly, then listed in
 * match.alerts, match.checks, all of match.labels, a match.logs pattern, and last a symptom
 * that mentions the alert or check; undefined when none does. Patterns are compiled once per
 * scenarios array, so give it the same (unchanged) array each time.
 */
export function matchScenario(
  signal: MatchSignal,
  scenarios: readonly MatchableScenario[],
): ScenarioMatch | undefined {
  let matcher = cache.get(scenarios);
  if (!matcher) {
    matcher = compileScenarioMatchers(scenarios).matcher;
    cache.set(scenarios, matcher);
  }
  return matcher.match(signal);
}
