import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { ProbeTarget } from '../../src/probes/probe.ts';
import { queueLayout, queueProbe } from '../../src/probes/queue.ts';
import { freshRedis } from '../support/services.ts';

test('queue probe', async (t) => {
  const redis = await freshRedis(t);
  if (!redis) return;
  const { prefix } = redis;
  const writer = new Redis(redis.url);
  const probe = queueProbe();
  t.after(async () => {
    await probe.close?.();
    writer.disconnect();
    await redis.clean();
  });
  const check = (target: Omit<ProbeTarget, 'connection' | 'timeout'>) =>
    probe.run({ connection: redis.url, timeout: 3000, ...target }, AbortSignal.timeout(3000));

  await t.test('counts a BullMQ queue filled by bullmq itself', async () => {
    const url = new URL(redis.url);
    const connection = { host: url.hostname, port: Number(url.port || 6379) };
    const options = { connection, prefix: `${prefix}bull` };
    const queue = new Queue('emails', options);
    try {
      await queue.addBulk([
        { name: 'welcome', data: { to: 'a@example.com' } },
        { name: 'welcome', data: { to: 'b@example.com' } },
      ]);
      const failing = new Worker(
        'emails',
        async () => {
          throw new Error('smtp down');
        },
        options,
      );
      await new Promise<void>((resolve) => {
        let failed = 0;
        failing.on('failed', () => {
          if (++failed === 2) resolve();
        });
      });
      await failing.close();
      await queue.addBulk([
        { name: 'digest', data: {} },
        { name: 'digest', data: {} },
        { name: 'digest', data: {} },
        { name: 'urgent', data: {}, opts: { priority: 1 } },
        { name: 'reminder', data: {}, opts: { delay: 60_000 } },
        { name: 'reminder', data: {}, opts: { delay: 120_000 } },
      ]);

      const seen = await check({ target: `${prefix}bull:emails` });
      assert.equal(seen.ok, true, seen.error);
      assert.deepEqual(seen.values, {
        waiting: 4,
        wait: 4,
        depth: 4,
        value: 4,
        active: 0,
        delayed: 2,
        failed: 2,
        completed: 0,
      });
      const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'failed');
      assert.equal(seen.values.waiting, (counts.waiting ?? 0) + (counts.prioritized ?? 0));
      assert.equal(seen.values.failed, counts.failed);

      await queue.pause();
      const paused = await check({ target: `${prefix}bull:emails`, queue: 'bullmq' });
      assert.equal(paused.values.waiting, 4, 'a paused queue still has its jobs waiting');
    } finally {
      await queue.close();
    }
  });

  await t.test('counts an RQ queue and its registries', async () => {
    await writer
      .multi()
      .rpush(`${prefix}rq:queue:default`, 'job-1', 'job-2', 'job-3')
      .zadd(`${prefix}rq:wip:default`, 1, 'job-4')
      .zadd(`${prefix}rq:scheduled:default`, 1, 'job-5', 2, 'job-6')
      .zadd(`${prefix}rq:failed:default`, 1, 'job-7', 2, 'job-8', 3, 'job-9', 4, 'job-10')
      .zadd(`${prefix}rq:finished:default`, 1, 'job-11')
      .exec();
    const seen = await check({ target: `${prefix}rq:queue:default`, queue: 'rq' });
    assert.equal(seen.ok, true, seen.error);
    assert.deepEqual(seen.values, {
      waiting: 3,
      wait: 3,
      depth: 3,
      value: 3,
      active: 1,
      delayed: 2,
      failed: 4,
      deferred: 0,
      completed: 1,
    });
  });

  await t.test('counts a Celery queue with its priority lists and unacked messages', async () => {
    await writer
      .multi()
      .rpush(`${prefix}celery`, 'm1', 'm2', 'm3', 'm4')
      .rpush(`${prefix}celery\x06\x169`, 'm5')
      .hset(`${prefix}unacked`, { tag1: 'm6', tag2: 'm7' })
      .exec();
    const seen = await check({ target: `${prefix}celery`, queue: 'celery' });
    assert.equal(seen.ok, true, seen.error);
    assert.deepEqual(seen.values, { waiting: 5, wait: 5, depth: 5, value: 5, active: 2 });
  });

  await t.test('an empty or unknown queue has depth 0', async () => {
    const seen = await check({ target: `${prefix}bull:nothing` });
    assert.equal(seen.ok, true, seen.error);
    assert.equal(seen.values.depth, 0);
  });

  await t.test('a key of another shape names the key and asks about the system', async () => {
    await writer.set(`${prefix}bull:broken:wait`, 'not a list');
    const seen = await check({ target: `${prefix}bull:broken` });
    assert.equal(seen.ok, false);
    assert.match(seen.error ?? '', /bull:broken:wait: WRONGTYPE .*; is it a bullmq queue\?/);
  });
});

test('queueLayout accepts a queue by name or by key', () => {
  assert.equal(queueLayout('bullmq', 'emails').waiting?.[0]?.key, 'bull:emails:wait');
  assert.equal(queueLayout('bullmq', 'bull:emails').waiting?.[0]?.key, 'bull:emails:wait');
  assert.equal(queueLayout('bullmq', 'myapp:emails').failed?.[0]?.key, 'myapp:emails:failed');
  assert.equal(queueLayout('rq', 'default').waiting?.[0]?.key, 'rq:queue:default');
  assert.equal(queueLayout('rq', 'rq:queue:default').failed?.[0]?.key, 'rq:failed:default');
  assert.equal(queueLayout('rq', 'rq:queue:video').active?.[0]?.key, 'rq:wip:video');
  assert.deepEqual(queueLayout('celery', '').active, [{ command: 'hlen', key: 'unacked' }]);
  assert.equal(queueLayout('celery', 'emails').waiting?.[0]?.key, 'emails');
  assert.throws(() => queueLayout('rq', ' '), /name the rq queue to watch/);
});

test('queue probe: without a Redis service it says so', async () => {
  const probe = queueProbe();
  const seen = await probe.run({ target: 'emails', timeout: 1000 }, AbortSignal.timeout(1000));
  assert.equal(seen.ok, false);
  assert.match(seen.error ?? '', /name a service with a redis URL/);
  await probe.close?.();
});

test('queue probe: an unreachable Redis fails fast with its password masked', async () => {
  const probe = queueProbe();
  const started = performance.now();
  const seen = await probe.run(
    { target: 'emails', connection: 'redis://default:secret@127.0.0.1:1', timeout: 3000 },
    AbortSignal.timeout(3000),
  );
  assert.equal(seen.ok, false);
  assert.match(
    seen.error ?? '',
    /cannot connect to redis:\/\/default:\*\*\*\*@127\.0\.0\.1:1: connect ECONNREFUSED/,
  );
  assert.doesNotMatch(seen.error ?? '', /secret/);
  assert.ok(performance.now() - started < 1000);
  await probe.close?.();
});
