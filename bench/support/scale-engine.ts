/**
 * Vigie's engine for bench/scale.ts, in a process of its own so its resident memory and CPU time are
 * its own. It builds a runbook object in code (`checks` HTTP checks spread over the target's URLs,
 * validated by the runbook schema as a loaded file would be), opens the on-disk SQLite store and
 * starts the engine exactly as `vigie serve` does (concurrency 64, flush every second, the schedule
 * resumed from each check's last run in the store).
 *
 * IPC, parent → child: `'sample'` (answered with a ScaleSample), `'stop'` (an orderly stop, answered
 * with `{ type: 'stopped' }`). Child → parent: `{ type: 'started' }` with start-up timings, then once
 * `{ type: 'all-ran' }` when every check has completed a run in this process. The bench ends this
 * process with SIGKILL to simulate a crash; a lost parent or the hard bound also end it.
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { startEngine } from '../../src/engine/engine.ts';
import type { SchedulerStats } from '../../src/engine/scheduler.ts';
import { Runbook } from '../../src/runbook/schema.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { ObservationStore } from '../../src/store/store.ts';

/** ScaleEngineSetup is what the engine process runs (as JSON in argv[2]). */
export interface ScaleEngineSetup {
  readonly storePath: string;
  /** The target URLs; check i probes urls[i % urls.length]. */
  readonly urls: readonly string[];
  readonly checks: number;
  readonly every: string;
  readonly expect: readonly string[];
  readonly hardBoundMs: number;
}

/** ScaleStarted is the first message: how long each start-up step took, in milliseconds. */
export interface ScaleStarted {
  readonly type: 'started';
  /** Epoch ms when this process started (performance.timeOrigin) and when the engine was started. */
  readonly processStart: number;
  readonly engineStarted: number;
  readonly importMs: number;
  readonly schemaMs: number;
  readonly openStoreMs: number;
  /** Reading each check's last run from the store (what a restart resumes from). */
  readonly latestMs: number;
  readonly startEngineMs: number;
  /** The last runs the engine resumed from: [check id, epoch ms]. */
  readonly lastRuns: readonly (readonly [string, number])[];
}

/** ScaleSample answers a `'sample'` message. */
export interface ScaleSample {
  readonly type: 'sample';
  readonly at: number;
  readonly stats: SchedulerStats;
  /** Worst lag p99 and max seen by the 2 s internal sampler since the previous sample (full coverage). */
  readonly worstP99: number;
  readonly worstMax: number;
  readonly completed: number;
  readonly failed: number;
  readonly flushErrors: number;
  readonly sampleFailure?: string;
  readonly heapUsed: number;
  readonly heapTotal: number;
  /** Memory of C++ objects bound to JS ones (buffers included), outside the V8 heap. */
  readonly external: number;
  readonly rss: number;
  /** V8 heap spaces: name → [size, used] in bytes. */
  readonly spaces: Readonly<Record<string, readonly [number, number]>>;
}

const importedAt = performance.now();
const setup = JSON.parse(process.argv[2] ?? '{}') as ScaleEngineSetup;
setTimeout(() => {
  console.error('scale-engine: hard time bound reached');
  process.exit(2);
}, setup.hardBoundMs).unref();

// ---- the runbook, built in code -------------------------------------------------------------------

let mark = performance.now();
const runbook = Runbook.parse({
  name: 'scale bench',
  description: `${setup.checks} HTTP checks on loopback`,
  checks: Array.from({ length: setup.checks }, (_, index) => ({
    id: `check-${String(index).padStart(5, '0')}`,
    name: `Check ${index}`,
    probe: 'http',
    target: setup.urls[index % setup.urls.length]!,
    every: setup.every,
    timeout: '5s',
    expect: [...setup.expect],
  })),
});
const schemaMs = performance.now() - mark;

mark = performance.now();
const inner = openSqliteStore(setup.storePath);
const openStoreMs = performance.now() - mark;

// As `vigie serve` does: after a crash or a restart the schedule resumes from what the store last saw.
mark = performance.now();
const lastRuns = new Map([...(await inner.latest())].map(([id, observation]) => [id, observation.at]));
const latestMs = performance.now() - mark;

// ---- a counting store: every run the engine records passes through append --------------------------

let completed = 0;
let failed = 0;
let flushErrors = 0;
let sampleFailure: string | undefined;
const seen = new Set<string>();
let allRanSent = false;
const store: ObservationStore = {
  append(observations) {
    for (const observation of observations) {
      completed++;
      if (!observation.ok) {
        failed++;
        sampleFailure ??= `${observation.checkId}: ${observation.error ?? 'failed'}`;
      }
      if (!allRanSent) {
        seen.add(observation.checkId);
        if (seen.size === setup.checks) {
          allRanSent = true;
          seen.clear();
          process.send?.({ type: 'all-ran', at: Date.now() });
        }
      }
    }
    return inner.append(observations);
  },
  flush: () => inner.flush(),
  latest: (checkIds) => inner.latest(checkIds),
  range: (checkId, from, to, limit) => inner.range(checkId, from, to, limit),
  rollups: (checkId, resolution, from, to) => inner.rollups(checkId, resolution, from, to),
  uptime: (checkId, from, to) => inner.uptime(checkId, from, to),
  latencyPercentile: (checkId, p, from, to) => inner.latencyPercentile(checkId, p, from, to),
  prune: (now) => inner.prune(now),
  close: () => inner.close(),
};

// ---- the engine, as `vigie serve` starts it --------------------------------------------------------

mark = performance.now();
const engine = startEngine({
  runbook,
  env: {},
  store,
  concurrency: 64,
  lastRuns,
  onError: (message) => {
    flushErrors++;
    console.error(`scale-engine: flush failed: ${message}`);
  },
});
const startEngineMs = performance.now() - mark;
const started: ScaleStarted = {
  type: 'started',
  processStart: performance.timeOrigin,
  engineStarted: Date.now(),
  importMs: importedAt,
  schemaMs,
  openStoreMs,
  latestMs,
  startEngineMs,
  lastRuns: [...lastRuns],
};
process.send?.(started);

// The scheduler keeps the lags of its last 4,096 runs (about 4 s at 1,000 runs/s); looking every 2 s
// means no run's lag escapes the worst-p99 figure, whatever the parent's sampling period.
let worstP99 = 0;
let worstMax = 0;
const sampler = setInterval(() => {
  const stats = engine.stats();
  worstP99 = Math.max(worstP99, stats.lagP99);
  worstMax = Math.max(worstMax, stats.lagMax);
}, 2000);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(sampler);
  await engine.stop();
  await inner.close();
}

process.on('message', (message: unknown) => {
  if (message === 'sample') {
    const stats = engine.stats();
    const memory = process.memoryUsage();
    const sample: ScaleSample = {
      type: 'sample',
      at: Date.now(),
      stats,
      worstP99: Math.max(worstP99, stats.lagP99),
      worstMax: Math.max(worstMax, stats.lagMax),
      completed,
      failed,
      flushErrors,
      ...(sampleFailure ? { sampleFailure } : {}),
      heapUsed: memory.heapUsed,
      heapTotal: memory.heapTotal,
      external: memory.external,
      rss: memory.rss,
      spaces: Object.fromEntries(
        getHeapSpaceStatistics().map((space) => [
          space.space_name,
          [space.space_size, space.space_used_size],
        ]),
      ),
    };
    worstP99 = 0;
    worstMax = 0;
    process.send?.(sample);
  } else if (message === 'stop') {
    void stop().then(
      () => {
        process.send?.({ type: 'stopped' }, () => process.disconnect());
      },
      (error: unknown) => {
        console.error('scale-engine: stop failed:', error);
        process.exit(1);
      },
    );
  }
});
process.on('disconnect', () => {
  if (!stopping) void stop().finally(() => process.exit(0));
});
