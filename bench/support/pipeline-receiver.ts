/**
 * The webhook receiver of bench/pipeline.ts, in a process of its own, so that Vigie and Alertmanager
 * deliver to one server over one loopback and neither shares a process with the thing timing it.
 * For each POST it notes the moment its body has fully arrived (process.hrtime: CLOCK_MONOTONIC on
 * Linux, one clock for every process of the machine), answers 200 at once, and reads which alert or
 * incident the body carries: `<path>:<incident.id>` for a Vigie notification, `<path>:<bench_id>` for
 * each alert of an Alertmanager webhook. A GET answers 503: it is the failing target of the checks.
 *
 * IPC, parent → child: `{ type: 'stream', on }` (send every arrival as it comes, or only count),
 * `{ type: 'stats' }` (answered with a ReceiverStats). Child → parent: `{ type: 'ready', url }`, then
 * `{ type: 'arrivals', list }` while streaming.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monotonicMs } from './pipeline-clock.ts';

/** Arrival is one delivered alert or incident: its key and when its webhook arrived (monotonic ms). */
export type Arrival = readonly [key: string, at: number];

/** PathStats counts what arrived on one path. */
export interface PathStats {
  readonly requests: number;
  readonly keys: number;
  /** Keys seen more than once: the same alert or incident delivered twice. */
  readonly duplicates: number;
  /** Monotonic ms of the first and last arrival, 0 when none. */
  readonly first: number;
  readonly last: number;
}

/** ReceiverStats answers a `stats` message. */
export interface ReceiverStats {
  readonly type: 'stats';
  readonly paths: Readonly<Record<string, PathStats>>;
}

interface Counter {
  requests: number;
  keys: Set<string>;
  duplicates: number;
  first: number;
  last: number;
}

const counters = new Map<string, Counter>();
let streaming = true;
let pending: Arrival[] = [];

// Arrivals go out at the end of the turn, so a burst costs one IPC message, not one per webhook.
const flush = (): void => {
  if (pending.length === 0) return;
  process.send?.({ type: 'arrivals', list: pending });
  pending = [];
};

function keysOf(path: string, body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const incident = (body as { incident?: { id?: unknown } }).incident;
  if (incident && typeof incident.id === 'string') return [`${path}:${incident.id}`];
  const alerts = (body as { alerts?: unknown }).alerts;
  if (!Array.isArray(alerts)) return [];
  return alerts.map(
    (alert: { labels?: Record<string, string> }) => `${path}:${alert.labels?.bench_id ?? '?'}`,
  );
}

const server = createServer((request, response) => {
  if (request.method !== 'POST') {
    response.writeHead(503, { 'content-type': 'application/json' });
    response.end('{"status":"down"}');
    return;
  }
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const at = monotonicMs();
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{}');
    const path = (request.url ?? '/').split('?')[0]!;
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      body = undefined;
    }
    let counter = counters.get(path);
    if (!counter) {
      counter = { requests: 0, keys: new Set(), duplicates: 0, first: at, last: at };
      counters.set(path, counter);
    }
    counter.requests++;
    counter.last = at;
    for (const key of keysOf(path, body)) {
      if (counter.keys.has(key)) counter.duplicates++;
      else counter.keys.add(key);
      if (streaming) {
        if (pending.length === 0) setImmediate(flush);
        pending.push([key, at]);
      }
    }
  });
});
server.keepAliveTimeout = 60_000;

process.on('message', (message: { type: string; on?: boolean }) => {
  if (message.type === 'stream') {
    flush();
    streaming = message.on === true;
  } else if (message.type === 'stats') {
    const paths: Record<string, PathStats> = {};
    for (const [path, counter] of counters) {
      paths[path] = {
        requests: counter.requests,
        keys: counter.keys.size,
        duplicates: counter.duplicates,
        first: counter.first,
        last: counter.last,
      };
    }
    process.send?.({ type: 'stats', paths } satisfies ReceiverStats);
  }
});
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}` });
});
