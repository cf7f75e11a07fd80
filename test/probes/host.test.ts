/**
 * The host probe against this machine's own /proc and `os` figures.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { describe, it } from 'node:test';
import { hostProbe } from '../../src/probes/host.ts';

const linux = process.platform === 'linux';

function observe(probe = hostProbe()) {
  return probe.run({ target: 'ignored', timeout: 1000 }, new AbortController().signal);
}

async function meminfo(field: string): Promise<number> {
  const text = await readFile('/proc/meminfo', 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  assert.ok(match?.[1], `no ${field} in /proc/meminfo`);
  return Number(match[1]) * 1024;
}

describe('host probe', () => {
  it('reports load averages and load per CPU as /proc/loadavg and the CPU count give them', async () => {
    const seen = await observe();
    assert.equal(seen.ok, true, seen.error);
    const v = seen.values as Record<string, number>;
    assert.equal(v.cpus, os.cpus().length);
    assert.equal(v.value, v.load_per_cpu);
    assert.ok(Math.abs(v.load_per_cpu! - v.load1! / v.cpus!) < 0.001);
    const expected = linux
      ? (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).map(Number)
      : os.loadavg();
    // The kernel refreshes the averages every 5 s; one refresh may fall between the two readings.
    for (const [i, name] of ['load1', 'load5', 'load15'].entries()) {
      assert.ok(Math.abs(v[name]! - expected[i]!) < 0.5, `${name} ${v[name]} vs ${expected[i]}`);
    }
  });

  it('reports memory from MemAvailable and MemTotal', { skip: !linux }, async () => {
    const [seen, available, total] = await Promise.all([
      observe(),
      meminfo('MemAvailable'),
      meminfo('MemTotal'),
    ]);
    assert.equal(seen.ok, true, seen.error);
    const v = seen.values as Record<string, number>;
    assert.equal(v.memory_total_bytes, total);
    // Other processes allocate while the test runs: allow 2% of memory to move.
    assert.ok(
      Math.abs(v.memory_available_bytes! - available) < total / 50,
      `${v.memory_available_bytes} vs ${available}`,
    );
    assert.ok(Math.abs(v.memory_available_percent! - (v.memory_available_bytes! / total) * 100) < 0.01);
    assert.ok(Math.abs(v.memory_available_percent! + v.memory_used_percent! - 100) < 0.02);
    assert.ok(Math.abs(v.uptime_seconds! - os.uptime()) <= 2);
  });

  it('falls back to the OS figures where there is no meminfo', async () => {
    const seen = await observe(hostProbe({ meminfo: '/nonexistent/meminfo' }));
    assert.equal(seen.ok, true, seen.error);
    const v = seen.values as Record<string, number>;
    assert.equal(v.memory_total_bytes, os.totalmem());
    assert.ok(Math.abs(v.memory_available_bytes! - os.freemem()) < os.totalmem() / 50);
  });

  it('gives up when its signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const seen = await hostProbe().run({ target: '', timeout: 1000 }, controller.signal);
    assert.equal(seen.ok, false);
    assert.match(seen.error ?? '', /aborted/);
  });
});
