/**
 * Helpers for the store tests: a temporary directory per test file, a fake clock, a seeded random
 * source, and the exact nearest-rank percentile the histogram estimates are compared with.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

/** scratchDir makes a temporary directory removed when the test file ends. */
export function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-store-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** FakeClock is a `now` function whose time moves only when the test sets it. */
export interface FakeClock {
  readonly now: () => number;
  set(time: number): void;
}

/** fakeClock starts a fake clock at `start` (epoch ms). */
export function fakeClock(start: number): FakeClock {
  let time = start;
  return {
    now: () => time,
    set: (next) => {
      time = next;
    },
  };
}

/** seeded gives a deterministic random source in [0, 1) (mulberry32), so failures reproduce. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** latencyFrom draws a log-normal latency (ms, to 0.1 ms) around `median`, like real response times. */
export function latencyFrom(random: () => number, median: number): number {
  const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Math.round(median * Math.exp(0.9 * normal) * 10) / 10;
}

/** exactPercentile is the nearest-rank p-th percentile of `values`. */
export function exactPercentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Time anchors: an hour-aligned instant and unit widths, so bucket arithmetic in tests stays readable. */
export const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
