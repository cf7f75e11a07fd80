/**
 * The redis executor against the machine's Redis, on keys under this file's own prefix.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import {
  createExecutors,
  type Executors,
  type StepInput,
  type StepRequest,
} from '../../src/actions/index.ts';
import { formatReply, readProblem } from '../../src/actions/redis.ts';
import { freshRedis, type TestRedis } from '../support/services.ts';

describe('redis executor on Redis', () => {
  let redis: TestRedis | undefined;
  let client: Redis;
  let executors: Executors;
  let queue = '';

  before(async (t) => {
    redis = await freshRedis(t as never);
    executors = createExecutors();
    if (!redis) return;
    client = new Redis(redis.url);
    queue = `${redis.prefix}celery`;
    await client.rpush(queue, 'a', 'b', 'c');
    await client.hset(`${redis.prefix}h`, 'state', 'ok');
  });
  after(async () => {
    await executors?.close();
    client?.disconnect();
    await redis?.clean();
  });

  const run = (text: string, extra: Partial<StepRequest> = {}, step: Partial<StepInput> = {}) =>
    executors.runStep(
      {
        step: { run: text, kind: 'redis', risk: 'read', ...step },
        services: { cache: { redis: redis!.url } },
        env: {},
        secrets: [],
        timeoutMs: 5000,
        allowShell: false,
        ...extra,
      },
      new AbortController().signal,
    );

  it('answers PING on the URL of `-u $REDIS_URL`', async (t) => {
    if (!redis) return t.skip('no Redis');
    const outcome = await run('redis-cli -u $REDIS_URL PING', {
      env: { REDIS_URL: redis.url },
      services: {},
    });
    assert.equal(outcome.status, 'ok', outcome.error);
    assert.equal(outcome.output, 'PONG\n');
    assert.equal(outcome.command, 'redis-cli -u $REDIS_URL PING');
  });

  it('gives a list`s length as redis-cli does, on the runbook`s only Redis', async (t) => {
    if (!redis) return t.skip('no Redis');
    const outcome = await run(`redis-cli LLEN ${queue}`);
    assert.equal(outcome.status, 'ok', outcome.error);
    assert.equal(outcome.output, '(integer) 3\n');
    assert.equal((await run(`LRANGE ${queue} 0 -1`)).output, '1) "a"\n2) "b"\n3) "c"\n');
    assert.equal((await run(`HGETALL ${redis.prefix}h`)).output, '1) "state"\n2) "ok"\n');
    assert.equal((await run(`GET ${redis.prefix}missing`)).output, '(nil)\n');
  });

  it('refuses FLUSHDB and CONFIG SET even when labelled read', async (t) => {
    if (!redis) return t.skip('no Redis');
    const flush = await run('redis-cli FLUSHDB');
    assert.equal(flush.status, 'refused');
    assert.match(flush.reason ?? '', /FLUSHDB is not a read command/);
    const config = await run('CONFIG SET maxmemory 1');
    assert.equal(config.status, 'refused');
    assert.match(config.reason ?? '', /CONFIG SET is not a read command/);
    assert.equal(await client.llen(queue), 3);
  });

  it('masks the password given with -a', async (t) => {
    if (!redis) return t.skip('no Redis');
    const outcome = await run('redis-cli -a secretpw --no-auth-warning PING');
    // The test server has no password: it answers, or says a password was not expected.
    assert.ok(outcome.status === 'ok' || outcome.status === 'failed');
    assert.doesNotMatch(JSON.stringify(outcome), /secretpw/);
    assert.equal(outcome.command, 'redis-cli -a **** --no-auth-warning PING');
  });

  it('masks the password of a quoted -a "$REDIS_PASSWORD"', async (t) => {
    if (!redis) return t.skip('no Redis');
    const outcome = await run('redis-cli -a "$REDIS_PASSWORD" info memory', {
      env: { REDIS_PASSWORD: 'from-env-77x' },
    });
    assert.doesNotMatch(JSON.stringify(outcome), /from-env-77x/);
    assert.match(outcome.command, /\$REDIS_PASSWORD/);
  });

  it('lists keys with --scan --pattern', async (t) => {
    if (!redis) return t.skip('no Redis');
    const outcome = await run(`redis-cli --scan --pattern '${redis.prefix}*'`);
    assert.equal(outcome.status, 'ok', outcome.error);
    assert.deepEqual(outcome.output.trim().split('\n').sort(), [queue, `${redis.prefix}h`].sort());
  });

  it('shows a reply error as redis-cli does and fails', async (t) => {
    if (!redis) return t.skip('no Redis');
    const outcome = await run(`LLEN ${redis.prefix}h`);
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.output, /^\(error\) WRONGTYPE/);
  });
});

describe('redis helpers', () => {
  it('allows readers and the reading subcommands only', () => {
    assert.equal(readProblem(['info', 'memory']), undefined);
    assert.equal(readProblem(['SLOWLOG', 'GET', '10']), undefined);
    assert.match(readProblem(['SLOWLOG', 'RESET']) ?? '', /SLOWLOG RESET is not a read command/);
    assert.match(readProblem(['DEL', 'x']) ?? '', /DEL is not a read command/);
    assert.match(readProblem(['CLIENT', 'KILL', 'ID', '3']) ?? '', /CLIENT KILL/);
  });

  it('formats nested arrays, integers and empty arrays', () => {
    assert.equal(formatReply([['a', 1], 'b']), '1) 1) "a"\n   2) (integer) 1\n2) "b"\n');
    assert.equal(formatReply([]), '(empty array)\n');
    assert.equal(formatReply('PONG', true), 'PONG\n');
  });
});
