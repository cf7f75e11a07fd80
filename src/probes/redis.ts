/**
 * The redis probe: PING, the INFO fields the runbooks watch (memory against `maxmemory`, clients,
 * evictions) and the key count in one pipeline, then the length of one key by the command its type
 * calls for. It also holds the connection handling the queue probe shares: one client per URL that
 * fails fast instead of queueing commands while Redis is away, so each run is one honest attempt.
 */
import { type ChainableCommander, Redis } from 'ioredis';
import { describeError } from '../errors.ts';
import { maskCredentials } from './postgres.ts';
import { abortable, abortMessage, elapsed, failure, type Probe } from './probe.ts';

// TYPE names the command that measures a key; other types (modules' own) have no length here.
const LENGTH_OF: Readonly<Record<string, (client: Redis, key: string) => Promise<number>>> = {
  list: (client, key) => client.llen(key),
  set: (client, key) => client.scard(key),
  zset: (client, key) => client.zcard(key),
  hash: (client, key) => client.hlen(key),
  stream: (client, key) => client.xlen(key),
  string: (client, key) => client.strlen(key),
};

/**
 * redisProbe observes the Redis at the URL `target.target`; values: `pong`, `output` ("PONG"),
 * `used_memory`, `maxmemory`, `memory_used_percent` (when `maxmemory` is set), `connected_clients`,
 * `evicted_keys`, `keys` (DBSIZE of the URL's database), and with `target.key` its `type`, `exists`
 * and `length` (0 when missing); `value` is the key's length, else the key count.
 */
export function redisProbe(): Probe {
  const clients = redisClients();
  return {
    kind: 'redis',
    async run(target, signal) {
      const start = performance.now();
      try {
        const values = await clients.use(target.target, target.timeout, signal, async (client) => {
          const pipeline = client.pipeline().ping().info().dbsize();
          if (target.key !== undefined) pipeline.type(target.key);
          const [pong, info, keys, type] = await execAll(pipeline);
          const observed: Record<string, unknown> = {
            pong: pong === 'PONG',
            output: pong,
            ...infoValues(String(info)),
            keys,
            value: keys,
          };
          if (target.key === undefined) return observed;
          const measure = LENGTH_OF[String(type)];
          const length = measure ? await measure(client, target.key) : type === 'none' ? 0 : null;
          return { ...observed, type, exists: type !== 'none', length, value: length };
        });
        return { ok: true, latency: elapsed(start), values };
      } catch (error) {
        return failure(start, error);
      }
    },
    close: () => clients.close(),
  };
}

/** RedisClients keeps one client per Redis URL, connected on first use and again after a failure. */
export interface RedisClients {
  /**
   * use runs `work` with the client of `url` within `timeout` milliseconds or until `signal` aborts;
   * it rejects with an error that names the server with its password masked. A cut run closes its
   * connection, since a stuck socket must not serve the next run.
   */
  use<T>(url: string, timeout: number, signal: AbortSignal, work: (client: Redis) => Promise<T>): Promise<T>;
  /** close disconnects every client. */
  close(): Promise<void>;
}

interface Connection {
  readonly client: Redis;
  connecting?: Promise<void>;
  // ioredis rejects a failed connect with "Connection is closed."; the cause arrives as an event.
  lastError?: Error;
}

/** redisClients creates an empty set of clients. */
export function redisClients(): RedisClients {
  const connections = new Map<string, Connection>();
  const connectionFor = (url: string, timeout: number): Connection => {
    let connection = connections.get(url);
    if (!connection) {
      const client = new Redis(url, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        connectTimeout: timeout,
        // A server still loading its data then answers the probe with LOADING, instead of a connect that waits it out.
        enableReadyCheck: false,
        clientInfoTag: 'vigie',
        // Reconnecting is the next run's job: between runs a dead Redis costs nothing.
        retryStrategy: () => null,
      });
      const created: Connection = { client };
      client.on('error', (error: Error) => {
        created.lastError = error;
      });
      connection = created;
      connections.set(url, connection);
    }
    return connection;
  };
  const ready = (connection: Connection): Promise<void> => {
    if (connection.client.status === 'ready') return Promise.resolve();
    if (!connection.connecting) connection.lastError = undefined;
    connection.connecting ??= connection.client
      .connect()
      .catch((error: unknown) => {
        throw connection.lastError ?? error;
      })
      .finally(() => {
        connection.connecting = undefined;
      });
    return connection.connecting;
  };
  return {
    async use(url, timeout, signal, work) {
      if (!/^rediss?:\/\//i.test(url)) {
        throw new Error(
          maskCredentials(`'${url}' is not a Redis URL; write it like redis://host:6379/0`, url),
        );
      }
      const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeout)]);
      const connection = connectionFor(url, timeout);
      let phase = 'connecting';
      try {
        await abortable(ready(connection), deadline, () => {});
        phase = 'reading';
        return await abortable(work(connection.client), deadline, () => {});
      } catch (error) {
        if (deadline.aborted) cut(connection.client);
        const why = deadline.aborted
          ? `${abortMessage(deadline, timeout)} while ${phase}`
          : describeError(error);
        const message = phase === 'connecting' ? `cannot connect to ${url}: ${why}` : `${url}: ${why}`;
        throw new Error(maskCredentials(message, url));
      }
    },
    async close() {
      for (const { client } of connections.values()) cut(client);
      connections.clear();
    },
  };
}

/** cut closes a client's connection at once, without waiting for a server that stopped answering. */
function cut(client: Redis): void {
  // disconnect() half-closes and arms a 2 s timer that a silent server never clears, holding the process open.
  const stream = client.stream as Redis['stream'] | undefined;
  if (stream && !stream.destroyed) stream.destroy();
  else if (client.status !== 'end') client.disconnect();
}

/** execAll sends a pipeline and gives its replies in order, rejecting with the first command's error. */
async function execAll(pipeline: ChainableCommander): Promise<unknown[]> {
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}

/** infoValues reads the INFO fields a check compares, as numbers. */
function infoValues(info: string): Record<string, number> {
  const fields = new Map<string, string>();
  for (const line of info.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  const number = (name: string): number => Number(fields.get(name) ?? Number.NaN);
  const values: Record<string, number> = {};
  for (const name of ['used_memory', 'maxmemory', 'connected_clients', 'evicted_keys']) {
    const value = number(name);
    if (Number.isFinite(value)) values[name] = value;
  }
  const { used_memory: used, maxmemory: max } = values;
  if (used !== undefined && max) values.memory_used_percent = Math.round((used / max) * 1000) / 10;
  return values;
}
