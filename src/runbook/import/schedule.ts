/**
 * Reads a schedule written in prose ("Quotidien 02:00 UTC", "weekly on Monday at 09:00",
 * "Mensuel; Samedi 02:00-04:00 UTC") or as a literal cron line, and writes it as a 5-field cron
 * expression in croner's dialect. Every word comes from the lexicons, so a new language is a new
 * table and no code; digits, clock times, am/pm and zone names are notation, read by regex.
 */
import { formatDuration } from '../units.ts';
import { type Frequency, LEXICONS, type Lexicon, normalise } from './lexicon/index.ts';

/** ParsedSchedule is a schedule as cron, with the window length and zone when the text gave them. */
export interface ParsedSchedule {
  /** minute hour day-of-month month day-of-week; day-of-week may use croner's `d#n` (nth such day of the month). */
  cron: string;
  /** 'UTC' when UTC or GMT is written, or an IANA zone name ('Europe/Paris'); absent means the runner's zone. */
  timezone?: string;
  /** Length of the window when a range such as 02:00-04:00 is given ('2h', '1h30m'). */
  duration?: string;
  /** The frequency named in words, or implied: a weekday alone is weekly, a time alone daily. */
  frequency?: Frequency;
}

/**
 * Per frequency: day-of-month, month, and day-of-week when no day is named. Weekly defaults to
 * Sunday, as cron's own `@weekly` does. A day named with a monthly or longer frequency means its
 * first occurrence in the period (`6#1`): cron ORs day-of-month with day-of-week, so `1-7 * 6`
 * would fire on every day of the first week and on every Saturday.
 */
const CALENDAR: Record<Frequency, readonly [dom: string, month: string, dow: string]> = {
  hourly: ['*', '*', '*'],
  daily: ['*', '*', '*'],
  weekly: ['*', '*', '0'],
  monthly: ['1', '*', '*'],
  quarterly: ['1', '*/3', '*'],
  yearly: ['1', '1', '*'],
};

/** Cron field bounds, minute to day-of-week (7 is Sunday too). */
const CRON_RANGES = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
] as const;

/** Upper bound of the step in "every N <unit>", per unit that a single cron field can carry. */
const STEP_LIMITS: Partial<Record<string, number>> = { m: 59, h: 23, d: 31 };

/** Letters and digits on either side mean a phrase is part of a longer word. */
const EDGE_BEFORE = '(?<![\\p{L}\\p{N}])';
const EDGE_AFTER = '(?![\\p{L}\\p{N}])';

/**
 * Clock times: 14:30, 3am, 10:30 pm, 02h00, 2h30, 2h. Groups: hour, minute after a colon, the `h`,
 * minute after the `h`, am/pm.
 */
const TIME =
  /(?<![\p{L}\p{N}:.])(\d{1,2})(?::(\d{2})(?::\d{2})?|(h)(\d{2})?)?(?:\s*(am|pm))?(?![\p{L}\p{N}:])/gu;

const UTC = new RegExp(`${EDGE_BEFORE}(?:utc|gmt)(?![\\p{L}\\p{N}]|[+-]\\d)`, 'u');
const ZONE_NAME = /\b[A-Z][A-Za-z_]+(?:\/[A-Z][A-Za-z_+-]+)+/g;
const DASH = /^\s*-\s*$/;

interface Phrases<T> {
  readonly pattern: RegExp;
  readonly values: ReadonlyMap<string, T>;
}

interface Tables {
  readonly frequencies: Phrases<Frequency>;
  readonly weekdays: Phrases<number>;
  /** "every N <unit>"; group 1 is N, group 2 the unit word. */
  readonly interval: RegExp;
  readonly units: ReadonlyMap<string, string>;
}

interface ClockTime {
  readonly minutes: number;
  readonly index: number;
  readonly end: number;
  /** 2h, 02h00 and 2h30 are durations as often as times, so alone they are no schedule. */
  readonly weak: boolean;
}

const tablesCache = new WeakMap<readonly Lexicon[], Tables>();

/** parseSchedule reads a prose or cron schedule as cron; undefined when the text holds none, or one cron cannot express. */
export function parseSchedule(
  text: string,
  lexicons: readonly Lexicon[] = LEXICONS,
): ParsedSchedule | undefined {
  const source = normalise(text);
  const tables = tablesFor(lexicons);
  const timezone = findTimezone(text, source);

  const literal = findCron(source);
  if (literal) return schedule(literal, { timezone });

  const interval = tables.interval.exec(source);
  const frequency = matches(tables.frequencies, source)[0]?.value;
  const weekdays = findWeekdays(tables.weekdays, source);
  const named = frequency !== undefined || weekdays.length > 0 || timezone !== undefined;
  const times = findTimes(source).filter((time) => !time.weak || named);
  const start = times[0];
  const end = times[1];

  if (interval) {
    const cron = intervalCron(Number(interval[1]), tables.units.get(collapse(interval[2]!)), start);
    return cron === undefined ? undefined : schedule(cron, { timezone });
  }
  if (frequency === undefined && weekdays.length === 0 && start === undefined) return undefined;

  const every = frequency ?? (weekdays.length > 0 ? 'weekly' : 'daily');
  const [dom, month, dow] = CALENDAR[every];
  const minute = start ? start.minutes % 60 : 0;
  const hour = every === 'hourly' ? '*' : String(start ? Math.floor(start.minutes / 60) : 0);
  const firstOnly = dom !== '*';
  const days = firstOnly ? weekdays.map((day) => `${day}#1`) : weekdays.map(String);
  const cron = `${minute} ${hour} ${days.length > 0 ? '*' : dom} ${month} ${days.length > 0 ? days.join(',') : dow}`;

  const ranged = start && end && DASH.test(source.slice(start.end, end.index));
  const length = ranged ? (end.minutes - start.minutes + 1440) % 1440 : 0;
  return schedule(cron, {
    timezone,
    duration: length > 0 ? formatDuration(length * 60_000) : undefined,
    frequency: every,
  });
}

/** isCron tells whether an expression is five numeric cron fields within bounds (`*`, lists, ranges, steps, `d#n`). */
export function isCron(expression: string): boolean {
  const fields = expression.trim().split(/\s+/);
  return fields.length === 5 && fields.every((field, index) => isCronField(field, index));
}

function isCronField(field: string, index: number): boolean {
  const [low, high] = CRON_RANGES[index]!;
  const within = (value: string | undefined) => value === undefined || (+value >= low && +value <= high);
  return field.split(',').every((part) => {
    const nth = index === 4 ? /^(\d+)#([1-5])$/.exec(part) : null;
    if (nth) return within(nth[1]);
    const match = /^(?:\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!match) return false;
    const [, from, to, step] = match;
    return (
      within(from) && within(to) && (to === undefined || +to >= +from!) && (step === undefined || +step >= 1)
    );
  });
}

/**
 * Five bare numbers in prose are more often ports or counts than a cron line, so inside longer text
 * a cron must have a `*` somewhere; a text that is exactly five fields needs none.
 */
function findCron(source: string): string | undefined {
  const words = source.trim().split(/\s+/);
  for (let at = 0; at + 5 <= words.length; at++) {
    const fields = words.slice(at, at + 5).join(' ');
    if (isCron(fields) && (words.length === 5 || fields.includes('*'))) return fields;
  }
  return undefined;
}

function intervalCron(step: number, unit: string | undefined, at: ClockTime | undefined): string | undefined {
  const limit = unit === undefined ? undefined : STEP_LIMITS[unit];
  if (limit === undefined || step < 1 || step > limit) return undefined;
  const every = step === 1 ? '*' : `*/${step}`;
  if (unit === 'm') return `${every} * * * *`;
  if (unit === 'h') return `${at ? at.minutes % 60 : 0} ${every} * * *`;
  return `${at ? at.minutes % 60 : 0} ${at ? Math.floor(at.minutes / 60) : 0} ${every} * *`;
}

function findTimes(source: string): ClockTime[] {
  const times: ClockTime[] = [];
  for (const match of source.matchAll(TIME)) {
    const [text, hourText, colonMinute, h, hMinute, meridiem] = match;
    if (colonMinute === undefined && h === undefined && meridiem === undefined) continue;
    let hour = Number(hourText);
    const minute = Number(colonMinute ?? hMinute ?? 0);
    if (meridiem !== undefined) {
      if (hour < 1 || hour > 12) continue;
      hour = (hour % 12) + (meridiem === 'pm' ? 12 : 0);
    }
    if (hour > 23 || minute > 59) continue;
    const weak = h !== undefined && meridiem === undefined;
    times.push({ minutes: hour * 60 + minute, index: match.index, end: match.index + text.length, weak });
  }
  return times;
}

/** Two days joined by a dash ("lundi-vendredi") are a range; any other pair is a list. */
function findWeekdays(phrases: Phrases<number>, source: string): number[] {
  const days = new Set<number>();
  let previous: { value: number; end: number } | undefined;
  for (const found of matches(phrases, source)) {
    if (previous && DASH.test(source.slice(previous.end, found.index))) {
      for (let day = previous.value; day !== found.value; day = (day + 1) % 7) days.add(day);
    }
    days.add(found.value);
    previous = found;
  }
  return [...days].sort((a, b) => a - b);
}

function findTimezone(text: string, source: string): string | undefined {
  if (UTC.test(source)) return 'UTC';
  for (const [name] of text.matchAll(ZONE_NAME)) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: name });
      return name;
    } catch {
      // Not a zone Intl knows: a path or a product name such as "Docker/Compose".
    }
  }
  return undefined;
}

function matches<T>(phrases: Phrases<T>, source: string): { value: T; index: number; end: number }[] {
  return [...source.matchAll(phrases.pattern)].map((match) => ({
    value: phrases.values.get(collapse(match[0]))!,
    index: match.index,
    end: match.index + match[0].length,
  }));
}

function tablesFor(lexicons: readonly Lexicon[]): Tables {
  const cached = tablesCache.get(lexicons);
  if (cached) return cached;
  const units = new Map<string, string>();
  for (const lexicon of lexicons) {
    for (const [word, unit] of Object.entries(lexicon.timeUnits)) {
      const key = normalise(word);
      if (!units.has(key)) units.set(key, unit);
    }
  }
  // The lexicons have no word for "every", but their frequency phrases show it: what precedes a
  // time unit in "every hour", "toutes les heures" or "chaque jour" is the word for "every".
  const everyWords = new Set<string>();
  for (const lexicon of lexicons) {
    for (const phrase of Object.keys(lexicon.frequencies)) {
      const words = normalise(phrase).split(/\s+/);
      if (words.length > 1 && units.has(words.at(-1)!)) everyWords.add(words.slice(0, -1).join(' '));
    }
  }
  const tables: Tables = {
    frequencies: phrases(lexicons.map((lexicon) => lexicon.frequencies)),
    weekdays: phrases(lexicons.map((lexicon) => lexicon.weekdays)),
    interval: new RegExp(
      `${EDGE_BEFORE}${alternation(everyWords)}\\s+(\\d+)\\s*${alternation(units.keys(), true)}${EDGE_AFTER}`,
      'u',
    ),
    units,
  };
  tablesCache.set(lexicons, tables);
  return tables;
}

function phrases<T>(tables: readonly Readonly<Record<string, T>>[]): Phrases<T> {
  const values = new Map<string, T>();
  for (const table of tables) {
    for (const [phrase, value] of Object.entries(table)) {
      const key = collapse(normalise(phrase));
      if (!values.has(key)) values.set(key, value);
    }
  }
  return { pattern: new RegExp(`${EDGE_BEFORE}${alternation(values.keys())}${EDGE_AFTER}`, 'gu'), values };
}

/** Longest first, so "sundays" wins over "sunday" and "every hour" over a shorter phrase. */
function alternation(words: Iterable<string>, capture = false): string {
  const sorted = [...words].sort((a, b) => b.length - a.length);
  const body = sorted.length === 0 ? '(?!)' : sorted.map(escapePhrase).join('|');
  return capture ? `(${body})` : `(?:${body})`;
}

function escapePhrase(phrase: string): string {
  return phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ +/g, '\\s+');
}

function collapse(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

function schedule(
  cron: string,
  extra: { timezone?: string | undefined; duration?: string | undefined; frequency?: Frequency | undefined },
): ParsedSchedule {
  const result: ParsedSchedule = { cron };
  if (extra.timezone !== undefined) result.timezone = extra.timezone;
  if (extra.duration !== undefined) result.duration = extra.duration;
  if (extra.frequency !== undefined) result.frequency = extra.frequency;
  return result;
}
