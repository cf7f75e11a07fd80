/**
 * On-call rotations: a list of people who take turns for a fixed length of time from a first
 * hand-off, with overrides for holidays and swaps. Who is on call is a pure function of the rotation
 * and `now`, so the escalation loop and the dashboard always agree.
 */
import { z } from 'zod';
import { closest, type Path } from '../runbook/paths.ts';
import { parseDuration } from '../runbook/units.ts';

// An instant needs its offset: "09:00" alone would mean a different moment on every server.
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/** parseInstant reads an ISO-8601 instant with `Z` or an offset as epoch milliseconds; undefined otherwise. */
export function parseInstant(text: string): number | undefined {
  if (!INSTANT.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isFinite(at) ? at : undefined;
}

const Instant = z.string().refine((text) => parseInstant(text) !== undefined, {
  message: 'not an instant; write it like 2026-11-02T09:00:00Z, or with an offset such as +01:00',
});

/** RotationOverride puts someone else on call for a span, whatever the rotation says. */
export const RotationOverride = z
  .object({
    contact: z.string().min(1).describe('Contact id of who is on call during the override.'),
    from: Instant.describe('ISO-8601 instant the override begins (included), e.g. 2026-12-24T09:00:00Z.'),
    to: Instant.describe('ISO-8601 instant the override ends (excluded).'),
    reason: z.string().optional().describe('Why: a holiday, a swap, sick leave.'),
  })
  .strict();
export type RotationOverride = z.infer<typeof RotationOverride>;

/** Rotation is people taking turns on call, one shift of `every` each, from the first hand-off at `start`. */
export const Rotation = z
  .object({
    people: z
      .array(z.string().min(1))
      .min(1, 'a rotation needs at least one person')
      .describe('Contact ids in the order they take their turn; the first is on call from `start`.'),
    every: z
      .string()
      .refine((text) => (parseDuration(text) ?? 0) > 0, {
        message: 'not a shift length; write it like 7d, 1d or 12h',
      })
      .describe('Length of one shift: 7d, 1d, 12h.'),
    start: Instant.describe('ISO-8601 instant of the first hand-off, e.g. 2026-11-02T09:00:00Z.'),
    overrides: z
      .array(RotationOverride)
      .optional()
      .describe('Spans where someone else is on call; the one declared last wins where they overlap.'),
  })
  .strict();
export type Rotation = z.infer<typeof Rotation>;

/** OnCall is who answers at an instant, and the span that answer holds for. */
export interface OnCall {
  readonly contact: string;
  /** Start of the rotation shift, or of the override when one answers. */
  readonly shiftStart: number;
  /** End (excluded) of the rotation shift, or of the override when one answers. */
  readonly shiftEnd: number;
  readonly override?: RotationOverride;
}

/** Handoff is the next change of who is on call. */
export interface Handoff {
  readonly at: number;
  readonly contact: string;
}

/** RotationProblem is one mistake in a rotation, placed by its path inside the rotation. */
export interface RotationProblem {
  readonly path: Path;
  readonly message: string;
}

interface Timed {
  readonly start: number;
  readonly every: number;
  readonly overrides: readonly { readonly value: RotationOverride; from: number; to: number }[];
}

function timed(rotation: Rotation): Timed {
  const start = parseInstant(rotation.start);
  const every = parseDuration(rotation.every);
  if (start === undefined || every === undefined || every <= 0) {
    throw new TypeError(`rotation not validated: start '${rotation.start}', every '${rotation.every}'`);
  }
  const overrides = (rotation.overrides ?? []).map((value) => ({
    value,
    from: parseInstant(value.from) ?? Number.NaN,
    to: parseInstant(value.to) ?? Number.NaN,
  }));
  return { start, every, overrides };
}

function answer(rotation: Rotation, t: Timed, now: number): OnCall {
  // Scanning from the end makes the override declared last win where spans overlap.
  for (let i = t.overrides.length - 1; i >= 0; i--) {
    const o = t.overrides[i]!;
    if (o.from <= now && now < o.to) {
      return { contact: o.value.contact, shiftStart: o.from, shiftEnd: o.to, override: o.value };
    }
  }
  // Before the first hand-off nobody else exists to answer: the first person covers, and the
  // reported shift is the first one.
  const shift = Math.max(0, Math.floor((now - t.start) / t.every));
  const shiftStart = t.start + shift * t.every;
  return {
    contact: rotation.people[shift % rotation.people.length]!,
    shiftStart,
    shiftEnd: shiftStart + t.every,
  };
}

/** onCall says who is on call at `now`: an override if one covers `now` (half-open [from, to)), else the shift's person. */
export function onCall(rotation: Rotation, now: number): OnCall {
  return answer(rotation, timed(rotation), now);
}

/** nextHandoff gives the first instant after `now` at which someone else is on call, and who; undefined when nobody else ever is. */
export function nextHandoff(rotation: Rotation, now: number): Handoff | undefined {
  const t = timed(rotation);
  const current = answer(rotation, t, now).contact;
  const edges = t.overrides.flatMap((o) => [o.from, o.to]).filter((at) => Number.isFinite(at));
  // Each step lands on an override edge or on a change of the rotation's person, and two such
  // changes in a row cannot both give back the current contact: this bounds the walk.
  let budget = 4 * edges.length + 4;
  let at = now;
  while (budget-- > 0) {
    let next = Number.POSITIVE_INFINITY;
    for (const edge of edges) if (edge > at && edge < next) next = edge;
    // While an override answers, the rotation's shifts change nothing.
    if (answer(rotation, t, at).override === undefined) next = Math.min(next, nextTurn(rotation, t, at));
    if (!Number.isFinite(next)) return undefined;
    at = next;
    const contact = answer(rotation, t, at).contact;
    if (contact !== current) return { at, contact };
  }
  return undefined;
}

// The start of the next shift held by someone other than the rotation's person at `at`.
function nextTurn(rotation: Rotation, t: Timed, at: number): number {
  const shift = Math.max(0, Math.floor((at - t.start) / t.every));
  const people = rotation.people;
  const person = people[shift % people.length];
  for (let j = 1; j < people.length; j++) {
    if (people[(shift + j) % people.length] !== person) return t.start + (shift + j) * t.every;
  }
  return Number.POSITIVE_INFINITY;
}

/** validateRotation lists unknown contact ids (with a "did you mean") and overrides that end before they start. */
export function validateRotation(rotation: Rotation, contactIds: Iterable<string>): RotationProblem[] {
  const known = new Set(contactIds);
  const problems: RotationProblem[] = [];
  const unknown = (id: string): string => {
    const guess = closest(id, known);
    return `unknown contact '${id}'${guess ? `; did you mean '${guess}'?` : '; declare it under contacts'}`;
  };
  rotation.people.forEach((id, i) => {
    if (!known.has(id)) problems.push({ path: ['people', i], message: unknown(id) });
  });
  (rotation.overrides ?? []).forEach((o, i) => {
    if (!known.has(o.contact))
      problems.push({ path: ['overrides', i, 'contact'], message: unknown(o.contact) });
    const from = parseInstant(o.from);
    const to = parseInstant(o.to);
    if (from !== undefined && to !== undefined && to <= from) {
      problems.push({
        path: ['overrides', i, 'to'],
        message: `the override ends (${o.to}) before it starts (${o.from}); 'to' must come after 'from'`,
      });
    }
  });
  return problems;
}
