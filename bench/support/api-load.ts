/**
 * The open-loop load of bench/api.ts, in a process of its own so sending costs Vigie nothing: each
 * stream asks its path at a constant rate, on a clock, whatever the answers do (a slow answer does not
 * slow the next request down, as it would in a closed loop). A request's latency runs from the moment
 * it was due, not the moment it left, so a queue anywhere (the server, the connections) shows in it;
 * the time from leaving to the last byte ("service") is kept beside it, and so is how late this
 * process was in sending, to tell its own stalls from the server's.
 *
 * IPC: child → parent `{ type: 'ready' }`; parent → child a LoadOrder; child → parent a LoadResult.
 */
import { Pool } from 'undici';

/** LoadStream is one path asked at a constant rate. */
export interface LoadStream {
  readonly name: string;
  readonly path: string;
  readonly rate: number;
}

/** LoadOrder is one run: a warm-up (not recorded), then the measured stretch. */
export interface LoadOrder {
  readonly origin: string;
  readonly token: string;
  readonly streams: readonly LoadStream[];
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly connections: number;
  /** A request not answered within this is an error. */
  readonly timeoutMs: number;
}

/** StreamResult is what one stream measured; latencies in ms. */
export interface StreamResult {
  readonly name: string;
  readonly sent: number;
  readonly ok: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly bytes: number;
  /** Due → last byte, sorted. */
  readonly latencies: readonly number[];
  /** Sent → last byte, sorted. */
  readonly service: readonly number[];
  /** Worst due → last byte in each second of the run. */
  readonly worstPerSecond: readonly number[];
}

/** LoadResult answers a LoadOrder. */
export interface LoadResult {
  readonly type: 'result';
  readonly elapsedMs: number;
  readonly streams: readonly StreamResult[];
  /** How late requests left after they were due, in ms, sorted (this process's own stalls). */
  readonly sendDelays: readonly number[];
  readonly cpuSeconds: number;
}

const TICK_MS = 1;

process.on('disconnect', () => process.exit(0));

interface Tally {
  sent: number;
  ok: number;
  errors: number;
  firstError?: string;
  bytes: number;
  latencies: number[];
  service: number[];
  worstPerSecond: number[];
}

/** run sends every stream's requests on its clock for `ms`; when `tallies` is absent nothing is kept. */
async function run(
  pool: Pool,
  order: LoadOrder,
  ms: number,
  tallies: Tally[] | undefined,
  sendDelays: number[] | undefined,
): Promise<number> {
  const headers = { authorization: `Bearer ${order.token}`, accept: 'application/json' };
  const start = performance.now();
  const deadline = start + ms;
  const started = order.streams.map(() => 0);
  const inFlight = new Set<Promise<void>>();
  const one = async (stream: LoadStream, tally: Tally | undefined, due: number): Promise<void> => {
    const sent = performance.now();
    sendDelays?.push(sent - due);
    try {
      const response = await pool.request({
        path: stream.path,
        method: 'GET',
        headers,
        headersTimeout: order.timeoutMs,
        bodyTimeout: order.timeoutMs,
      });
      let bytes = 0;
      for await (const chunk of response.body) bytes += (chunk as Buffer).length;
      const end = performance.now();
      if (!tally) return;
      tally.bytes += bytes;
      if (response.statusCode === 200) tally.ok++;
      else {
        tally.errors++;
        tally.firstError ??= `HTTP ${response.statusCode}`;
      }
      const latency = end - due;
      tally.latencies.push(latency);
      tally.service.push(end - sent);
      const second = Math.floor((due - start) / 1000);
      tally.worstPerSecond[second] = Math.max(tally.worstPerSecond[second] ?? 0, latency);
    } catch (error) {
      if (!tally) return;
      tally.errors++;
      tally.firstError ??= (error as Error).message;
    }
  };
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      const until = Math.min(now, deadline);
      order.streams.forEach((stream, index) => {
        const interval = 1000 / stream.rate;
        // Each request has its own due time on the stream's clock; a late tick sends the overdue ones at once.
        while (start + started[index]! * interval <= until) {
          const due = start + started[index]! * interval;
          started[index]!++;
          const tally = tallies?.[index];
          if (tally) tally.sent++;
          const request: Promise<void> = one(stream, tally, due).finally(() => inFlight.delete(request));
          inFlight.add(request);
        }
      });
      if (now >= deadline) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, TICK_MS);
  });
  await Promise.all(inFlight);
  return performance.now() - start;
}

process.on('message', (message: unknown) => {
  const order = message as LoadOrder;
  void (async () => {
    const pool = new Pool(order.origin, {
      connections: order.connections,
      pipelining: 1,
      keepAliveTimeout: 60_000,
    });
    await run(pool, order, order.warmupMs, undefined, undefined);
    const tallies: Tally[] = order.streams.map(() => ({
      sent: 0,
      ok: 0,
      errors: 0,
      bytes: 0,
      latencies: [],
      service: [],
      worstPerSecond: [],
    }));
    const sendDelays: number[] = [];
    const cpu = process.cpuUsage();
    const elapsedMs = await run(pool, order, order.durationMs, tallies, sendDelays);
    const used = process.cpuUsage(cpu);
    await pool.close();
    const sorted = (values: number[]): number[] => values.sort((a, b) => a - b);
    const result: LoadResult = {
      type: 'result',
      elapsedMs,
      streams: order.streams.map((stream, index) => {
        const tally = tallies[index]!;
        return {
          name: stream.name,
          sent: tally.sent,
          ok: tally.ok,
          errors: tally.errors,
          ...(tally.firstError === undefined ? {} : { firstError: tally.firstError }),
          bytes: tally.bytes,
          latencies: sorted(tally.latencies),
          service: sorted(tally.service),
          worstPerSecond: Array.from(tally.worstPerSecond, (value) => value ?? 0),
        };
      }),
      sendDelays: sorted(sendDelays),
      cpuSeconds: (used.user + used.system) / 1e6,
    };
    process.send?.(result, () => process.disconnect());
  })().catch((error: unknown) => {
    console.error('api-load:', error);
    process.exit(1);
  });
});
process.send?.({ type: 'ready' });
