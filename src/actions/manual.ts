/**
 * The manual executor: prose for a person ("Dashboard → Logs"). Nothing runs; the outcome carries
 * the instruction so the incident timeline shows it where the evidence would be.
 */
import type { Executor } from './executor.ts';

/** manualExecutor skips every step, with the reason "for a person: <text>". */
export function manualExecutor(): Executor {
  return {
    kind: 'manual',
    async run(request) {
      const text = request.step.run.trim();
      return { status: 'skipped', command: text, reason: `for a person: ${text}` };
    },
  };
}
