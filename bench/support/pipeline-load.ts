/**
 * The ingest load of bench/pipeline.ts, in a process of its own so that sending costs neither side:
 * the same alerts, in batches, as an Alertmanager webhook payload (version 4, for Vigie's
 * `/api/v1/alerts/alertmanager`) or as Alertmanager's own `POST /api/v2/alerts` body. Every batch
 * after the first repeats some alerts of earlier batches (same labels, same fingerprint), as
 * Alertmanager does when it sends a group again. Bodies are built before the clock starts; then
 * `connections` requests are kept in flight over keep-alive connections until every batch is answered.
 *
 * IPC: child → parent `{ type: 'ready', alerts, unique, requests }`; parent → child `'go'`; child →
 * parent a LoadReport.
 */
import { createHash } from 'node:crypto';
import { Pool } from 'undici';
import { monotonicMs } from './pipeline-clock.ts';

/** LoadSetup is what to send and where (as JSON in argv[2]). */
export interface LoadSetup {
  readonly url: string;
  readonly token?: string;
  readonly format: 'webhook-v4' | 'alertmanager-v2';
  readonly total: number;
  readonly batch: number;
  /** Share of each batch (after the first) that repeats alerts already sent. */
  readonly repeatShare: number;
  readonly connections: number;
  readonly seed: number;
}

/** LoadReport says what the load did; times are monotonic ms. */
export interface LoadReport {
  readonly type: 'done';
  readonly alerts: number;
  readonly unique: number;
  readonly requests: number;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly statuses: Readonly<Record<string, number>>;
  /** Request latencies in ms, sorted. */
  readonly latencies: readonly number[];
  readonly firstError?: string;
}

interface BenchAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly fingerprint: string;
}

const setup = JSON.parse(process.argv[2] ?? '{}') as LoadSetup;
process.on('disconnect', () => process.exit(0));

const random = ((seed: number) => () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
})(setup.seed);

function alertNumber(n: number): BenchAlert {
  const labels = {
    alertname: `BenchIngest${n}`,
    bench_id: `ing-${n}`,
    instance: `host-${n % 500}:9100`,
    job: 'node',
    severity: n % 5 === 0 ? 'critical' : 'warning',
  };
  const sorted = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1));
  return {
    labels,
    annotations: {
      summary: `host-${n % 500} filesystem /var is ${80 + (n % 20)}% full`,
      description: 'Disk usage above the warning threshold for 5 minutes.',
    },
    fingerprint: createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16),
  };
}

// The batches, the same for both formats (same seed): the first all new, then new and repeated.
const startsAt = new Date(Date.now() - 60_000).toISOString();
const batches: BenchAlert[][] = [];
let unique = 0;
for (let sent = 0; sent < setup.total; ) {
  const size = Math.min(setup.batch, setup.total - sent);
  const repeats = batches.length === 0 ? 0 : Math.round(size * setup.repeatShare);
  const earlier = unique;
  const batch: BenchAlert[] = [];
  for (let index = 0; index < size - repeats; index++) batch.push(alertNumber(unique++));
  // From earlier batches only, each once: a repeat inside one payload would be a sender's mistake.
  const picked = new Set<number>();
  while (picked.size < Math.min(repeats, earlier)) picked.add(Math.floor(random() * earlier));
  for (const n of picked) batch.push(alertNumber(n));
  batches.push(batch);
  sent += size;
}

const bodies = batches.map((batch, index) =>
  setup.format === 'webhook-v4'
    ? JSON.stringify({
        version: '4',
        groupKey: `{}:{batch="${index}"}`,
        truncatedAlerts: 0,
        status: 'firing',
        receiver: 'vigie',
        groupLabels: { batch: String(index) },
        commonLabels: { job: 'node' },
        commonAnnotations: {},
        externalURL: 'http://alertmanager.example:9093',
        alerts: batch.map((alert) => ({
          status: 'firing',
          labels: alert.labels,
          annotations: alert.annotations,
          startsAt,
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://prometheus.example:9090/graph?g0.expr=disk',
          fingerprint: alert.fingerprint,
        })),
      })
    : JSON.stringify(
        batch.map((alert) => ({
          labels: alert.labels,
          annotations: alert.annotations,
          startsAt,
          generatorURL: 'http://prometheus.example:9090/graph?g0.expr=disk',
        })),
      ),
);

const target = new URL(setup.url);
const pool = new Pool(target.origin, { connections: setup.connections, keepAliveTimeout: 60_000 });
const headers: Record<string, string> = {
  'content-type': 'application/json',
  ...(setup.token ? { authorization: `Bearer ${setup.token}` } : {}),
};

process.send?.({ type: 'ready', alerts: setup.total, unique, requests: bodies.length });

process.on('message', async (message: unknown) => {
  if (message !== 'go') return;
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  let firstError: string | undefined;
  let next = 0;
  const startedAt = monotonicMs();
  const worker = async (): Promise<void> => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const start = monotonicMs();
      let status: string;
      try {
        const response = await pool.request({ path: target.pathname, method: 'POST', headers, body });
        status = String(response.statusCode);
        const text = await response.body.text();
        if (response.statusCode >= 300) firstError ??= `HTTP ${status}: ${text.slice(0, 300)}`;
      } catch (error) {
        status = 'error';
        firstError ??= String(error);
      }
      latencies.push(monotonicMs() - start);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: setup.connections }, () => worker()));
  const endedAt = monotonicMs();
  await pool.close();
  latencies.sort((a, b) => a - b);
  const report: LoadReport = {
    type: 'done',
    alerts: setup.total,
    unique,
    requests: bodies.length,
    startedAt,
    endedAt,
    statuses,
    latencies,
    ...(firstError ? { firstError } : {}),
  };
  process.send?.(report, () => process.exit(0));
});
