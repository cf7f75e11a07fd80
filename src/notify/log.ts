/**
 * The log channel: one JSON line per notification, for a log collector to pick up or for a first
 * setup that has no other channel yet.
 */
import { z } from 'zod';
import { describeError } from '../errors.ts';
import { subjectLine } from './message.ts';
import { failed, type Notifier } from './notifier.ts';

/** LogChannel writes notifications to Vigie's own output. */
export const LogChannel = z
  .object({
    type: z.literal('log').describe('One JSON line per notification on standard output.'),
  })
  .strict()
  .describe('Writes every notification as one JSON line to standard output.');
export type LogChannel = z.infer<typeof LogChannel>;

/** Writer takes one line of output, newline included. */
export type Writer = (line: string) => void;

/** logNotifier writes each notification to `write` as one JSON line: its subject, then the payload. */
export function logNotifier(write: Writer = (line) => process.stdout.write(line)): Notifier<LogChannel> {
  return {
    type: 'log',
    async send(notification) {
      try {
        write(`${JSON.stringify({ subject: subjectLine(notification), ...notification })}\n`);
        return { ok: true };
      } catch (error) {
        // A full pipe or a closed stream may take the line later.
        return failed(true, `log: ${describeError(error)}`, []);
      }
    },
  };
}
