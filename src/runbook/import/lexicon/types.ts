/**
 * A lexicon is the table of words through which the importer reads one human language. Adding a
 * language means adding one such table (see `fr.ts`), never new code. Words are written normalised:
 * lower case, without accents; they match whole words of a normalised heading or label.
 */

/** SectionRole names what a heading or a bold label introduces. */
export type SectionRole =
  | 'scenarios'
  | 'symptoms'
  | 'causes'
  | 'diagnosis'
  | 'actions'
  | 'resolution_time'
  | 'priority'
  | 'restore_backup'
  | 'prevention'
  | 'maintenance'
  | 'checklists'
  | 'severities'
  | 'alerts'
  | 'slos'
  | 'escalation'
  | 'contacts'
  | 'procedures'
  | 'security'
  | 'deploy'
  | 'reference'
  | 'frequency'
  | 'window'
  | 'objective'
  | 'expected';

/** ColumnRole names what a table column holds. */
export type ColumnRole =
  | 'scenario'
  | 'name'
  | 'condition'
  | 'severity'
  | 'response_time'
  | 'description'
  | 'target'
  | 'critical'
  | 'contact'
  | 'role'
  | 'time'
  | 'action'
  | 'url';

/** Frequency is a schedule named in words ("quotidien", "weekly"). */
export type Frequency = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'quarterly' | 'yearly';

/** ChecklistKind is a checklist Vigie knows how to attach to a deploy or an incident. */
export type ChecklistKind = 'pre-deploy' | 'post-deploy' | 'post-incident';

/** Lexicon is one language's words for the importer. */
export interface Lexicon {
  /** Language tag, for messages. */
  readonly lang: string;
  /** Words that, found in a heading or label, give it a role. Earlier roles win on ties. */
  readonly roles: Readonly<Partial<Record<SectionRole, readonly string[]>>>;
  /** Words that, opening a heading, make it an incident scenario ("incident 3: …"). */
  readonly scenarioTitle: readonly string[];
  /** Words that open a condition ("si deploy en cours", "if database issues"). */
  readonly conditionPrefixes: readonly string[];
  /** Day names to cron day-of-week numbers (0 = Sunday). */
  readonly weekdays: Readonly<Record<string, number>>;
  /** Words naming a frequency. */
  readonly frequencies: Readonly<Record<string, Frequency>>;
  /** Words that answer yes, no or maybe ("restore a backup?"). */
  readonly answers: Readonly<Record<'yes' | 'no' | 'maybe', readonly string[]>>;
  /** Words naming each known checklist. */
  readonly checklists: Readonly<Record<ChecklistKind, readonly string[]>>;
  /** Words naming each severity, worst first ("critical", "critique"). */
  readonly severities: Readonly<Record<'SEV1' | 'SEV2' | 'SEV3' | 'SEV4', readonly string[]>>;
  /** Words that name a table column's role in a header row. */
  readonly columns: Readonly<Partial<Record<ColumnRole, readonly string[]>>>;
  /** Words meaning "at once" where a duration is expected ("immédiat"). */
  readonly instant: readonly string[];
  /** Words naming time units, mapped to the unit the duration parser knows (s, m, h, d, w). */
  readonly timeUnits: Readonly<Record<string, 's' | 'm' | 'h' | 'd' | 'w'>>;
}
