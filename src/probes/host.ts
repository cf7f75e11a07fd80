/**
 * The `host` probe: load and memory of the machine Vigie runs on, the two numbers a runbook's
 * "is the box itself struggling?" question needs before anyone blames the database.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { elapsed, failure, type Observation, type Probe, type ProbeTarget } from './probe.ts';

/** HostProbeOptions lets a test point the probe at another meminfo file. */
export interface HostProbeOptions {
  /** Where Linux publishes memory figures; `/proc/meminfo` when absent. */
  readonly meminfo?: string;
}

/**
 * hostProbe observes the local host (the target is ignored): `load1`, `load5`, `load15`,
 * `load_per_cpu` (also `value`), `cpus`, `memory_available_bytes`, `memory_total_bytes`,
 * `memory_available_percent`, `memory_used_percent` and `uptime_seconds`.
 */
export function hostProbe(options: HostProbeOptions = {}): Probe {
  const meminfoPath = options.meminfo ?? '/proc/meminfo';
  return {
    kind: 'host',
    async run(_target: ProbeTarget, signal: AbortSignal): Promise<Observation> {
      const start = performance.now();
      try {
        const memory = await readMemory(meminfoPath, signal);
        const [load1 = 0, load5 = 0, load15 = 0] = os.loadavg();
        // Load average counts runnable tasks across the whole machine, so it is divided by every
        // CPU the kernel schedules on, not by the share a cpuset grants this process.
        const cpus = os.cpus().length || os.availableParallelism();
        const loadPerCpu = round(load1 / cpus, 3);
        const availablePercent = memory.total === 0 ? 0 : round((memory.available / memory.total) * 100, 2);
        return {
          ok: true,
          latency: elapsed(start),
          values: {
            value: loadPerCpu,
            load1,
            load5,
            load15,
            load_per_cpu: loadPerCpu,
            cpus,
            memory_available_bytes: memory.available,
            memory_total_bytes: memory.total,
            memory_available_percent: availablePercent,
            memory_used_percent: round(100 - availablePercent, 2),
            uptime_seconds: Math.round(os.uptime()),
          },
        };
      } catch (error) {
        return failure(start, error);
      }
    },
  };
}

/**
 * MemAvailable is the kernel's estimate of what can be allocated without swapping, page cache
 * included; free memory alone reads as "almost full" on any healthy Linux box with a warm cache.
 */
async function readMemory(path: string, signal: AbortSignal): Promise<{ available: number; total: number }> {
  let text = '';
  try {
    text = await readFile(path, { encoding: 'utf8', signal });
  } catch (error) {
    if (signal.aborted) throw new Error(`aborted while reading ${path}`, { cause: error });
    // Not Linux (or no /proc in this container): the OS's own figures are the best left.
  }
  const available = meminfoBytes(text, 'MemAvailable') ?? os.freemem();
  const total = meminfoBytes(text, 'MemTotal') ?? os.totalmem();
  return { available, total };
}

function meminfoBytes(meminfo: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s*kB`, 'm').exec(meminfo);
  return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
}

function round(n: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(n * scale) / scale;
}
