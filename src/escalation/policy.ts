/**
 * Escalation policies as the pipeline runs them: levels with delays in milliseconds, how many times the
 * whole policy starts over, and when an acknowledgement lapses. Pure: where the next page falls is a
 * function of the policy, the position reached and the moment escalation started.
 */
import {
  type EscalationLevel,
  type EscalationPolicy as EscalationPolicyConfig,
  levelsOf,
} from '../runbook/schema.ts';
import { parseDuration } from '../runbook/units.ts';

/** DEFAULT_REPEAT_AFTER is the wait after a policy's last level before it starts over. */
export const DEFAULT_REPEAT_AFTER = 15 * 60_000;

/** Policy is an escalation policy ready to run. */
export interface Policy {
  readonly id: string;
  readonly levels: readonly { readonly after: number; readonly notify: readonly string[] }[];
  /** Times the policy starts over after its last level. */
  readonly repeat: number;
  /** Length of one pass: the last level's delay plus the wait before starting over. */
  readonly cycle: number;
  readonly ackTimeout?: number;
}

/** Position is where an incident's escalation stands: the level and the pass (cycle) to page next. */
export interface Position {
  readonly level: number;
  readonly cycle: number;
}

/** compilePolicy turns a policy as written into one with delays in milliseconds, levels sorted by delay. */
export function compilePolicy(
  id: string,
  written: readonly EscalationLevel[] | EscalationPolicyConfig,
): Policy {
  const options: Partial<EscalationPolicyConfig> = Array.isArray(written)
    ? {}
    : (written as EscalationPolicyConfig);
  const levels = levelsOf(written)
    .map((level) => ({ after: parseDuration(level.after) ?? 0, notify: level.notify }))
    .sort((a, b) => a.after - b.after);
  const last = levels.at(-1)?.after ?? 0;
  const ackTimeout = options.ack_timeout === undefined ? undefined : parseDuration(options.ack_timeout);
  return {
    id,
    levels,
    repeat: options.repeat ?? 0,
    cycle: last + (parseDuration(options.repeat_after ?? '') ?? DEFAULT_REPEAT_AFTER),
    ...(ackTimeout === undefined ? {} : { ackTimeout }),
  };
}

/** dueAt gives when the level at `position` pages, for an escalation that started at `anchor`. */
export function dueAt(policy: Policy, position: Position, anchor: number): number {
  const level = policy.levels[position.level];
  if (level === undefined) throw new RangeError(`policy ${policy.id} has no level ${position.level}`);
  return anchor + position.cycle * policy.cycle + level.after;
}

/** nextPosition gives the position after `position`, or undefined when the policy is exhausted. */
export function nextPosition(policy: Policy, position: Position): Position | undefined {
  if (position.level + 1 < policy.levels.length) return { level: position.level + 1, cycle: position.cycle };
  if (position.cycle < policy.repeat) return { level: 0, cycle: position.cycle + 1 };
  return undefined;
}

/** FALLBACK_POLICY pages every declared channel at once when a runbook declares no escalation at all. */
export const FALLBACK_POLICY: Policy = {
  id: 'fallback',
  levels: [{ after: 0, notify: [] }],
  repeat: 0,
  cycle: 0,
};
