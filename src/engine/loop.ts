/**
 * A wakeable loop: runs its work once at a time, again as soon as someone wakes it, and otherwise when
 * the work says its next item falls due (never later than `idle`, so rows written by another process,
 * such as `vigie incidents ack`, are seen).
 */
import type { Clock } from './scheduler.ts';

/** Work does what is due and gives when it next has something to do (epoch ms), if it knows. */
export type Work = () => Promise<number | undefined>;

/** WakeLoop runs a Work on demand and on time. */
export class WakeLoop {
  private readonly clock: Clock;
  private readonly work: Work;
  private readonly idle: number;
  private readonly onError: (error: unknown) => void;
  private timer: unknown;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(clock: Clock, work: Work, options: { idle?: number; onError?: (error: unknown) => void } = {}) {
    this.clock = clock;
    this.work = work;
    this.idle = options.idle ?? 5000;
    this.onError = options.onError ?? (() => {});
  }

  /** start runs the work now and keeps it running. */
  start(): void {
    this.stopped = false;
    this.wake();
  }

  /** wake asks for a run as soon as the current one (if any) ends. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.clock.clearTimeout(this.timer);
    // Set before the first line of work runs: the work itself may call wake (a timer that armed
    // another), and that call must only ask for another pass, not start a second run beside this one.
    let done!: () => void;
    this.running = new Promise<void>((resolve) => {
      done = resolve;
    });
    void this.run().finally(done);
  }

  /** stop lets the run under way finish and arms nothing more. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    await this.running;
  }

  private async run(): Promise<void> {
    let next: number | undefined;
    do {
      this.again = false;
      try {
        next = await this.work();
      } catch (error) {
        this.onError(error);
        next = undefined;
      }
    } while (this.again && !this.stopped);
    this.running = undefined;
    if (this.stopped) return;
    const now = this.clock.now();
    const delay = Math.min(this.idle, Math.max(0, (next ?? Number.POSITIVE_INFINITY) - now));
    this.timer = this.clock.setTimeout(() => this.wake(), delay);
  }
}
