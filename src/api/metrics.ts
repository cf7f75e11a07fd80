/**
 * `/metrics` in Prometheus's text format (prom-client): checks run and failed, scheduler lag, checks
 * and incidents by state, outbox depth and notification failures. Gauges are read when scraped, from
 * the board, the stores and the scheduler, so nothing has to be kept in step.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { CheckBoard } from '../engine/board.ts';
import type { SchedulerStats } from '../engine/scheduler.ts';
import type { IncidentStore } from '../store/incidents.ts';

/** Metrics is Vigie's registry and the counters the engine and the pipeline feed. */
export interface Metrics {
  readonly registry: Registry;
  checkRun(ok: boolean): void;
  notification(ok: boolean, final: boolean): void;
}

/** createMetrics builds the registry over the live board, store and scheduler stats. */
export function createMetrics(sources: {
  readonly board: CheckBoard;
  readonly store: IncidentStore;
  readonly scheduler: () => SchedulerStats;
}): Metrics {
  const registry = new Registry();
  const runs = new Counter({
    name: 'vigie_checks_run_total',
    help: 'Check runs completed.',
    registers: [registry],
  });
  const failures = new Counter({
    name: 'vigie_check_failures_total',
    help: 'Check runs that failed.',
    registers: [registry],
  });
  const sent = new Counter({
    name: 'vigie_notifications_sent_total',
    help: 'Notifications a channel accepted.',
    registers: [registry],
  });
  const failed = new Counter({
    name: 'vigie_notification_failures_total',
    help: 'Notification attempts that failed, by whether Vigie gave up (dead letter) or will retry.',
    labelNames: ['final'],
    registers: [registry],
  });
  new Gauge({
    name: 'vigie_scheduler_lag_seconds',
    help: 'Scheduling lag (start of a run minus its due time), p99 and max over the recent window.',
    labelNames: ['quantile'],
    registers: [registry],
    collect() {
      const stats = sources.scheduler();
      this.set({ quantile: '0.99' }, stats.lagP99 / 1000);
      this.set({ quantile: '1' }, stats.lagMax / 1000);
    },
  });
  new Gauge({
    name: 'vigie_checks',
    help: 'Checks by state of their last run.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      for (const [state, count] of Object.entries(sources.board.counts())) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'vigie_incidents',
    help: 'Incidents by state.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      for (const [state, count] of Object.entries(sources.store.incidentCounts())) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'vigie_outbox_messages',
    help: 'Notifications in the outbox by state (pending is the depth; dead are dead letters).',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      for (const [state, count] of Object.entries(sources.store.outboxCounts())) this.set({ state }, count);
    },
  });
  return {
    registry,
    checkRun(ok) {
      runs.inc();
      if (!ok) failures.inc();
    },
    notification(ok, final) {
      if (ok) sent.inc();
      else failed.inc({ final: String(final) });
    },
  };
}
