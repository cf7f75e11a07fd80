/**
 * Loading `vigie.yaml`: YAML to a validated runbook, reporting every error of the file at once, each
 * with its path, line and column and a suggestion where one is obvious; then, separately, the
 * `${ENV}` and `${services.x.y}` references resolved against an environment.
 */
import { type Document, isMap, isScalar, isSeq, LineCounter, parseDocument, type YAMLMap } from 'yaml';
import { z } from 'zod';
import { parseCondition } from '../conditions/index.ts';
import { VigieError } from '../errors.ts';
import { closest, formatPath, type Path } from './paths.ts';
import { checkReferences, type ReferenceProblem } from './references.ts';
import { Runbook, type RunbookConfig } from './schema.ts';

/** LoadError is one problem of a runbook file, placed in it. */
export interface LoadError {
  readonly path: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

/** Loaded is a runbook file read and validated, or every reason it is not valid. */
export type Loaded =
  | {
      readonly ok: true;
      readonly runbook: RunbookConfig;
      readonly locate: (path: Path) => number | undefined;
    }
  | { readonly ok: false; readonly errors: LoadError[] };

/** MAX_RUNBOOK_BYTES bounds the size of a runbook file. */
export const MAX_RUNBOOK_BYTES = 16 * 1024 * 1024;

/** formatLoadErrors writes errors the way a compiler does: `file:line:column: path: message`. */
export function formatLoadErrors(file: string, errors: readonly LoadError[]): string {
  return errors
    .map((error) => {
      const place = [file, error.line, error.column].filter((part) => part !== undefined).join(':');
      return `${place}: ${error.path ? `${error.path}: ` : ''}${error.message}`;
    })
    .join('\n');
}

/** Walks the zod schema along a path, to find the keys an object at that place accepts. */
function schemaAt(schema: z.ZodType, path: Path): z.ZodType | undefined {
  let current: z.ZodType | undefined = schema;
  for (const key of path) {
    current = unwrap(current);
    if (!current) return undefined;
    if (current instanceof z.ZodObject) current = current.shape[String(key)] as z.ZodType | undefined;
    else if (current instanceof z.ZodArray) current = current.element as z.ZodType;
    else if (current instanceof z.ZodRecord) current = current.valueType as z.ZodType;
    else return undefined;
  }
  return unwrap(current);
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  for (let depth = 0; depth < 10 && current; depth++) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodDefault)
      current = current.unwrap() as z.ZodType;
    else if (current instanceof z.ZodUnion) {
      const options = current.options as z.ZodType[];
      current =
        options.find((option) => option instanceof z.ZodObject || option instanceof z.ZodArray) ?? options[0];
      if (current instanceof z.ZodObject || current instanceof z.ZodArray) return current;
    } else return current;
  }
  return current;
}

/** Finds where a path lands in the YAML text; with `key`, the key itself (an unknown field). */
function place(
  doc: Document,
  lines: LineCounter,
  path: Path,
  key?: string,
): { line: number; column: number } | undefined {
  const rangeOf = (node: unknown): number | undefined => (node as { range?: number[] } | null)?.range?.[0];
  const pairOf = (map: YAMLMap, name: string) =>
    map.items.find((item) => isScalar(item.key) && String(item.key.value) === name);
  let node: unknown = doc.contents;
  let offset = rangeOf(node);
  for (const part of path) {
    if (isMap(node)) {
      const pair = pairOf(node, String(part));
      if (!pair) break;
      node = pair.value;
      offset = rangeOf(node) ?? rangeOf(pair.key) ?? offset;
    } else if (isSeq(node)) {
      node = node.items[Number(part)];
      if (node === undefined) break;
      offset = rangeOf(node) ?? offset;
    } else break;
  }
  if (key !== undefined && isMap(node)) offset = rangeOf(pairOf(node, key)?.key) ?? offset;
  if (offset === undefined) return undefined;
  const position = lines.linePos(offset);
  return { line: position.line, column: position.col };
}

/** checkConditions parses every `expect:` condition, placing each error at its line and column in the file. */
function checkConditions(runbook: RunbookConfig, doc: Document, lines: LineCounter): LoadError[] {
  const errors: LoadError[] = [];
  for (const [index, check] of (runbook.checks ?? []).entries()) {
    for (const [at, text] of (check.expect ?? []).entries()) {
      const parsed = parseCondition(text);
      if (parsed.ok) continue;
      const path = ['checks', index, 'expect', at];
      const node = doc.getIn(path, true) as { range?: number[]; type?: string } | undefined;
      const quoted = node?.type === 'QUOTE_DOUBLE' || node?.type === 'QUOTE_SINGLE' ? 1 : 0;
      const position = node?.range
        ? lines.linePos(node.range[0]! + quoted + parsed.error.column - 1)
        : undefined;
      errors.push({
        path: formatPath(path),
        ...(position ? { line: position.line, column: position.col } : {}),
        message: `${parsed.error.message} in "${text}"`,
      });
    }
  }
  return errors;
}

/** placeProblem puts a rule or reference problem on its line, and on its column inside a rule text. */
function placeProblem(problem: ReferenceProblem, doc: Document, lines: LineCounter): LoadError {
  let position: { line: number; column: number } | undefined;
  if (problem.column !== undefined) {
    const node = doc.getIn(problem.path, true) as { range?: number[]; type?: string } | undefined;
    const quoted = node?.type === 'QUOTE_DOUBLE' || node?.type === 'QUOTE_SINGLE' ? 1 : 0;
    const at = node?.range ? lines.linePos(node.range[0]! + quoted + problem.column - 1) : undefined;
    position = at ? { line: at.line, column: at.col } : undefined;
  } else {
    position = place(doc, lines, problem.path);
  }
  return { path: formatPath(problem.path), ...(position ?? {}), message: problem.message };
}

/** loadRunbook reads a runbook's YAML text and validates it, collecting every error in the file. */
export function loadRunbook(text: string): Loaded {
  if (text.length > MAX_RUNBOOK_BYTES) {
    return {
      ok: false,
      errors: [
        {
          path: '',
          message: `the file is larger than ${MAX_RUNBOOK_BYTES} bytes; a runbook should be far smaller — split it`,
        },
      ],
    };
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((error) => {
        const position = lines.linePos(error.pos[0]);
        return {
          path: '',
          line: position.line,
          column: position.col,
          message: `${error.message.split('\n')[0]} (fix the YAML syntax here)`,
        };
      }),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // An undefined alias or an alias bomb is found only while building values.
    return {
      ok: false,
      errors: [
        {
          path: '',
          line: 1,
          column: 1,
          message: `${(error as Error).message} (fix the anchors and aliases)`,
        },
      ],
    };
  }
  if (data === null || data === undefined) {
    return {
      ok: false,
      errors: [
        { path: '', line: 1, column: 1, message: 'the file is empty; a runbook needs at least a `name`' },
      ],
    };
  }
  const parsed = Runbook.safeParse(data);
  const locate = (path: Path): number | undefined => place(doc, lines, path)?.line;
  if (parsed.success) {
    const conditionErrors = [
      ...checkConditions(parsed.data, doc, lines),
      ...checkReferences(parsed.data).map((problem) => placeProblem(problem, doc, lines)),
    ];
    if (conditionErrors.length > 0) {
      conditionErrors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
      return { ok: false, errors: conditionErrors };
    }
    return { ok: true, runbook: parsed.data, locate };
  }

  const errors: LoadError[] = [];
  for (const issue of parsed.error.issues) {
    const path = issue.path as Path;
    if (issue.code === 'unrecognized_keys') {
      const shape = schemaAt(Runbook, path);
      const known = shape instanceof z.ZodObject ? Object.keys(shape.shape) : [];
      for (const key of issue.keys) {
        const guess = closest(key, known);
        const at = place(doc, lines, path, key);
        errors.push({
          path: formatPath([...path, key]),
          ...(at ? { line: at.line, column: at.column } : {}),
          message: `unknown field '${key}'; ${guess ? `did you mean '${guess}'?` : `known fields are ${known.map((k) => `'${k}'`).join(', ')}`}`,
        });
      }
      continue;
    }
    const at = place(doc, lines, path);
    let message = issue.message;
    if (issue.code === 'invalid_value' && 'values' in issue) {
      const value = path.reduce<unknown>(
        (node, key) => (node as Record<string | number, unknown> | undefined)?.[key],
        data,
      );
      const guess = typeof value === 'string' ? closest(value, issue.values.map(String)) : undefined;
      message = `'${String(value)}' is not one of ${issue.values.map((v) => `'${String(v)}'`).join(', ')}${guess ? `; did you mean '${guess}'?` : ''}`;
    } else if (issue.code === 'invalid_type' && message.includes('received undefined')) {
      message = `missing required field '${String(path[path.length - 1])}'`;
    }
    errors.push({ path: formatPath(path), ...(at ? { line: at.line, column: at.column } : {}), message });
  }
  errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { ok: false, errors };
}

/** loadRunbookOrThrow is loadRunbook for callers that stop at the first bad file. */
export function loadRunbookOrThrow(text: string, file: string): RunbookConfig {
  const loaded = loadRunbook(text);
  if (loaded.ok) return loaded.runbook;
  throw new VigieError(
    'RUNBOOK_INVALID',
    `${file} has ${loaded.errors.length} error(s):\n${formatLoadErrors(file, loaded.errors)}`,
    'fix each place listed, then run `vigie lint` again',
  );
}

/** Resolved is a runbook with its references filled in, and the secret values that came from the environment. */
export interface Resolved {
  readonly runbook: RunbookConfig;
  /** Values read from the environment, to be masked wherever output is shown. */
  readonly secrets: readonly string[];
  readonly errors: LoadError[];
}

// Variables whose value is a credential; a URL carrying a password is one whatever its name.
const SECRET_NAME = /PASS|SECRET|TOKEN|KEY|AUTH|CREDENTIAL|PRIVATE/i;
const REFERENCE = /\$\{([A-Za-z_][\w.-]*)(?::-([^}]*))?\}/g;

/** resolveRunbook fills `${ENV}`, `${ENV:-default}` and `${services.x.y}` references from an environment. */
export function resolveRunbook(
  runbook: RunbookConfig,
  env: Readonly<Record<string, string | undefined>>,
): Resolved {
  const secrets = new Set<string>();
  const errors: LoadError[] = [];
  const services = runbook.services ?? {};
  const fill = (text: string, path: Path, depth = 0): string =>
    text.replace(REFERENCE, (whole, name: string, fallback: string | undefined) => {
      if (name.startsWith('services.')) {
        const [, id, field] = name.split('.');
        const value =
          id && field ? (services[id] as Record<string, unknown> | undefined)?.[field] : undefined;
        if (typeof value !== 'string') {
          const guess = id ? closest(id, Object.keys(services)) : undefined;
          errors.push({
            path: formatPath(path),
            message: `'${whole}' names no service field${guess && guess !== id ? `; did you mean 'services.${guess}'?` : ''}`,
          });
          return whole;
        }
        return depth < 5 ? fill(value, path, depth + 1) : value;
      }
      const value = env[name];
      if (value !== undefined && value !== '') {
        if (SECRET_NAME.test(name) || /\/\/[^/@\s:]*:[^/@\s]+@/.test(value)) secrets.add(value);
        return value;
      }
      if (fallback !== undefined) return fallback;
      errors.push({
        path: formatPath(path),
        message: `environment variable ${name} is not set; export it or write \${${name}:-default}`,
      });
      return whole;
    });
  const walk = (value: unknown, path: Path): unknown => {
    if (typeof value === 'string') return value.includes('${') ? fill(value, path) : value;
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index]));
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [
          key,
          key === 'original' ? item : walk(item, [...path, key]),
        ]),
      );
    }
    return value;
  };
  return {
    runbook: walk(runbook, []) as RunbookConfig,
    secrets: [...secrets].filter((s) => s.length >= 4),
    errors,
  };
}
