import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import type { ProbeTarget } from '../../src/probes/probe.ts';
import { redisProbe } from '../../src/probes/redis.ts';
import { freshRedis } from '../support/services.ts';

test('redis probe', async (t) => {
  const redis = await freshRedis(t);
  if (!redis) return;
  const { prefix } = redis;
  const writer = new Redis(redis.url);
  await writer
    .multi()
    .rpush(`${prefix}jobs`, 'a', 'b', 'c')
    .sadd(`${prefix}members`, 'x', 'y')
    .zadd(`${prefix}ranks`, 1, 'x')
    .hset(`${prefix}user`, { name: 'ada', role: 'admin' })
    .set(`${prefix}greeting`, 'hello')
    .exec();
  const probe = redisProbe();
  t.after(async () => {
    await probe.close?.();
    writer.disconnect();
    await redis.clean();
  });
  const check = (target: Omit<ProbeTarget, 'target' | 'timeout'> = {}) =>
    probe.run({ target: redis.url, timeout: 3000, ...target }, AbortSignal.timeout(3000));

  await t.test('answers PING and reads INFO', async () => {
    const seen = await check();
    assert.equal(seen.ok, true, seen.error);
    assert.equal(seen.values.pong, true);
    assert.equal(seen.values.output, 'PONG');
    assert.ok((seen.values.used_memory as number) > 0);
    assert.equal(typeof seen.values.maxmemory, 'number');
    assert.ok((seen.values.connected_clients as number) >= 1);
    assert.equal(typeof seen.values.evicted_keys, 'number');
    assert.ok((seen.values.keys as number) >= 5);
    assert.equal(seen.values.value, seen.values.keys);
    if (seen.values.maxmemory === 0) assert.equal(seen.values.memory_used_percent, undefined);
    else assert.equal(typeof seen.values.memory_used_percent, 'number');
  });

  await t.test('gives the length of a list as value', async () => {
    const seen = await check({ key: `${prefix}jobs` });
    assert.equal(seen.ok, true, seen.error);
    assert.equal(seen.values.type, 'list');
    assert.equal(seen.values.exists, true);
    assert.equal(seen.values.length, 3);
    assert.equal(seen.values.value, 3);
  });

  await t.test('measures each kind of key by its own command', async () => {
    const lengths: Record<string, number> = { members: 2, ranks: 1, user: 2, greeting: 5 };
    for (const [key, length] of Object.entries(lengths)) {
      const seen = await check({ key: `${prefix}${key}` });
      assert.equal(seen.values.length, length, key);
    }
  });

  await t.test('a missing key has length 0 and does not exist', async () => {
    const seen = await check({ key: `${prefix}nothing-here` });
    assert.equal(seen.ok, true, seen.error);
    assert.equal(seen.values.exists, false);
    assert.equal(seen.values.length, 0);
    assert.equal(seen.values.value, 0);
  });
});

test('redis probe: an unreachable server fails fast, then the next run tries again', async () => {
  const probe = redisProbe();
  for (let attempt = 0; attempt < 2; attempt++) {
    const started = performance.now();
    const seen = await probe.run({ target: 'redis://127.0.0.1:1', timeout: 3000 }, AbortSignal.timeout(3000));
    assert.equal(seen.ok, false);
    assert.match(seen.error ?? '', /cannot connect to redis:\/\/127\.0\.0\.1:1: connect ECONNREFUSED/);
    assert.ok(performance.now() - started < 1000);
  }
  await probe.close?.();
});

test('redis probe: a server that never answers is cut at the timeout', async () => {
  const sockets: Socket[] = [];
  const silent = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as { port: number };
  const probe = redisProbe();
  try {
    const seen = await probe.run(
      { target: `redis://127.0.0.1:${port}`, timeout: 300 },
      AbortSignal.timeout(300),
    );
    assert.equal(seen.ok, false);
    assert.match(seen.error ?? '', /timed out after 300ms while connecting/);
    assert.ok(seen.latency < 600, `took ${seen.latency} ms`);
  } finally {
    await probe.close?.();
    for (const socket of sockets) socket.destroy();
    silent.close();
  }
});

test('redis probe: the password never reaches the error', async () => {
  const probe = redisProbe();
  const seen = await probe.run(
    { target: 'redis://:secret@127.0.0.1:1/0', timeout: 3000 },
    AbortSignal.timeout(3000),
  );
  assert.equal(seen.ok, false);
  assert.doesNotMatch(seen.error ?? '', /secret/);
  assert.match(seen.error ?? '', /redis:\/\/:\*\*\*\*@127\.0\.0\.1:1\/0/);
  await probe.close?.();
});

test('redis probe: a target that is not a Redis URL says how to write one', async () => {
  const probe = redisProbe();
  const seen = await probe.run({ target: 'cache:6379', timeout: 1000 }, AbortSignal.timeout(1000));
  assert.equal(seen.ok, false);
  assert.match(seen.error ?? '', /write it like redis:\/\/host:6379\/0/);
  await probe.close?.();
});
