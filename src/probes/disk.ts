/**
 * The `disk` probe: how full the file system holding a path is, counted the way `df` counts it so
 * the number a check alerts on is the number an operator sees when they log in and type `df`.
 */
import { statfs } from 'node:fs/promises';
import { elapsed, failure, type Observation, type Probe, type ProbeTarget } from './probe.ts';

/**
 * diskProbe reports how full the file system holding `target.target` is: `used_percent` (also
 * `value`, 0–100), `free_bytes` (what a non-root user can still write, df's "Available"),
 * `used_bytes` and `total_bytes`.
 */
export function diskProbe(): Probe {
  return {
    kind: 'disk',
    async run(target: ProbeTarget, signal: AbortSignal): Promise<Observation> {
      const start = performance.now();
      const path = target.target.trim();
      if (path === '')
        return failure(start, 'disk probe has no path: set `target` to a path on the file system');
      if (signal.aborted) return failure(start, `aborted before reading the file system of ${path}`);
      try {
        const fs = await statfs(path);
        // Blocks reserved for root are neither used nor available to users; df leaves them out of
        // the percentage, so a disk shows 100% when users can no longer write, not at 95%.
        const used = (fs.blocks - fs.bfree) * fs.bsize;
        const available = fs.bavail * fs.bsize;
        const seen = used + available;
        // Pseudo file systems (proc, sysfs) report zero blocks: empty, not NaN.
        const usedPercent = seen === 0 ? 0 : round2((used / seen) * 100);
        return {
          ok: true,
          latency: elapsed(start),
          values: {
            value: usedPercent,
            used_percent: usedPercent,
            free_bytes: available,
            used_bytes: used,
            total_bytes: fs.blocks * fs.bsize,
          },
        };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return failure(start, `cannot read the file system of ${path}: ${message}`);
      }
    },
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
