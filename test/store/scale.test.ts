import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bucketIndex, bucketRange } from '../../src/store/histogram.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { StoredObservation } from '../../src/store/store.ts';
import {
  DAY,
  exactPercentile,
  fakeClock,
  HOUR,
  latencyFrom,
  MINUTE,
  SECOND,
  scratchDir,
  seeded,
  T0,
} from './support.ts';

const dir = scratchDir();

describe('sqlite store at scale', () => {
  it('takes 1,000,000 observations of 10,000 checks in flushes of 1,000', async () => {
    const checks = Array.from({ length: 10_000 }, (_, i) => `service-${i % 100}.check-${i}`);
    const clock = fakeClock(T0);
    const store = openSqliteStore(join(dir, 'million.sqlite'), { now: clock.now });
    // Each check every 10 s, flushed each second: 1,000 observations per flush, like `vigie serve`.
    for (let flush = 0; flush < 1000; flush++) {
      const batch: StoredObservation[] = [];
      for (let k = 0; k < 1000; k++) {
        const n = flush * 1000 + k;
        const at = T0 + Math.floor(n / 10_000) * 10 * SECOND + (n % 1000);
        batch.push({
          checkId: checks[n % 10_000]!,
          at,
          ok: n % 97 !== 0,
          latency: 1 + (n % 400),
          values: { status: 200 },
        });
      }
      await store.append(batch);
      clock.set(T0 + flush * SECOND);
      await store.flush();
    }

    const latest = await store.latest();
    assert.equal(latest.size, 10_000);
    assert.equal(latest.get(checks[0]!)?.at, T0 + 99 * 10 * SECOND);
    assert.equal((await store.range(checks[1234]!, T0, T0 + HOUR)).length, 100);
    const minutes = await store.rollups(checks[1234]!, 'minute', T0, T0 + HOUR);
    assert.equal(
      minutes.reduce((sum, row) => sum + row.count, 0),
      100,
    );
    assert.equal(minutes.length, Math.ceil((100 * 10 * SECOND) / MINUTE));
    await store.close();
  });

  it('answers a 30-day p99 from 720 hour roll-ups with the right figure', async () => {
    const now = T0 + 30 * DAY;
    const store = openSqliteStore(join(dir, 'thirty-days.sqlite'), { now: () => now });
    const random = seeded(30);
    const latencies: number[] = [];
    let batch: StoredObservation[] = [];
    // One check every 5 minutes for 30 days, with a slow day in the middle to give p99 a shape.
    for (let at = T0; at < now; at += 5 * MINUTE) {
      const slow = at >= T0 + 14 * DAY && at < T0 + 15 * DAY;
      const latency = latencyFrom(random, slow ? 900 : 85);
      latencies.push(latency);
      batch.push({ checkId: 'checkout', at, ok: latency < 2000, latency });
      if (batch.length === 1000) {
        await store.append(batch);
        await store.flush();
        batch = [];
      }
    }
    await store.append(batch);
    await store.flush();

    assert.equal((await store.rollups('checkout', 'hour', now - 30 * DAY, now)).length, 720);
    const exact = exactPercentile(latencies, 99);
    const estimate = await store.latencyPercentile('checkout', 99, now - 30 * DAY, now);
    const { lower, upper } = bucketRange(bucketIndex(exact), Math.max(...latencies));
    assert.ok(
      estimate !== undefined && estimate > lower && estimate <= upper,
      `p99 ${estimate} vs exact ${exact}`,
    );
    assert.equal(
      await store.uptime('checkout', now - 30 * DAY, now),
      latencies.filter((latency) => latency < 2000).length / latencies.length,
    );
    await store.close();
  });
});
