/**
 * The maintenance scheduler: every task with a schedule runs at its cron times, one run of a task at
 * a time, and a person may run a task now. On start it marks the runs a crash left going as failed,
 * and records as missed the occurrences that fell due while Vigie was down, past their grace; an
 * occurrence still within its grace runs late rather than not at all. Waiting uses the injected
 * clock (a WakeLoop), so tests drive it with a fake one.
 */
import { WakeLoop } from '../engine/loop.ts';
import type { MaintenanceTask } from '../runbook/schema.ts';
import type { MaintenanceRun } from '../store/maintenance-runs.ts';
import {
  type MaintenanceContext,
  recordMissed,
  recoverUnfinished,
  type StartedRun,
  startRun,
} from './runner.ts';
import { graceOf, scheduleOf, type TaskSchedule } from './schedule.ts';

/** MaintenanceError is a request the scheduler cannot take: an unknown task, or one already running. */
export class MaintenanceError extends Error {
  readonly status: 'not-found' | 'conflict';
  constructor(status: 'not-found' | 'conflict', message: string) {
    super(message);
    this.name = 'MaintenanceError';
    this.status = status;
  }
}

/** MaintenanceTaskState is one task as the scheduler sees it: when it is next due, whether it runs, its latest runs. */
export interface MaintenanceTaskState {
  readonly task: MaintenanceTask;
  /** The next occurrence of the schedule (epoch ms); absent for a task without a schedule. */
  readonly nextDueAt?: number;
  /** The run under way, if any. */
  readonly runningId?: number;
  /** Why the task's schedule cannot be read (it then runs only when asked). */
  readonly problem?: string;
  /** The latest runs, newest first. */
  readonly runs: readonly MaintenanceRun[];
}

interface State {
  readonly task: MaintenanceTask;
  readonly schedule?: TaskSchedule;
  readonly problem?: string;
  next?: number;
  running?: { readonly id: number; readonly done: Promise<MaintenanceRun> };
}

/** LOOK_AGAIN_MS is the longest the scheduler sleeps: a timer far ahead is re-armed, and a clock step is noticed. */
const LOOK_AGAIN_MS = 60_000;

/** MaintenanceScheduler runs the runbook's maintenance tasks on their schedules and on request. */
export class MaintenanceScheduler {
  private readonly context: MaintenanceContext;
  private readonly states = new Map<string, State>();
  private readonly loop: WakeLoop;
  private readonly abort = new AbortController();
  private started = false;

  constructor(context: MaintenanceContext, options: { readonly idle?: number } = {}) {
    this.context = context;
    for (const task of context.runbook.maintenance ?? []) {
      try {
        const schedule = scheduleOf(task);
        this.states.set(task.id, { task, ...(schedule ? { schedule } : {}) });
      } catch (error) {
        const problem = (error as Error).message;
        context.log?.('error', 'maintenance schedule unreadable; the task runs only when asked', {
          task: task.id,
          error: problem,
        });
        this.states.set(task.id, { task, problem });
      }
    }
    this.loop = new WakeLoop(context.clock, () => this.work(), {
      idle: options.idle ?? LOOK_AGAIN_MS,
      onError: (error) =>
        context.log?.('error', 'maintenance scheduler failed', { error: context.mask(String(error)) }),
    });
  }

  /**
   * start fails the runs a crash left going, then resumes every schedule from its latest recorded due
   * time: what fell due while Vigie was down is run if still within its grace, recorded missed if not.
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    recoverUnfinished(this.context);
    const now = this.context.clock.now();
    for (const state of this.states.values()) {
      if (!state.schedule) continue;
      const since = this.context.store.maintenance.lastDue(state.task.id);
      state.next = state.schedule.next(since ?? now);
    }
    this.loop.start();
  }

  /** stop starts nothing more, stops the steps under way (their runs end failed, saying so) and waits for them. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop.stop();
    await Promise.allSettled([...this.states.values()].map((state) => state.running?.done));
  }

  /**
   * runNow runs a task at once, as `requester` asked; the answer comes when the run has been gated
   * (a refused run is already `refused`), and its `done` when the steps have ended.
   */
  runNow(taskId: string, requester: string): StartedRun {
    const state = this.states.get(taskId);
    if (!state) {
      const known = [...this.states.keys()].join(', ') || 'none';
      throw new MaintenanceError('not-found', `no maintenance task ${taskId}; the runbook has: ${known}`);
    }
    if (this.abort.signal.aborted) throw new MaintenanceError('conflict', 'Vigie is stopping');
    if (state.running) {
      throw new MaintenanceError(
        'conflict',
        `maintenance task ${taskId} is running (run ${state.running.id}); wait for it to end`,
      );
    }
    const started = startRun(
      this.context,
      state.task,
      { dueAt: this.context.clock.now(), trigger: 'manual', requester },
      this.abort.signal,
    );
    // The store refuses a second run only for a scheduled due time; a manual run is always recorded.
    if (!started) throw new Error(`maintenance task ${taskId}: the store refused a manual run`);
    this.track(state, started);
    return started;
  }

  /** tasks gives every task with its next due time, its run under way and its latest runs. */
  tasks(limit = 5): MaintenanceTaskState[] {
    return [...this.states.values()].map((state) => this.view(state, limit));
  }

  /** task gives one task's state, or undefined when the runbook has no such task. */
  task(taskId: string, limit = 20): MaintenanceTaskState | undefined {
    const state = this.states.get(taskId);
    return state ? this.view(state, limit) : undefined;
  }

  private view(state: State, limit: number): MaintenanceTaskState {
    return {
      task: state.task,
      ...(state.next === undefined ? {} : { nextDueAt: state.next }),
      ...(state.running ? { runningId: state.running.id } : {}),
      ...(state.problem === undefined ? {} : { problem: state.problem }),
      runs: this.context.store.maintenance.runs({ task: state.task.id, limit }),
    };
  }

  private track(state: State, started: StartedRun): void {
    const done = started.done.finally(() => {
      state.running = undefined;
      // The schedule may have come due while the run went on.
      this.loop.wake();
    });
    state.running = { id: started.run.id, done };
  }

  private async work(): Promise<number | undefined> {
    const now = this.context.clock.now();
    let wakeAt: number | undefined;
    for (const state of this.states.values()) {
      const { schedule } = state;
      if (!schedule || state.next === undefined) continue;
      // A task's own run wakes the loop when it ends; until then its due time waits for it.
      if (state.running) continue;
      if (state.next <= now) this.fire(state, schedule, now);
      if (state.next !== undefined && !state.running) wakeAt = Math.min(wakeAt ?? state.next, state.next);
    }
    return wakeAt;
  }

  /**
   * fire acts on the occurrences of a task due by `now`: the latest runs when it is within its
   * grace, and every one past its grace is recorded missed; earlier ones within grace are covered by
   * the run of the latest.
   */
  private fire(state: State, schedule: TaskSchedule, now: number): void {
    const { due, more } = schedule.between(state.next! - 1, now);
    state.next = schedule.next(now);
    const grace = graceOf(state.task);
    const late = due.filter((at) => now > at + grace);
    if (late.length > 0) recordMissed(this.context, state.task, late, more);
    const latest = due.at(-1);
    if (latest === undefined || now > latest + grace || this.abort.signal.aborted) return;
    const started = startRun(
      this.context,
      state.task,
      { dueAt: latest, trigger: 'schedule' },
      this.abort.signal,
    );
    // Undefined: this due time was claimed before (it ran before a restart); nothing more to do.
    if (started) this.track(state, started);
  }
}
