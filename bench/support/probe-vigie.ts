/**
 * Vigie's side of bench/probes.ts, in its own process so only the probing is counted: each check
 * runs through the engine's `runCheck` with `httpProbe()` (conditions parsed once, evaluated per
 * observation), and each result is appended to the embedded SQLite store as the engine does, with a
 * flush every second. It stays up across the bench's slices; for each slice (an IPC message) it
 * reports the checks completed and the CPU time this process spent (process.cpuUsage: every thread,
 * so GC, SQLite and libuv included) between the end of the warm-up and the flush after the last check.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCondition } from '../../src/conditions/index.ts';
import type { CompiledCondition, RunnableCheck } from '../../src/engine/compile.ts';
import { runCheck } from '../../src/engine/run.ts';
import { httpProbe } from '../../src/probes/http.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { drive, type Load } from './load.ts';

/** VigieSetup is what one worker process probes, and how (as JSON in argv[2]). */
export interface VigieSetup {
  readonly url: string;
  /** A fresh connection per check (`Connection: close`), or the probe's pooled keep-alive connections. */
  readonly fresh: boolean;
  /** Distinct check ids the runs are spread over (what the store rolls up per check). */
  readonly checks: number;
  /** The conditions every check asserts. */
  readonly expect: readonly string[];
  readonly timeoutMs: number;
}

/** VigieSlice is one measurement the bench asks for, by IPC message; `'stop'` ends the worker. */
export interface VigieSlice {
  readonly load: Load;
  /** Unmeasured running before the measurement (JIT, pools). */
  readonly warmupMs: number;
  readonly durationMs: number;
}

/** VigieReport is what the worker answers to a slice. */
export interface VigieReport {
  readonly completed: number;
  readonly passed: number;
  readonly elapsedMs: number;
  readonly skipped: number;
  readonly cpuSeconds: number;
  /** Raw observations of the slice found in the store afterwards (read after the CPU was measured). */
  readonly stored: number;
  /** One failure explanation, when some check failed. */
  readonly sampleFailure?: string;
}

const HARD_BOUND_MS = 170_000;
setTimeout(() => {
  console.error('probe-vigie: hard time bound reached');
  process.exit(2);
}, HARD_BOUND_MS).unref();

const job = JSON.parse(process.argv[2] ?? '{}') as VigieSetup;
const conditions: CompiledCondition[] = job.expect.map((text) => {
  const parsed = parseCondition(text);
  if (!parsed.ok) throw new Error(`bad condition "${text}": ${parsed.error.message}`);
  return { text, condition: parsed.condition };
});
const checks: RunnableCheck[] = Array.from({ length: job.checks }, (_, index) => ({
  id: `api-ready-${index}`,
  name: `API ready ${index}`,
  probe: 'http',
  interval: 10_000,
  target: {
    target: job.url,
    timeout: job.timeoutMs,
    ...(job.fresh ? { headers: { connection: 'close' } } : {}),
  },
  conditions,
}));

const dir = mkdtempSync(join(tmpdir(), 'vigie-bench-probes-'));
const store = openSqliteStore(join(dir, 'bench.sqlite'));
const probe = httpProbe();
let sampleFailure: string | undefined;

/** once is one scheduled run as the engine makes it: runCheck, then append the observation. */
async function once(slot: number): Promise<boolean> {
  const check = checks[slot % checks.length]!;
  const result = await runCheck(check, probe);
  await store.append([
    {
      checkId: check.id,
      at: result.at,
      ok: result.ok,
      latency: result.observation.latency,
      ...(result.failures.length > 0 ? { error: result.failures.join('; ') } : {}),
      values: result.observation.values,
    },
  ]);
  if (!result.ok) sampleFailure ??= result.failures.join('; ');
  return result.ok;
}

// The engine's flush loop: every second, one transaction for whatever was buffered.
let flushing = Promise.resolve();
let flushTimer: NodeJS.Timeout | undefined;
let stopped = false;
const flushLoop = (): void => {
  if (stopped) return;
  flushTimer = setTimeout(() => {
    flushing = store.flush().catch((error: unknown) => console.error('flush failed:', error));
    void flushing.then(flushLoop);
  }, 1000);
};

/** measure runs one slice: warm-up, then the measured run and the flush that stores its last rows. */
async function measure(slice: VigieSlice): Promise<VigieReport> {
  if (slice.warmupMs > 0) await drive(slice.load, slice.warmupMs, once);
  await flushing;
  await store.flush();
  sampleFailure = undefined;
  const measuredFrom = Date.now();
  const before = process.cpuUsage();
  const driven = await drive(slice.load, slice.durationMs, once);
  await flushing;
  await store.flush();
  const spent = process.cpuUsage(before);
  let stored = 0;
  for (const check of checks)
    stored += (await store.range(check.id, measuredFrom, Date.now() + 60_000)).length;
  return {
    ...driven,
    cpuSeconds: (spent.user + spent.system) / 1e6,
    stored,
    ...(sampleFailure ? { sampleFailure } : {}),
  };
}

async function shutDown(): Promise<void> {
  if (stopped) return;
  stopped = true;
  clearTimeout(flushTimer);
  await flushing;
  await probe.close?.();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  if (process.connected) process.disconnect();
}

// Slices arrive one at a time; the bench waits for each report before sending the next.
let queue = Promise.resolve();
process.on('message', (message: unknown) => {
  queue = queue.then(async () => {
    if (message === 'stop') return shutDown();
    try {
      process.send?.(await measure(message as VigieSlice));
    } catch (error) {
      console.error('probe-vigie:', error);
      process.exitCode = 1;
      await shutDown();
    }
  });
});
process.on('disconnect', () => void shutDown());
flushLoop();
process.send?.('ready');
