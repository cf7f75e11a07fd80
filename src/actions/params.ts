/**
 * Step parameters: the values a responder supplies when running a step (`TENANT_UUID`, `PID`,
 * `DOC_UUID`). Each is declared with a type and an optional pattern, checked here before anything
 * runs, then handed to an executor as a value (a SQL bind parameter, one argv element), never pasted
 * into a command. Pure: no I/O.
 */
import { z } from 'zod';

/** PARAM_NAME is the form of a parameter name: upper-case words joined by `_`, as runbooks write them. */
export const PARAM_NAME = /^[A-Z][A-Z0-9_]*$/;

/** PARAM_TYPES lists the kinds of value a parameter may hold. */
export const PARAM_TYPES = ['uuid', 'integer', 'identifier', 'text', 'hostname'] as const;

/** ParamType says which values a parameter accepts. */
export type ParamType = (typeof PARAM_TYPES)[number];

/** MAX_TEXT_LENGTH is the longest `text` value accepted, in characters. */
export const MAX_TEXT_LENGTH = 1000;

/** ParamName is a parameter's name as a runbook declares it (`TENANT_UUID`). */
export const ParamName = z
  .string()
  .regex(
    PARAM_NAME,
    'use upper-case letters, digits and "_", starting with a letter (for example TENANT_UUID)',
  )
  .describe('A parameter name: upper-case letters, digits and "_" (TENANT_UUID).');

/** StepParam declares one parameter of a step: its type, an optional pattern, and words for the person. */
export const StepParam = z
  .object({
    type: z
      .enum(PARAM_TYPES)
      .describe(
        'uuid: 8-4-4-4-12 hex digits; integer: digits with an optional minus; identifier: a SQL-style name; ' +
          'hostname: an RFC 1123 host name; text: one printable line of at most 1000 characters.',
      ),
    pattern: z
      .string()
      .refine(compiles, { message: 'not a valid regular expression' })
      .optional()
      .describe('A regular expression the whole value must also match (it is anchored at both ends).'),
    description: z.string().optional().describe('What the value is, shown when asking for it.'),
    example: z.string().optional().describe('A sample value, shown when asking for it.'),
  })
  .strict();
export type StepParam = z.infer<typeof StepParam>;

/** StepParams are a step's declared parameters by name. */
export const StepParams = z.record(ParamName, StepParam).describe('Parameters the step takes, by name.');
export type StepParams = z.infer<typeof StepParams>;

/** ParamError says why one parameter was refused. */
export interface ParamError {
  readonly name: string;
  readonly message: string;
}

/** ParamsResult is either every declared value, checked, or every reason some were refused. */
export type ParamsResult =
  | { readonly ok: true; readonly values: Readonly<Record<string, string>> }
  | { readonly ok: false; readonly errors: readonly ParamError[] };

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// No leading zeros: `010` reads as octal in some shells and tools, so its meaning is not certain.
const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
// Control characters, line and paragraph separators, and bidirectional overrides, which can make
// the text an approver reads differ from the text that runs.
const UNPRINTABLE = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

/**
 * validateParams checks the values given for a step against its declared parameters: every declared
 * one must be given, none undeclared, each must be non-empty, of its type and match its pattern.
 * Every problem is reported at once.
 */
export function validateParams(
  declared: Readonly<Record<string, StepParam>>,
  given: Readonly<Record<string, string>>,
): ParamsResult {
  const errors: ParamError[] = [];
  const values: Record<string, string> = {};
  const names = Object.keys(declared);
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(declared, name)) {
      const known = names.length > 0 ? `it takes ${names.join(', ')}` : 'it takes none';
      errors.push({ name, message: `${name} is not a parameter of this step (${known})` });
    }
  }
  for (const name of names) {
    const param = declared[name]!;
    const value = Object.hasOwn(given, name) ? given[name] : undefined;
    if (value === undefined) {
      errors.push({ name, message: `${name} is required${hint(param)}` });
      continue;
    }
    const problem = checkValue(param, value);
    if (problem) errors.push({ name, message: `${name}: ${show(value)} ${problem}${hint(param)}` });
    else values[name] = value;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, values };
}

/** checkValue says why a value does not fit a parameter, or undefined when it fits. */
function checkValue(param: StepParam, value: string): string | undefined {
  if (value === '') return 'is empty';
  const problem = checkType(param.type, value);
  if (problem) return problem;
  if (param.pattern !== undefined && !new RegExp(`^(?:${param.pattern})$`).test(value)) {
    return `does not match the pattern /${param.pattern}/`;
  }
  return undefined;
}

function checkType(type: ParamType, value: string): string | undefined {
  switch (type) {
    case 'uuid':
      return UUID.test(value) ? undefined : 'is not a UUID (8-4-4-4-12 hex digits)';
    case 'integer':
      if (!INTEGER.test(value)) return 'is not an integer (digits with an optional leading minus)';
      return Number.isSafeInteger(Number(value)) ? undefined : 'is too large for an integer';
    case 'identifier':
      return IDENTIFIER.test(value)
        ? undefined
        : 'is not an identifier (a letter or "_", then letters, digits or "_", at most 63 characters)';
    case 'hostname':
      return isHostname(value)
        ? undefined
        : 'is not a host name (dot-separated labels of letters, digits, "-")';
    case 'text':
      if (UNPRINTABLE.test(value)) return 'contains a newline or a control character (text must be one line)';
      return [...value].length > MAX_TEXT_LENGTH ? `is longer than ${MAX_TEXT_LENGTH} characters` : undefined;
  }
}

function isHostname(value: string): boolean {
  return value.length <= 253 && value.split('.').every((label) => HOST_LABEL.test(label));
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

// Quoted and shortened so a refused value cannot break the line it is reported on.
function show(value: string): string {
  const chars = [...value];
  return JSON.stringify(chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : value);
}

function hint(param: StepParam): string {
  const parts = [param.description, param.example !== undefined ? `e.g. ${param.example}` : undefined];
  const text = parts.filter((part) => part !== undefined).join(', ');
  return text ? ` (${text})` : '';
}

/** ParamReference is one place a declared parameter's name occurs in a step's text. */
export interface ParamReference {
  readonly name: string;
  /** Offset of the name's first character. */
  readonly start: number;
  /** Offset just past the name. */
  readonly end: number;
  /** The quote the name alone sits between (`'TENANT_UUID'`), so an executor can bind the whole literal. */
  readonly quote?: "'" | '"';
}

/**
 * findParamReferences finds where each declared name occurs in a step's text, as a whole word
 * (`PID` matches in `kill PID` and `'PID'`, not in `PIDFILE` or `MY_PID`), in order of position.
 */
export function findParamReferences(runText: string, names: Iterable<string>): ParamReference[] {
  const wanted = [...new Set(names)].filter((name) => PARAM_NAME.test(name));
  if (wanted.length === 0) return [];
  // Longest first, so that of two names sharing a prefix the whole word wins.
  wanted.sort((a, b) => b.length - a.length);
  const pattern = new RegExp(`(?<![A-Za-z0-9_])(?:${wanted.join('|')})(?![A-Za-z0-9_])`, 'g');
  const found: ParamReference[] = [];
  for (const match of runText.matchAll(pattern)) {
    const start = match.index;
    const end = start + match[0].length;
    const before = runText[start - 1];
    const quote = (before === "'" || before === '"') && runText[end] === before ? before : undefined;
    found.push(quote ? { name: match[0], start, end, quote } : { name: match[0], start, end });
  }
  return found;
}

/** Placeholder is text in a step that looks like a value to fill in but names no declared parameter. */
export interface Placeholder {
  /** As written: `TENANT_UUID`, `<tenant-id>`, `{{id}}`. */
  readonly text: string;
  /** Offset of its first occurrence. */
  readonly start: number;
  /** The parameter name it suggests (`TENANT_ID` for `<tenant-id>`). */
  readonly name: string;
}

// Upper-case words that are SQL or shell vocabulary, not values to fill in.
const NOT_PLACEHOLDERS = new Set([
  'CURRENT_DATE',
  'CURRENT_TIME',
  'CURRENT_TIMESTAMP',
  'CURRENT_USER',
  'CURRENT_SCHEMA',
  'CURRENT_CATALOG',
  'SESSION_USER',
  'LOCALTIME',
  'LOCALTIMESTAMP',
]);
// Bare upper-case words that are placeholders even without an underscore.
const BARE_PLACEHOLDERS = new Set([
  'PID',
  'ID',
  'UUID',
  'HOST',
  'HOSTNAME',
  'PORT',
  'TENANT',
  'USER',
  'EMAIL',
]);
const PLACEHOLDER =
  /<([A-Za-z][A-Za-z0-9_-]*)>|\{\{\s*([A-Za-z][A-Za-z0-9_.-]*)\s*\}\}|(?<![A-Za-z0-9_-])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)(?![A-Za-z0-9_-])/g;

/**
 * undeclaredPlaceholders lists, once each, what in a step's text looks like a value to fill in —
 * `TENANT_UUID` (upper-case words joined by `_`, or PID, ID, UUID…), `<tenant-id>`, `{{id}}` — whose
 * suggested name is not among `declared`. Environment references (`$DATABASE_URL`, `${REDIS_URL}`),
 * assignments (`LOG_LEVEL=debug`) and SQL words (`CURRENT_TIMESTAMP`) are not placeholders.
 */
export function undeclaredPlaceholders(runText: string, declared: Iterable<string> = []): Placeholder[] {
  const known = new Set(declared);
  const seen = new Set<string>();
  const found: Placeholder[] = [];
  for (const match of runText.matchAll(PLACEHOLDER)) {
    const [text, angled, mustache, bare] = match;
    const start = match.index;
    let name: string;
    if (bare !== undefined) {
      const isWord = bare.includes('_') || BARE_PLACEHOLDERS.has(bare);
      const isEnv = runText[start - 1] === '$' || runText.slice(Math.max(0, start - 2), start) === '${';
      if (!isWord || isEnv || runText[start + bare.length] === '=' || NOT_PLACEHOLDERS.has(bare)) continue;
      name = bare;
    } else {
      name = (angled ?? mustache ?? '').replace(/[-.]/g, '_').toUpperCase();
    }
    if (known.has(name) || seen.has(text)) continue;
    seen.add(text);
    found.push({ text, start, name });
  }
  return found;
}
