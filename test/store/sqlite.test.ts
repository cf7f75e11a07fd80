import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { bucketIndex, bucketRange, LATENCY_BOUNDS } from '../../src/store/histogram.ts';
import { TRUNCATED_KEY, VALUES_CAP_BYTES } from '../../src/store/serialize.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { type StoredObservation, StoreError } from '../../src/store/store.ts';
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

function histogramWith(entries: Record<number, number>): number[] {
  const histogram = new Array<number>(LATENCY_BOUNDS.length).fill(0);
  for (const [latency, count] of Object.entries(entries)) histogram[bucketIndex(Number(latency))]! += count;
  return histogram;
}

describe('sqlite store: writing and latest', () => {
  it('buffers appends until flush, then serves the newest observation per check', async () => {
    const store = openSqliteStore(':memory:');
    await store.append([
      { checkId: 'api', at: T0, ok: true, latency: 42, values: { status: 200 } },
      { checkId: 'api', at: T0 + 10 * SECOND, ok: false, latency: 2000, error: 'timeout after 2s' },
      { checkId: 'db', at: T0 + 5 * SECOND, ok: true, latency: 3.5, values: { value: 12 } },
    ]);
    assert.equal((await store.latest()).size, 0, 'reads see flushed rows only');

    await store.flush();
    assert.deepEqual(
      await store.latest(),
      new Map<string, StoredObservation>([
        [
          'api',
          { checkId: 'api', at: T0 + 10 * SECOND, ok: false, latency: 2000, error: 'timeout after 2s' },
        ],
        ['db', { checkId: 'db', at: T0 + 5 * SECOND, ok: true, latency: 3.5, values: { value: 12 } }],
      ]),
    );
    assert.deepEqual([...(await store.latest(['db', 'unknown'])).keys()], ['db']);
    await store.close();
  });

  it('keeps the newest observation as latest when an older one arrives late', async () => {
    const store = openSqliteStore(':memory:');
    await store.append([{ checkId: 'api', at: T0 + MINUTE, ok: true, latency: 10 }]);
    await store.flush();
    await store.append([{ checkId: 'api', at: T0, ok: false, latency: 10, error: 'late' }]);
    await store.flush();
    assert.equal((await store.latest()).get('api')?.at, T0 + MINUTE);
    assert.equal((await store.range('api', T0, T0 + HOUR)).length, 2);
    await store.close();
  });

  it('writes on its own once the buffer reaches the batch size', async () => {
    const store = openSqliteStore(':memory:', { batchSize: 3 });
    await store.append([
      { checkId: 'a', at: T0, ok: true, latency: 1 },
      { checkId: 'b', at: T0, ok: true, latency: 1 },
    ]);
    assert.equal((await store.latest()).size, 0);
    await store.append([{ checkId: 'c', at: T0, ok: true, latency: 1 }]);
    assert.equal((await store.latest()).size, 3);
    await store.close();
  });

  it('refuses malformed observations and use after close', async () => {
    const store = openSqliteStore(':memory:');
    assert.throws(() => store.append([{ checkId: '', at: T0, ok: true, latency: 1 }]), TypeError);
    assert.throws(() => store.append([{ checkId: 'a', at: Number.NaN, ok: true, latency: 1 }]), TypeError);
    assert.throws(() => store.append([{ checkId: 'a', at: T0, ok: true, latency: -1 }]), TypeError);
    await store.close();
    assert.throws(() => store.append([{ checkId: 'a', at: T0, ok: true, latency: 1 }]), /closed/);
    await assert.rejects(store.latest(), /closed/);
  });

  it('truncates values over 16 KB, keeping the small entries and a marker', async () => {
    const store = openSqliteStore(':memory:');
    const body = { rows: Array.from({ length: 3000 }, (_, i) => ({ id: i, label: `row ${i}` })) };
    await store.append([{ checkId: 'api', at: T0, ok: true, latency: 80, values: { status: 200, body } }]);
    await store.flush();
    const [stored] = await store.range('api', T0, T0 + 1);
    assert.equal(stored?.values?.status, 200);
    assert.equal(stored?.values?.body, undefined);
    assert.deepEqual((stored?.values?.[TRUNCATED_KEY] as { dropped: string[] } | undefined)?.dropped, [
      'body',
    ]);
    assert.ok(Buffer.byteLength(JSON.stringify(stored?.values)) <= VALUES_CAP_BYTES);
    await store.close();
  });
});

describe('sqlite store: range', () => {
  it('returns raw rows oldest first over a half-open window, whatever the order they came in', async () => {
    const store = openSqliteStore(':memory:');
    const times = [T0 + 30 * SECOND, T0, T0 + 50 * SECOND, T0 + 10 * SECOND];
    await store.append(times.slice(0, 2).map((at) => ({ checkId: 'api', at, ok: true, latency: at - T0 })));
    await store.flush();
    await store.append(times.slice(2).map((at) => ({ checkId: 'api', at, ok: true, latency: at - T0 })));
    await store.append([{ checkId: 'other', at: T0 + 20 * SECOND, ok: true, latency: 1 }]);
    await store.flush();

    const all = await store.range('api', T0, T0 + MINUTE);
    assert.deepEqual(
      all.map((row) => row.at),
      [T0, T0 + 10 * SECOND, T0 + 30 * SECOND, T0 + 50 * SECOND],
    );
    assert.deepEqual(
      (await store.range('api', T0 + 10 * SECOND, T0 + 50 * SECOND)).map((row) => row.latency),
      [10_000, 30_000],
    );
    assert.deepEqual(
      (await store.range('api', T0, T0 + MINUTE, 2)).map((row) => row.at),
      [T0 + 30 * SECOND, T0 + 50 * SECOND],
      'a limit keeps the newest rows, still oldest first',
    );
    assert.deepEqual(await store.range('unknown', T0, T0 + MINUTE), []);
    await store.close();
  });
});

describe('sqlite store: roll-ups', () => {
  it('counts each minute and hour exactly, adding later flushes to existing buckets', async () => {
    const clock = fakeClock(T0 + 2 * HOUR);
    const store = openSqliteStore(':memory:', { now: clock.now });
    const start = T0 + HOUR - 2 * MINUTE; // two minutes before the hour turns
    const observations: StoredObservation[] = [];
    for (let i = 0; i < 24; i++) {
      // Every 10 s for 4 minutes; every fifth fails; latencies cycle 5, 50, 500 ms.
      observations.push({
        checkId: 'api',
        at: start + i * 10 * SECOND,
        ok: i % 5 !== 0,
        latency: [5, 50, 500][i % 3]!,
      });
    }
    await store.append(observations.slice(0, 9));
    await store.flush();
    await store.append(observations.slice(9));
    await store.flush();

    const minutes = await store.rollups('api', 'minute', start, start + 4 * MINUTE);
    assert.deepEqual(
      minutes.map(({ bucket, count, ok, latencySum, latencyMax }) => ({
        bucket,
        count,
        ok,
        latencySum,
        latencyMax,
      })),
      [
        { bucket: start, count: 6, ok: 4, latencySum: 1110, latencyMax: 500 }, // i = 0..5: fails at 0, 5
        { bucket: start + MINUTE, count: 6, ok: 5, latencySum: 1110, latencyMax: 500 }, // fails at 10
        { bucket: start + 2 * MINUTE, count: 6, ok: 5, latencySum: 1110, latencyMax: 500 }, // fails at 15
        { bucket: start + 3 * MINUTE, count: 6, ok: 5, latencySum: 1110, latencyMax: 500 }, // fails at 20
      ],
    );
    assert.deepEqual(minutes[0]!.histogram, histogramWith({ 5: 2, 50: 2, 500: 2 }));

    const hours = await store.rollups('api', 'hour', T0, T0 + 2 * HOUR);
    assert.deepEqual(
      hours.map(({ bucket, count, ok, latencySum, latencyMax, histogram }) => ({
        bucket,
        count,
        ok,
        latencySum,
        latencyMax,
        histogram,
      })),
      [
        {
          bucket: T0,
          count: 12,
          ok: 9,
          latencySum: 2220,
          latencyMax: 500,
          histogram: histogramWith({ 5: 4, 50: 4, 500: 4 }),
        },
        {
          bucket: T0 + HOUR,
          count: 12,
          ok: 10,
          latencySum: 2220,
          latencyMax: 500,
          histogram: histogramWith({ 5: 4, 50: 4, 500: 4 }),
        },
      ],
    );
    assert.deepEqual(await store.rollups('unknown', 'hour', T0, T0 + HOUR), []);
    await store.close();
  });

  it('computes uptime over a window to the minute, from hour and minute roll-ups', async () => {
    const clock = fakeClock(T0 + 6 * HOUR);
    const store = openSqliteStore(':memory:', { now: clock.now });
    const random = seeded(3);
    const observations: StoredObservation[] = [];
    for (let at = T0; at < T0 + 5 * HOUR; at += 30 * SECOND) {
      observations.push({ checkId: 'api', at, ok: random() > 0.1, latency: 20 });
    }
    await store.append(observations);
    await store.flush();

    for (const [from, to] of [
      [T0 + 17 * MINUTE, T0 + 4 * HOUR + 43 * MINUTE],
      [T0, T0 + 5 * HOUR],
      [T0 + HOUR + 5 * MINUTE, T0 + HOUR + 25 * MINUTE],
    ] as const) {
      const inWindow = observations.filter((o) => o.at >= from && o.at < to);
      const expected = inWindow.filter((o) => o.ok).length / inWindow.length;
      assert.equal(await store.uptime('api', from, to), expected);
    }
    assert.equal(await store.uptime('api', T0 + 10 * HOUR, T0 + 11 * HOUR), undefined);
    assert.equal(await store.uptime('unknown', T0, T0 + HOUR), undefined);
    await store.close();
  });

  it('estimates p99 from histograms within the bucket bound of the exact p99 of the raw latencies', async () => {
    const clock = fakeClock(T0 + DAY);
    const store = openSqliteStore(':memory:', { now: clock.now });
    const random = seeded(11);
    const observations: StoredObservation[] = [];
    for (let at = T0; at < T0 + DAY; at += 10 * SECOND) {
      observations.push({ checkId: 'api', at, ok: true, latency: latencyFrom(random, 120) });
    }
    await store.append(observations);
    await store.flush();

    const latencies = (await store.range('api', T0, T0 + DAY)).map((row) => row.latency);
    assert.equal(latencies.length, observations.length);
    const max = Math.max(...latencies);
    for (const p of [50, 90, 99]) {
      const exact = exactPercentile(latencies, p);
      const estimate = (await store.latencyPercentile('api', p, T0, T0 + DAY))!;
      const { lower, upper } = bucketRange(bucketIndex(exact), max);
      assert.ok(
        estimate > lower && estimate <= upper,
        `p${p}: ${estimate} not in (${lower}, ${upper}] with exact ${exact}`,
      );
    }
    await assert.rejects(store.latencyPercentile('api', 0, T0, T0 + DAY), RangeError);
    assert.equal(await store.latencyPercentile('api', 99, T0 + 2 * DAY, T0 + 3 * DAY), undefined);
    await store.close();
  });
});

describe('sqlite store: retention', () => {
  it('prunes raw rows after 2 days, minute roll-ups after 14 and hour roll-ups after 400', async () => {
    const clock = fakeClock(T0);
    const store = openSqliteStore(':memory:', { now: clock.now });
    const ages = [1, 3, 13, 15, 399, 401].map((days) => days * DAY);
    await store.append(ages.map((age) => ({ checkId: 'api', at: T0 - age, ok: true, latency: 5 })));
    await store.append([{ checkId: 'gone', at: T0 - 401 * DAY, ok: true, latency: 5 }]);
    await store.flush();

    await store.prune();
    const ageOf = (at: number): number => (T0 - at) / DAY;
    assert.deepEqual(
      (await store.range('api', 0, T0)).map((row) => ageOf(row.at)).sort((a, b) => a - b),
      [1],
    );
    assert.deepEqual(
      (await store.rollups('api', 'minute', 0, T0)).map((row) => ageOf(row.bucket)).sort((a, b) => a - b),
      [1, 3, 13],
    );
    assert.deepEqual(
      (await store.rollups('api', 'hour', 0, T0)).map((row) => ageOf(row.bucket)).sort((a, b) => a - b),
      [1, 3, 13, 15, 399],
    );
    assert.deepEqual(
      [...(await store.latest()).keys()],
      ['api'],
      'a check silent past every retention is forgotten',
    );

    // Time passes: what was kept expires in turn, and an explicit `now` overrides the clock.
    clock.set(T0 + 2 * DAY);
    await store.prune();
    assert.deepEqual(await store.range('api', 0, T0 + 2 * DAY), []);
    await store.prune(T0 + 400 * DAY);
    assert.deepEqual(await store.rollups('api', 'hour', 0, T0), []);
    await store.close();
  });

  it('honours configured retention', async () => {
    const store = openSqliteStore(':memory:', {
      now: () => T0,
      rawRetentionMs: HOUR,
      minuteRetentionMs: 2 * HOUR,
      hourRetentionMs: 3 * HOUR,
    });
    await store.append(
      [HOUR + MINUTE, 2 * HOUR + MINUTE, 3 * HOUR + MINUTE].map((age) => ({
        checkId: 'api',
        at: T0 - age,
        ok: true,
        latency: 5,
      })),
    );
    await store.flush();
    await store.prune();
    assert.equal((await store.range('api', 0, T0)).length, 0);
    assert.equal((await store.rollups('api', 'minute', 0, T0)).length, 1);
    assert.equal((await store.rollups('api', 'hour', 0, T0)).length, 2);
    await store.close();
    assert.throws(() => openSqliteStore(':memory:', { rawRetentionMs: 0 }), RangeError);
  });
});

describe('sqlite store: durability', () => {
  it('keeps what was flushed when the process dies without closing the store', () => {
    const path = join(dir, 'crash.sqlite');
    const storeModule = new URL('../../src/store/sqlite.ts', import.meta.url).href;
    const script = `
      import { openSqliteStore } from ${JSON.stringify(storeModule)};
      const store = openSqliteStore(${JSON.stringify(path)});
      const flushed = Array.from({ length: 100 }, (_, i) => ({ checkId: 'api', at: ${T0} + i * 1000, ok: true, latency: 5 }));
      await store.append(flushed);
      await store.flush();
      await store.append([{ checkId: 'api', at: ${T0 + HOUR}, ok: true, latency: 5 }]);
      process.kill(process.pid, 'SIGKILL');
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '--no-warnings', '-e', script], {
      encoding: 'utf8',
    });
    assert.equal(child.signal, 'SIGKILL', child.stderr);
    return (async () => {
      const store = openSqliteStore(path);
      assert.equal(
        (await store.range('api', T0, T0 + 2 * HOUR)).length,
        100,
        'flushed rows survive, buffered ones do not',
      );
      assert.equal(
        (await store.rollups('api', 'minute', T0, T0 + HOUR)).reduce((sum, row) => sum + row.count, 0),
        100,
      );
      assert.equal((await store.latest()).get('api')?.at, T0 + 99_000);
      await store.close();
    })();
  });

  it('keeps rows buffered when a write fails, and writes them on the next flush', async () => {
    const path = join(dir, 'locked.sqlite');
    const store = openSqliteStore(path, { batchSize: 2, busyTimeoutMs: 10 });
    const blocker = new DatabaseSync(path);
    blocker.exec('BEGIN IMMEDIATE'); // another writer holds the lock

    // Reaching the batch size tries a write; append itself does not fail.
    await store.append([
      { checkId: 'api', at: T0, ok: true, latency: 5 },
      { checkId: 'api', at: T0 + SECOND, ok: true, latency: 5 },
    ]);
    await assert.rejects(
      store.flush(),
      (error: unknown) =>
        error instanceof StoreError &&
        error.code === 'STORE_WRITE_FAILED' &&
        /2 observations/.test(error.message),
    );

    blocker.exec('ROLLBACK');
    blocker.close();
    await store.flush();
    assert.equal((await store.range('api', T0, T0 + MINUTE)).length, 2);
    await store.close();
  });

  it('flushes the buffer on close', async () => {
    const path = join(dir, 'close.sqlite');
    const store = openSqliteStore(path);
    await store.append([{ checkId: 'api', at: T0, ok: true, latency: 5 }]);
    await store.close();
    await store.close();
    const reopened = openSqliteStore(path);
    assert.equal((await reopened.latest()).get('api')?.at, T0);
    await reopened.close();
  });
});
