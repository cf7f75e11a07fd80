/**
 * The queue probe: how many jobs wait, run, failed or are delayed in a BullMQ, RQ or Celery queue,
 * read straight from the Redis keys each system keeps (one pipeline, no queue library), so watching a
 * queue never registers a worker, moves a job or needs the application's code.
 *
 * Where each system keeps its jobs, and how a target names the queue:
 * - BullMQ: `<prefix>:<name>:wait|paused|prioritized|active|delayed|failed|completed`. A target
 *   without a colon is a queue name under the default prefix (`emails` → `bull:emails`); BullMQ
 *   forbids colons in queue names, so a target with one is the whole key base, custom prefix
 *   included (`bull:emails`, `myapp:emails`).
 * - RQ: the list `rq:queue:<name>` and the registries `rq:wip:<name>` (started), `rq:scheduled:<name>`,
 *   `rq:failed:<name>`, `rq:deferred:<name>` and `rq:finished:<name>` (sorted sets). The target is the
 *   name or the queue's key (`default`, `rq:queue:default`); text before `rq:queue:` is a key prefix
 *   kept on every key. RQ before 1.0 kept failed jobs in a queue named `failed`: watch it as one.
 * - Celery (Redis broker): the list named after the queue (`celery` when the target is empty) plus
 *   one list per priority step (`<queue>\x06\x16<3|6|9>`); delivered but unacknowledged messages sit
 *   in the broker-wide hash `unacked`. Text up to the target's last colon is kombu's
 *   `global_keyprefix` and prefixes `unacked` too. Celery keeps no failed or delayed jobs in the
 *   broker, so those values are absent rather than a misleading 0.
 */
import type { ChainableCommander } from 'ioredis';
import { elapsed, failure, type Probe, type ProbeTarget } from './probe.ts';
import { redisClients } from './redis.ts';

/** QueueSystem names the job systems whose Redis layout the queue probe knows. */
export type QueueSystem = NonNullable<ProbeTarget['queue']>;

/** Count is one Redis read that counts jobs: the length of a list or sorted set, or the size of a hash. */
export interface Count {
  readonly command: 'llen' | 'zcard' | 'hlen';
  readonly key: string;
}

/** QueueLayout maps each value the probe reports (`waiting`, `active`, …) to the counts that add up to it. */
export type QueueLayout = Readonly<Record<string, readonly Count[]>>;

// kombu's separator between a queue name and its priority step, and the steps it creates by default.
const CELERY_PRIORITY_SEPARATOR = '\x06\x16';
const CELERY_PRIORITY_STEPS = [3, 6, 9];

const list = (key: string): Count => ({ command: 'llen', key });
const zset = (key: string): Count => ({ command: 'zcard', key });
const hash = (key: string): Count => ({ command: 'hlen', key });

/** queueLayout says where the jobs of the queue `target` live for `system`, or throws when the target names no queue. */
export function queueLayout(system: QueueSystem, target: string): QueueLayout {
  const name = target.trim();
  if (system === 'celery') {
    const queue = name || 'celery';
    const prefix = queue.slice(0, queue.lastIndexOf(':') + 1);
    const steps = CELERY_PRIORITY_STEPS.map((step) => list(`${queue}${CELERY_PRIORITY_SEPARATOR}${step}`));
    return { waiting: [list(queue), ...steps], active: [hash(`${prefix}unacked`)] };
  }
  if (!name) {
    throw new Error(
      `name the ${system} queue to watch, for example ${system === 'rq' ? 'default' : 'emails'}`,
    );
  }
  if (system === 'rq') {
    const match = /^(.*)rq:queue:(.+)$/.exec(name);
    const [prefix, queue] = match ? [match[1], match[2]] : ['', name];
    const key = (kind: string): string => `${prefix}rq:${kind}:${queue}`;
    return {
      waiting: [list(key('queue'))],
      active: [zset(key('wip'))],
      delayed: [zset(key('scheduled'))],
      failed: [zset(key('failed'))],
      deferred: [zset(key('deferred'))],
      completed: [zset(key('finished'))],
    };
  }
  const base = name.includes(':') ? name : `bull:${name}`;
  return {
    // A paused queue keeps its waiting jobs in `paused`; jobs with a priority wait in `prioritized`.
    waiting: [list(`${base}:wait`), list(`${base}:paused`), zset(`${base}:prioritized`)],
    active: [list(`${base}:active`)],
    delayed: [zset(`${base}:delayed`)],
    failed: [zset(`${base}:failed`)],
    completed: [zset(`${base}:completed`)],
  };
}

/**
 * queueProbe observes the queue `target.target` of the system `target.queue` (BullMQ when absent) in
 * the Redis at `target.connection`; values: `waiting` (also as `wait` and `depth`), `active`,
 * `delayed`, `failed`, `completed` (and RQ's `deferred`) as the system keeps them; `value` is the depth.
 */
export function queueProbe(): Probe {
  const clients = redisClients();
  return {
    kind: 'queue',
    async run(target, signal) {
      const start = performance.now();
      if (!target.connection) {
        return failure(start, 'no Redis to read the queue from: name a service with a redis URL');
      }
      try {
        const system = target.queue ?? 'bullmq';
        const layout = queueLayout(system, target.target);
        const reads = Object.entries(layout).flatMap(([value, counts]) =>
          counts.map((count) => ({ value, ...count })),
        );
        const counts = await clients.use(target.connection, target.timeout, signal, async (client) => {
          const pipeline = reads.reduce<ChainableCommander>(
            (queued, { command, key }) => queued[command](key),
            client.pipeline(),
          );
          const replies = (await pipeline.exec()) ?? [];
          return replies.map(([error, reply], index) => {
            // WRONGTYPE alone would not say which key: name it, since a wrong system is the likely cause.
            if (error) throw new Error(`${reads[index]?.key}: ${error.message}; is it a ${system} queue?`);
            return Number(reply);
          });
        });
        const values: Record<string, number> = {};
        reads.forEach(({ value }, index) => {
          values[value] = (values[value] ?? 0) + (counts[index] ?? 0);
        });
        const depth = values.waiting ?? 0;
        return { ok: true, latency: elapsed(start), values: { ...values, wait: depth, depth, value: depth } };
      } catch (error) {
        return failure(start, error);
      }
    },
    close: () => clients.close(),
  };
}
