/**
 * Quiet times: silences, maintenance windows and inhibition by dependencies. An alert in a quiet
 * time is recorded as usual but pages nobody; `quietReason` says which rule keeps it quiet.
 */
import { maskSecrets } from '../runbook/secrets.ts';
import { type DependencyGraph, inhibitedBy } from './inhibit.ts';
import type { Labels } from './matchers.ts';
import { activeSilences, type Silence } from './silence.ts';
import { activeWindows, type MaintenanceWindow } from './window.ts';

export { type CheckDependencies, type DependencyGraph, dependenciesOf, inhibitedBy } from './inhibit.ts';
export {
  formatMatcher,
  formatMatcherError,
  type IndexedMatcherError,
  type Labels,
  type Matcher,
  type MatcherError,
  type MatchOperator,
  matches,
  matchesOne,
  parseMatcher,
  parseMatchers,
} from './matchers.ts';
export {
  activeSilences,
  type QuietProblem,
  type Silence,
  type SilenceInput,
  type SilenceState,
  silenceState,
  validateSilence,
} from './silence.ts';
export {
  activeWindow,
  activeWindows,
  covers,
  isRecurring,
  MAX_OCCURRENCES,
  type MaintenanceTaskLike,
  type MaintenanceWindow,
  type Occurrence,
  type OneOffWindow,
  type RecurringWindow,
  type Span,
  upcoming,
  validateMaintenance,
  validateWindow,
  windowsFromMaintenance,
} from './window.ts';

/** QuietKind names the rule that keeps an alert quiet. */
export type QuietKind = 'silence' | 'maintenance' | 'inhibited';

/** QuietReason is why an alert pages nobody: the rule, the id of the silence, window or failing check, and a sentence. */
export interface QuietReason {
  readonly kind: QuietKind;
  readonly id: string;
  readonly detail: string;
}

/** QuietAlert is the alert being considered: its labels (`alert`, `check`, `service`, `severity`…) and its check. */
export interface QuietAlert {
  readonly labels: Labels;
  /** The alert's check; the `check` label when absent. */
  readonly checkId?: string;
  readonly now: number;
}

/** QuietRules are the quiet times in force: stored silences and windows, failing checks, the dependency graph. */
export interface QuietRules {
  readonly silences: readonly Silence[];
  readonly windows: readonly MaintenanceWindow[];
  readonly firingChecks: ReadonlySet<string>;
  readonly graph: DependencyGraph;
}

/**
 * quietReason gives the first reason an alert must page nobody, or undefined when it pages as usual.
 * A silence comes first (a person decided), then a maintenance window (planned work), then
 * inhibition (derived from another check's failure); within a kind, the first in the given order.
 */
export function quietReason(alert: QuietAlert, rules: QuietRules): QuietReason | undefined {
  const { labels, now } = alert;
  const silence = activeSilences(rules.silences, labels, now)[0];
  if (silence !== undefined) {
    const comment = maskSecrets(silence.comment);
    return {
      kind: 'silence',
      id: silence.id,
      detail: `silenced by ${silence.createdBy} until ${iso(Math.min(silence.endsAt, silence.expiredAt ?? Infinity))}: ${comment}`,
    };
  }
  const open = activeWindows(rules.windows, labels, now)[0];
  if (open !== undefined) {
    return {
      kind: 'maintenance',
      id: open.window.id,
      detail: `maintenance '${maskSecrets(open.window.title)}' from ${iso(open.start)} until ${iso(open.end)}`,
    };
  }
  const checkId = alert.checkId ?? labels.check;
  const cause = checkId === undefined ? undefined : inhibitedBy(checkId, rules.firingChecks, rules.graph);
  if (cause !== undefined) {
    return {
      kind: 'inhibited',
      id: cause,
      detail: `check '${checkId}' depends on '${cause}', which is failing`,
    };
  }
  return undefined;
}

const iso = (ms: number): string => new Date(ms).toISOString();
