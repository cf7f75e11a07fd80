/**
 * The outbox dispatcher: sends the notifications the incident pipeline committed, oldest first, one
 * at a time per incident and channel (so a receiver sees an incident's messages in order), and owns
 * retries: a retryable failure waits an exponential, jittered delay; a final one, or too many attempts,
 * turns the row into a dead letter the operator can see. A row is marked sent only after the channel
 * accepted it, so a crash in between sends it again with the same idempotency key, never loses it.
 */
import type { IncidentStore, OutboxRow } from '../store/incidents.ts';
import type { Notification } from './message.ts';
import type { SendResult } from './notifier.ts';
import { backoffDelay, RETRY_LIMIT } from './retry.ts';

/** Deliver sends one payload through the declared channel `channel`. */
export type Deliver = (
  channel: string,
  notification: Notification,
  signal: AbortSignal,
) => Promise<SendResult>;

/** DispatcherOptions wire the dispatcher to its store, its channels and its clock. */
export interface DispatcherOptions {
  readonly store: IncidentStore;
  readonly deliver: Deliver;
  readonly now: () => number;
  /** Sends under way at once (across incidents); 8 when absent. */
  readonly concurrency?: number;
  /** Longest one attempt may take, in ms; 10,000 when absent. */
  readonly timeoutMs?: number;
  /** Attempts before a row becomes a dead letter. */
  readonly retryLimit?: number;
  readonly random?: () => number;
  /** Told about every attempt, for the timeline, logs and metrics. */
  readonly onAttempt?: (row: OutboxRow, result: SendResult, final: boolean) => void;
}

/** Dispatcher drains due outbox rows. */
export class Dispatcher {
  private readonly options: DispatcherOptions;

  constructor(options: DispatcherOptions) {
    this.options = options;
  }

  /**
   * drain sends every row due now (and those that come due while it works) and gives how many it
   * tried. Up to `concurrency` sends are in flight at once, refilled as they end; outcomes that end
   * together are recorded in one commit, not one per row. A row stays pending while it is in flight,
   * so the next message of its incident and channel waits for it.
   */
  async drain(): Promise<number> {
    const { store, now } = this.options;
    const concurrency = this.options.concurrency ?? 8;
    const inFlight = new Set<number>();
    const finished: [OutboxRow, SendResult][] = [];
    let tried = 0;
    let settling = false;
    return new Promise<number>((resolve, reject) => {
      const fill = (): void => {
        const free = concurrency - inFlight.size;
        if (free > 0) {
          const rows = store
            .dueOutbox(now(), concurrency + inFlight.size)
            .filter((row) => !inFlight.has(row.id))
            .slice(0, free);
          for (const row of rows) {
            inFlight.add(row.id);
            tried++;
            void this.attempt(row).then((result) => {
              finished.push([row, result]);
              if (!settling) {
                settling = true;
                setImmediate(settle);
              }
            });
          }
        }
        if (inFlight.size === 0) resolve(tried);
      };
      const settle = (): void => {
        settling = false;
        try {
          const batch = finished.splice(0);
          store.transaction(() => {
            for (const [row, result] of batch) this.record(row, result);
          });
          for (const [row] of batch) inFlight.delete(row.id);
          fill();
        } catch (error) {
          reject(error);
        }
      };
      try {
        fill();
      } catch (error) {
        reject(error);
      }
    });
  }

  private async attempt(row: OutboxRow): Promise<SendResult> {
    const signal = AbortSignal.timeout(this.options.timeoutMs ?? 10_000);
    try {
      return await this.options.deliver(row.channel, row.payload as Notification, signal);
    } catch (error) {
      // A notifier promises not to throw; one that does is treated as a passing network fault.
      return { ok: false, retryable: true, error: (error as Error).message };
    }
  }

  private record(row: OutboxRow, result: SendResult): void {
    const { store, now } = this.options;
    const attempts = row.attempts + 1;
    if (result.ok) {
      store.markSent(row.id, now());
      this.options.onAttempt?.(row, result, true);
      return;
    }
    const limit = this.options.retryLimit ?? RETRY_LIMIT;
    if (!result.retryable || attempts >= limit) {
      const why = result.retryable ? `${result.error} (gave up after ${attempts} attempts)` : result.error;
      store.markDead(row.id, attempts, why);
      if (row.incidentId) {
        store.addTimeline({
          incidentId: row.incidentId,
          at: now(),
          kind: 'notify-failed',
          actor: 'vigie',
          text: `notification to ${row.channel}${row.recipient ? ` for ${row.recipient}` : ''} failed: ${why}`,
        });
      }
      this.options.onAttempt?.(row, result, true);
      return;
    }
    const delay = backoffDelay(attempts, this.options.random ? { random: this.options.random } : {});
    store.markRetry(row.id, attempts, now() + delay, result.error);
    this.options.onAttempt?.(row, result, false);
  }
}
