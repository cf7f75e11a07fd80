/**
 * Payload errors in words a sender can act on: zod's issues become `alerts[2].fingerprint: required`.
 */
import type { z } from 'zod';
import { formatPath, type Path } from '../runbook/paths.ts';
import type { IngestError } from './alert.ts';

/** MAX_ERRORS caps the errors reported for one payload; a broken sender repeats the same mistake per alert. */
export const MAX_ERRORS = 20;

/** describeValue names a JSON value's type the way a sender reads it: `string 'abc'`, `number 3`, `array`, `null`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `string '${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

function valueAt(input: unknown, path: Path): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

function hasKey(input: unknown, path: Path): boolean {
  if (path.length === 0) return true;
  const parent = valueAt(input, path.slice(0, -1));
  return (
    parent !== null && typeof parent === 'object' && (path[path.length - 1] as string | number) in parent
  );
}

const EXPECTED: Readonly<Record<string, string>> = {
  object: 'an object',
  array: 'an array',
  record: 'an object',
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean',
};

function message(issue: z.core.$ZodIssue, input: unknown): string {
  const path = issue.path as Path;
  const value = valueAt(input, path);
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined && !hasKey(input, path)) return 'required';
      return `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeValue(value)}`;
    case 'invalid_value':
      return `${describeValue(value)} is not one of ${issue.values.map((v) => `'${String(v)}'`).join(', ')}`;
    case 'too_small':
      return issue.origin === 'string' ? 'must not be empty' : issue.message;
    case 'invalid_union':
      return `unexpected ${describeValue(value)}`;
    default:
      return issue.message;
  }
}

/** zodErrors turns a failed parse of `input` into at most MAX_ERRORS errors, each at its JSON path. */
export function zodErrors(error: z.ZodError, input: unknown): IngestError[] {
  const errors = error.issues
    .slice(0, MAX_ERRORS)
    .map((issue) => ({ path: formatPath(issue.path as Path), message: message(issue, input) }));
  const more = error.issues.length - errors.length;
  if (more > 0) errors.push({ path: '', message: `and ${more} more errors like these` });
  return errors;
}
