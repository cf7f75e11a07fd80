/**
 * Silences: a responder mutes the alerts whose labels match, for a span of time, saying who and why.
 * A silenced alert is still recorded; it pages nobody. Storage belongs to the store; this module
 * only decides which silences hold and whether a new one is well-formed.
 */
import type { Path } from '../runbook/paths.ts';
import { type Labels, type Matcher, matches, matchesOne, parseMatcher } from './matchers.ts';

/** Silence mutes the alerts its matchers select from `startsAt` (included) to `endsAt` (excluded). */
export interface Silence {
  readonly id: string;
  readonly matchers: readonly Matcher[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly createdBy: string;
  readonly comment: string;
  /** When someone ended the silence early; it holds no longer from then on. */
  readonly expiredAt?: number;
}

/** SilenceState is where a silence stands at an instant. */
export type SilenceState = 'pending' | 'active' | 'expired';

/** SilenceInput is a silence as a person asks for it: matchers as text or parsed, times in epoch ms. */
export interface SilenceInput {
  readonly matchers: readonly (string | Matcher)[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly createdBy: string;
  readonly comment: string;
}

/** QuietProblem is one mistake in a silence, window or dependency list, placed by its path. */
export interface QuietProblem {
  readonly path: Path;
  readonly message: string;
}

/** silenceState says whether a silence is yet to start, holding, or over (ended or expired early) at `now`. */
export function silenceState(silence: Silence, now: number): SilenceState {
  const end = Math.min(silence.endsAt, silence.expiredAt ?? Number.POSITIVE_INFINITY);
  if (now >= end) return 'expired';
  return now < silence.startsAt ? 'pending' : 'active';
}

/** activeSilences lists the silences holding at `now` whose matchers all hold for the labels, in the given order. */
export function activeSilences(silences: readonly Silence[], labels: Labels, now: number): Silence[] {
  return silences.filter((s) => silenceState(s, now) === 'active' && matches(s.matchers, labels));
}

/**
 * validateSilence checks a requested silence as Alertmanager does: at least one matcher, one of them
 * selective, an end after its start and after `now`, an author and a comment. It returns the parsed
 * matchers when the silence is good, every problem otherwise.
 */
export function validateSilence(
  input: SilenceInput,
  now: number,
): { ok: true; matchers: Matcher[] } | { ok: false; problems: QuietProblem[] } {
  const problems: QuietProblem[] = [];
  const matchers: Matcher[] = [];
  if (input.matchers.length === 0) {
    problems.push({
      path: ['matchers'],
      message: 'a silence needs at least one matcher, such as alert=api-down or service=api',
    });
  }
  input.matchers.forEach((item, i) => {
    if (typeof item !== 'string') {
      matchers.push(item);
      return;
    }
    const parsed = parseMatcher(item);
    if (parsed.ok) matchers.push(parsed.matcher);
    else {
      problems.push({
        path: ['matchers', i],
        message: `column ${parsed.error.column}: ${parsed.error.message}; ${parsed.error.fix}`,
      });
    }
  });
  // A silence whose every matcher also matches an empty label set would mute every alert.
  if (matchers.length > 0 && matchers.length === input.matchers.length) {
    if (matchers.every((m) => matchesOne(m, {}))) {
      problems.push({
        path: ['matchers'],
        message: 'these matchers select every alert; add one that needs a label, such as service=api',
      });
    }
  }
  if (!Number.isFinite(input.startsAt))
    problems.push({ path: ['startsAt'], message: 'startsAt is not a time' });
  if (!Number.isFinite(input.endsAt)) problems.push({ path: ['endsAt'], message: 'endsAt is not a time' });
  else if (input.endsAt <= input.startsAt) {
    problems.push({
      path: ['endsAt'],
      message: 'the silence ends before it starts; endsAt must come after startsAt',
    });
  } else if (input.endsAt <= now) {
    problems.push({
      path: ['endsAt'],
      message: 'the silence would already be over; endsAt must be in the future',
    });
  }
  if (input.createdBy.trim() === '') {
    problems.push({ path: ['createdBy'], message: 'say who creates the silence (createdBy)' });
  }
  if (input.comment.trim() === '') {
    problems.push({
      path: ['comment'],
      message: 'say why the alerts are silenced (comment), e.g. a ticket or a deploy',
    });
  }
  return problems.length === 0 ? { ok: true, matchers } : { ok: false, problems };
}
