/**
 * The incident pipeline (issue "[3 of 5]", acceptance `bench/pipeline.*`), side by side with
 * Prometheus Alertmanager in the same run, both delivering to the same webhook receiver.
 *
 * Processes: the receiver (bench/support/pipeline-receiver.ts: timestamps each webhook's arrival on
 * CLOCK_MONOTONIC, shared by every process, and answers 200); Vigie (bench/support/pipeline-vigie.ts,
 * on-disk SQLite, incident tables at synchronous = FULL); Alertmanager 0.25 (group_by ['...'],
 * group_wait 0s, in memory); for ingest, a load process (bench/support/pipeline-load.ts).
 *
 * 1. Latency to the webhook delivered, over 1,000 incidents per measure, taken one at a time and
 *    interleaved (a, b, Alertmanager, a, b, …) so load from elsewhere falls on all alike:
 *    (a) Vigie, failing observation → webhook: a runbook of 1,000 checks, each with an alert
 *        `when: fails` (fires on the first failure, its own incident) and one escalation level at 0 s
 *        to a webhook channel. The pieces of startVigie without the scheduler: check i runs once with
 *        the real http probe against a target answering 503; the clock starts when that failing result
 *        exists, then it goes where the engine sends it (observation store, RuleAlerts.observe → rule →
 *        incident opened and its timer stored → the pipeline loop pages → outbox → webhook).
 *    (b) Vigie, alert POST → webhook: one alert per POST to the generic `/api/v1/alerts` of startVigie
 *        (bearer token), clock started before the request.
 *    Alertmanager, alert POST → webhook: one alert per POST to `/api/v2/alerts`, same clock.
 * 2. Alertmanager-format ingest throughput: 50,000 alerts in batches of 100 (every batch after the
 *    first repeats 20 alerts of earlier ones: same fingerprint), sent by the load process over 4
 *    keep-alive connections, as webhook-v4 payloads to Vigie's `/api/v1/alerts/alertmanager` and as
 *    `POST /api/v2/alerts` bodies to Alertmanager. Each new alert is its own incident (its own group
 *    in Alertmanager), so each side also sends one webhook per unique alert from the same process;
 *    the figures say whether those deliveries kept up and how long they took to drain.
 *
 * Run (Node 24): node_modules/.bin/node bench/pipeline.ts [--incidents=1000] [--alerts=50000]
 * (writes bench/results/pipeline.txt). PIPELINE_VIGIE_NODE_OPTIONS passes flags (e.g. --cpu-prof) to
 * the Vigie processes.
 */
import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { isType, nextMessage, startHarness, withTimeout } from './support/harness.ts';
import { ALERTMANAGER, startAlertmanager } from './support/pipeline-alertmanager.ts';
import { monotonicMs } from './support/pipeline-clock.ts';
import type { LoadReport, LoadSetup } from './support/pipeline-load.ts';
import type { Arrival, PathStats, ReceiverStats } from './support/pipeline-receiver.ts';
import type { Fired, VigieSetup, VigieStarted, VigieStats } from './support/pipeline-vigie.ts';

// ---- settings -------------------------------------------------------------------------------------

const argument = (name: string, fallback: number): number => {
  const given = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  const value = given ? Number(given.slice(name.length + 3)) : fallback;
  if (!(Number.isInteger(value) && value > 0)) throw new RangeError(`--${name} must be a positive integer`);
  return value;
};
const INCIDENTS = argument('incidents', 1000);
const WARMUP = 50;
const INGEST_ALERTS = argument('alerts', 50_000);
const BATCH = 100;
const REPEAT_SHARE = 0.2;
const CONNECTIONS = 4;
const WAIT_MS = 5000;
const DRAIN_BOUND_MS = 30_000;
const POLL_MS = 250;
const HARD_BOUND_MS = 240_000;
const CLK_TCK = 100;

const TARGETS = { latencyP99Ms: 20, ingestPerSecond: 5000 };
// Figures from the issue, measured on this machine.
const ISSUE = { alertmanagerP99Ms: 7, alertmanagerPerSecond: 4600 };

const VIGIE_NODE_OPTIONS = (process.env.PIPELINE_VIGIE_NODE_OPTIONS ?? '').split(' ').filter(Boolean);

if (!existsSync(ALERTMANAGER)) {
  console.error(`${ALERTMANAGER} is missing: this bench compares Vigie with Prometheus Alertmanager.`);
  console.error('Install it with:  apt-get update && apt-get install -y prometheus-alertmanager');
  process.exit(1);
}

// ---- output, children, clean-up -----------------------------------------------------------------------

const lines: string[] = [];
const print = (line = ''): void => {
  console.log(line);
  lines.push(line);
};
const verdict = (ok: boolean): string => (ok ? 'ok' : 'MISSED');
const ms = (value: number, digits = 1): string =>
  Number.isFinite(value) ? `${value.toFixed(digits)} ms` : '—';
const thousands = (value: number): string => Math.round(value).toLocaleString('en-US');
const quantile = (sorted: readonly number[], q: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

const { work, children, cleanUp } = startHarness('pipeline', HARD_BOUND_MS, 'SIGKILL');
const loadAtStart = loadavg()[0]!;

function start(file: string, setup: unknown, execArgv: string[] = []): ChildProcess {
  const child = fork(new URL(`./support/${file}`, import.meta.url), [JSON.stringify(setup)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [...process.execArgv, '--disable-warning=ExperimentalWarning', ...execArgv],
  });
  children.add(child);
  return child;
}

async function stop(child: ChildProcess, what: string): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.send({ type: 'stop' });
  await withTimeout(exited, 20_000, `${what} stop`).catch(() => child.kill('SIGKILL'));
}

/** processCpu reads utime+stime of a process from /proc, in seconds. */
function processCpu(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

// ---- the receiver and its arrivals ---------------------------------------------------------------------

const receiver = start('pipeline-receiver.ts', {});
const arrivals = new Map<string, number>();
const waiters = new Map<string, (at: number) => void>();
receiver.on('message', (message: { type: string; list?: Arrival[] }) => {
  if (message.type !== 'arrivals' || !message.list) return;
  for (const [key, at] of message.list) {
    if (!arrivals.has(key)) arrivals.set(key, at);
    waiters.get(key)?.(at);
  }
});
const { url: receiverUrl } = await nextMessage<{ url: string }>(
  receiver,
  isType('ready'),
  10_000,
  'receiver',
);

/** arrival gives when the webhook carrying `key` arrived, or undefined when none did within WAIT_MS. */
function arrival(key: string): Promise<number | undefined> {
  const known = arrivals.get(key);
  if (known !== undefined) return Promise.resolve(known);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      waiters.delete(key);
      resolve(undefined);
    }, WAIT_MS);
    waiters.set(key, (at) => {
      clearTimeout(timer);
      waiters.delete(key);
      resolve(at);
    });
  });
}

async function receiverStats(): Promise<ReceiverStats> {
  const answer = nextMessage<ReceiverStats>(receiver, isType('stats'), 5000, 'receiver stats');
  receiver.send({ type: 'stats' });
  return answer;
}
const pathStats = (stats: ReceiverStats, path: string): PathStats =>
  stats.paths[path] ?? { requests: 0, keys: 0, duplicates: 0, first: 0, last: 0 };

async function vigieStats(child: ChildProcess): Promise<VigieStats> {
  const answer = nextMessage<VigieStats>(child, isType('stats'), 10_000, 'vigie stats');
  child.send({ type: 'stats' });
  return answer;
}

async function startVigieProcess(setup: VigieSetup): Promise<{ child: ChildProcess; started: VigieStarted }> {
  const child = start('pipeline-vigie.ts', setup, VIGIE_NODE_OPTIONS);
  const started = await nextMessage<VigieStarted>(child, isType('started'), 60_000, `vigie ${setup.mode}`);
  return { child, started };
}

// ---- the sides --------------------------------------------------------------------------------------------

const alertmanager = await startAlertmanager(work, `${receiverUrl}/am`, children);
const rules = await startVigieProcess({
  mode: 'rules',
  storePath: join(work, 'rules.sqlite'),
  hookUrl: `${receiverUrl}/vigie-a`,
  checks: WARMUP + INCIDENTS,
  downUrl: `${receiverUrl}/down`,
});
const serve = await startVigieProcess({
  mode: 'serve',
  storePath: join(work, 'serve.sqlite'),
  hookUrl: `${receiverUrl}/vigie-b`,
  logPath: join(work, 'serve.log'),
});
const client = new Agent({ keepAliveTimeout: 60_000 });

print(
  `vigie pipeline benchmark — ${new Date().toISOString()} — Node ${process.version}, Alertmanager ${alertmanager.version}, ${cpus().length}× ${cpus()[0]?.model.trim() ?? 'CPU'}`,
);
const filesystem =
  spawnSync('stat', ['-f', '-c', '%T', work], { encoding: 'utf8' }).stdout.trim() || 'unknown';
print(
  `stores: SQLite files in ${work.replace(/[^/]+$/, '…')} (file system ${filesystem}), incident tables synchronous = FULL (an fsync per commit); Alertmanager keeps alerts in memory`,
);
print('');

// ---- 1. latency --------------------------------------------------------------------------------------------

interface Measure {
  readonly latencies: number[];
  readonly posts: number[];
  lost: number;
}
const measure = (): Measure => ({ latencies: [], posts: [], lost: 0 });
const fromObservation = measure();
const fromPost = measure();
const viaAlertmanager = measure();
const probeTimes: number[] = [];
const observeTimes: number[] = [];

/** postJson posts a JSON body over the bench's keep-alive pool and reads the JSON answer. */
async function postJson(
  url: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; json: unknown }> {
  const response = await request(url, {
    method: 'POST',
    dispatcher: client,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await response.body.text();
  return { status: response.statusCode, json: text ? (JSON.parse(text) as unknown) : undefined };
}

const latencyStart = Date.now();
for (let index = 0; index < WARMUP + INCIDENTS; index++) {
  const counted = index >= WARMUP;

  // (a) failing observation → webhook
  const fired = nextMessage<Fired>(rules.child, isType('fired'), WAIT_MS, 'fire');
  rules.child.send({ type: 'fire', index });
  const one = await fired;
  const atA = one.incidentId ? await arrival(`/vigie-a:${one.incidentId}`) : undefined;
  if (counted) {
    probeTimes.push(one.probeMs);
    observeTimes.push(one.observeMs);
    if (atA === undefined) fromObservation.lost++;
    else fromObservation.latencies.push(atA - one.observedAt);
  }

  // (b) alert POST → webhook, Vigie's generic webhook
  const startB = monotonicMs();
  const answerB = await postJson(
    `${serve.started.url}/api/v1/alerts`,
    { alerts: [{ name: `bench-latency-${index}`, severity: 'SEV2', labels: { bench_id: `lat-${index}` } }] },
    serve.started.token,
  );
  const postedB = monotonicMs() - startB;
  const incidentB = (answerB.json as { incidents?: string[] } | undefined)?.incidents?.[0];
  if (answerB.status !== 200 || !incidentB)
    throw new Error(`Vigie refused the alert: ${answerB.status} ${JSON.stringify(answerB.json)}`);
  const atB = await arrival(`/vigie-b:${incidentB}`);
  if (counted) {
    fromPost.posts.push(postedB);
    if (atB === undefined) fromPost.lost++;
    else fromPost.latencies.push(atB - startB);
  }

  // Alertmanager: alert POST → webhook
  const startC = monotonicMs();
  const answerC = await postJson(`${alertmanager.url}/api/v2/alerts`, [
    {
      labels: { alertname: `BenchLatency${index}`, bench_id: `lat-${index}`, severity: 'critical' },
      annotations: { summary: `bench latency alert ${index}` },
    },
  ]);
  const postedC = monotonicMs() - startC;
  if (answerC.status !== 200)
    throw new Error(`Alertmanager refused the alert: ${answerC.status} ${JSON.stringify(answerC.json)}`);
  const atC = await arrival(`/am:lat-${index}`);
  if (counted) {
    viaAlertmanager.posts.push(postedC);
    if (atC === undefined) viaAlertmanager.lost++;
    else viaAlertmanager.latencies.push(atC - startC);
  }
}
const latencySeconds = (Date.now() - latencyStart) / 1000;
const latencyReceived = await receiverStats();

const summarize = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    n: sorted.length,
  };
};
const a = summarize(fromObservation.latencies);
const b = summarize(fromPost.latencies);
const c = summarize(viaAlertmanager.latencies);

print(
  `1. latency to the webhook delivered: ${thousands(INCIDENTS)} incidents per measure, one at a time, the three measures interleaved (after ${WARMUP} warm-up rounds; ${latencySeconds.toFixed(0)} s)`,
);
const latencyHeader = `${'measure'.padEnd(46)}  ${'p50'.padStart(8)}  ${'p90'.padStart(8)}  ${'p99'.padStart(8)}  ${'max'.padStart(8)}  ${'lost'.padStart(4)}  ${'target'.padEnd(14)}  verdict`;
print(latencyHeader);
print('-'.repeat(latencyHeader.length));
const latencyLine = (
  label: string,
  figures: ReturnType<typeof summarize>,
  lost: number,
  target: string,
  ok?: boolean,
) =>
  `${label.padEnd(46)}  ${ms(figures.p50).padStart(8)}  ${ms(figures.p90).padStart(8)}  ${ms(figures.p99).padStart(8)}  ${ms(figures.max).padStart(8)}  ${String(lost).padStart(4)}  ${target.padEnd(14)}  ${ok === undefined ? '' : verdict(ok)}`;
print(
  latencyLine(
    'Vigie (a) failing observation → webhook',
    a,
    fromObservation.lost,
    'p99 < 20 ms',
    a.p99 < TARGETS.latencyP99Ms && fromObservation.lost === 0,
  ),
);
print(
  latencyLine(
    'Vigie (b) alert POST → webhook',
    b,
    fromPost.lost,
    'p99 < 20 ms',
    b.p99 < TARGETS.latencyP99Ms && fromPost.lost === 0,
  ),
);
print(
  latencyLine(
    'Alertmanager alert POST → webhook',
    c,
    viaAlertmanager.lost,
    `issue: p99 ${ISSUE.alertmanagerP99Ms} ms`,
  ),
);
print(
  `ratio Vigie / Alertmanager (above 1× Vigie is slower): (a) p50 ${(a.p50 / c.p50).toFixed(2)}×, p99 ${(a.p99 / c.p99).toFixed(2)}×; (b) p50 ${(b.p50 / c.p50).toFixed(2)}×, p99 ${(b.p99 / c.p99).toFixed(2)}×`,
);
const postsB = summarize(fromPost.posts);
const postsC = summarize(viaAlertmanager.posts);
const probes = summarize(probeTimes);
const observes = summarize(observeTimes);
print(
  `POST answered: Vigie p50 ${ms(postsB.p50)}, p99 ${ms(postsB.p99)} (after its transaction commits); Alertmanager p50 ${ms(postsC.p50)}, p99 ${ms(postsC.p99)}`,
);
print(
  `(a) outside the measure, the probe run against the 503 target: p50 ${ms(probes.p50)}, p99 ${ms(probes.p99)}; inside it, the synchronous part (append, rule, incident transaction) p50 ${ms(observes.p50)}, p99 ${ms(observes.p99)}`,
);
const duplicatesA = pathStats(latencyReceived, '/vigie-a').duplicates;
const duplicatesB = pathStats(latencyReceived, '/vigie-b').duplicates;
const duplicatesC = pathStats(latencyReceived, '/am').duplicates;
print(
  `webhooks received: (a) ${thousands(pathStats(latencyReceived, '/vigie-a').keys)}, (b) ${thousands(pathStats(latencyReceived, '/vigie-b').keys)}, Alertmanager ${thousands(pathStats(latencyReceived, '/am').keys)} distinct (warm-up included); delivered twice: ${duplicatesA + duplicatesB + duplicatesC}`,
);
print('');

await Promise.all([stop(rules.child, 'vigie rules'), stop(serve.child, 'vigie serve')]);

// ---- 2. ingest throughput -----------------------------------------------------------------------------------

receiver.send({ type: 'stream', on: false });

interface IngestRun {
  readonly load: LoadReport;
  readonly seconds: number;
  readonly cpu: number;
  readonly drainCpu: number;
  readonly deliveredAtEnd: number;
  readonly delivered: number;
  readonly duplicates: number;
  /** Ms from the last answered POST to the last webhook, or undefined when not all arrived. */
  readonly drainMs?: number;
  readonly lastDeliveryMs: number;
}

/** ingest sends one side the load from a load process, then waits (bounded) for every page to arrive. */
async function ingest(
  side: string,
  url: string,
  token: string | undefined,
  format: LoadSetup['format'],
  pid: number,
  path: string,
): Promise<IngestRun> {
  const setup: LoadSetup = {
    url,
    ...(token ? { token } : {}),
    format,
    total: INGEST_ALERTS,
    batch: BATCH,
    repeatShare: REPEAT_SHARE,
    connections: CONNECTIONS,
    seed: 42,
  };
  const load = start('pipeline-load.ts', setup);
  const ready = await nextMessage<{ unique: number }>(load, isType('ready'), 60_000, `${side} load`);
  const before = pathStats(await receiverStats(), path);
  const cpu0 = processCpu(pid);
  const done = nextMessage<LoadReport>(load, isType('done'), 120_000, `${side} load`);
  load.send('go');
  const report = await done;
  const cpu1 = processCpu(pid);
  const atEnd = pathStats(await receiverStats(), path);
  let now = atEnd;
  while (now.keys - before.keys < ready.unique && monotonicMs() - report.endedAt < DRAIN_BOUND_MS) {
    await sleep(POLL_MS);
    now = pathStats(await receiverStats(), path);
  }
  const cpu2 = processCpu(pid);
  const delivered = now.keys - before.keys;
  const seconds = (report.endedAt - report.startedAt) / 1000;
  return {
    load: report,
    seconds,
    cpu: cpu1 - cpu0,
    drainCpu: cpu2 - cpu1,
    deliveredAtEnd: atEnd.keys - before.keys,
    delivered,
    duplicates: now.duplicates - before.duplicates,
    ...(delivered >= ready.unique ? { drainMs: Math.max(0, now.last - report.endedAt) } : {}),
    lastDeliveryMs: now.last - report.startedAt,
  };
}

const ingestVigie = await startVigieProcess({
  mode: 'serve',
  storePath: join(work, 'ingest.sqlite'),
  hookUrl: `${receiverUrl}/vigie-ingest`,
  logPath: join(work, 'ingest.log'),
});
const vigieBefore = await vigieStats(ingestVigie.child);
const vigieRun = await ingest(
  'Vigie',
  `${ingestVigie.started.url}/api/v1/alerts/alertmanager`,
  ingestVigie.started.token,
  'webhook-v4',
  ingestVigie.started.pid,
  '/vigie-ingest',
);
const vigieAfter = await vigieStats(ingestVigie.child);
await stop(ingestVigie.child, 'vigie ingest');

const amRun = await ingest(
  'Alertmanager',
  `${alertmanager.url}/api/v2/alerts`,
  undefined,
  'alertmanager-v2',
  alertmanager.child.pid!,
  '/am',
);

const perSecond = (run: IngestRun): number => run.load.alerts / run.seconds;
const statusText = (run: IngestRun): string =>
  Object.entries(run.load.statuses)
    .map(([status, count]) => `${status}×${count}`)
    .join(' ');
print(
  `2. Alertmanager-format ingest: ${thousands(INGEST_ALERTS)} alerts in batches of ${BATCH} (${Math.round(REPEAT_SHARE * 100)}% of each batch after the first repeats earlier fingerprints: ${thousands(vigieRun.load.unique)} distinct), ${CONNECTIONS} keep-alive connections from a load process`,
);
const ingestHeader = `${'side'.padEnd(34)}  ${'seconds'.padStart(7)}  ${'alerts/s'.padStart(8)}  ${'POST p50'.padStart(9)}  ${'POST p99'.padStart(9)}  ${'answers'.padEnd(10)}  ${'CPU-s'.padStart(5)}  ${'alerts/CPU-s'.padStart(12)}  ${'paged by end'.padStart(15)}  ${'all paged'.padStart(9)}  ${'to last page'.padStart(12)}  ${'target'.padEnd(14)}  verdict`;
print(ingestHeader);
print('-'.repeat(ingestHeader.length));
// To the last page: alerts over the time from the first request to the last webhook, the pages included.
const endToEnd = (run: IngestRun): number =>
  run.drainMs === undefined ? Number.NaN : run.load.alerts / ((run.seconds * 1000 + run.drainMs) / 1000);
const ingestLine = (label: string, run: IngestRun, target: string, ok?: boolean): string =>
  `${label.padEnd(34)}  ${run.seconds.toFixed(2).padStart(7)}  ${thousands(perSecond(run)).padStart(8)}  ${ms(quantile(run.load.latencies, 0.5)).padStart(9)}  ${ms(quantile(run.load.latencies, 0.99)).padStart(9)}  ${statusText(run).padEnd(10)}  ${run.cpu.toFixed(1).padStart(5)}  ${thousands(run.load.alerts / run.cpu).padStart(12)}  ${`${thousands(run.deliveredAtEnd)}/${thousands(run.load.unique)}`.padStart(15)}  ${(run.drainMs === undefined ? `no: ${thousands(run.delivered)}` : `+${(run.drainMs / 1000).toFixed(1)} s`).padStart(9)}  ${(Number.isNaN(endToEnd(run)) ? '—' : `${thousands(endToEnd(run))}/s`).padStart(12)}  ${target.padEnd(14)}  ${ok === undefined ? '' : verdict(ok)}`;
const vigieOk =
  perSecond(vigieRun) >= TARGETS.ingestPerSecond && vigieRun.load.statuses['200'] === vigieRun.load.requests;
print(ingestLine('Vigie /api/v1/alerts/alertmanager', vigieRun, '≥ 5,000/s', vigieOk));
print(ingestLine('Alertmanager /api/v2/alerts', amRun, `issue: ${thousands(ISSUE.alertmanagerPerSecond)}/s`));
print(
  `ratio Vigie / Alertmanager: alerts/s ${(perSecond(vigieRun) / perSecond(amRun)).toFixed(2)}×, alerts per CPU-s ${(amRun.cpu / vigieRun.cpu).toFixed(2)}×, to the last page ${Number.isNaN(endToEnd(vigieRun) / endToEnd(amRun)) ? '— (not all paged)' : `${(endToEnd(vigieRun) / endToEnd(amRun)).toFixed(2)}×`} (above 1× Vigie does better)`,
);
const keptUp = (run: IngestRun, name: string): string => {
  const rate = run.delivered / (run.lastDeliveryMs / 1000);
  return `${name}: ${thousands(run.deliveredAtEnd)} of ${thousands(run.load.unique)} webhooks in by the last answer (${((100 * run.deliveredAtEnd) / run.load.unique).toFixed(0)}%), ${run.drainMs === undefined ? `only ${thousands(run.delivered)} within ${DRAIN_BOUND_MS / 1000} s` : `all ${(run.drainMs / 1000).toFixed(1)} s after it`}, ${thousands(rate)} webhooks/s overall, ${run.duplicates} twice; CPU ${run.cpu.toFixed(1)} s during the load + ${run.drainCpu.toFixed(1)} s draining`;
};
const vigieKeptUp = vigieRun.drainMs !== undefined && vigieRun.drainMs <= 1000;
print(
  `deliveries — ${keptUp(vigieRun, 'Vigie')} — kept up (all paged within 1 s of the last answer): ${vigieKeptUp ? 'yes' : 'NO'}`,
);
print(`             ${keptUp(amRun, 'Alertmanager')}`);
print(
  `Vigie after the run: outbox ${Object.entries(vigieAfter.outbox)
    .map(([status, count]) => `${status} ${thousands(count)}`)
    .join(
      ', ',
    )}; RSS ${(vigieBefore.rss / 1024 / 1024).toFixed(0)} MB at the start, ${(vigieAfter.rss / 1024 / 1024).toFixed(0)} MB after; ${thousands(vigieAfter.logLines)} log lines (${vigieAfter.logProblems} warn/error)`,
);
if (vigieRun.load.firstError) print(`Vigie first refusal: ${vigieRun.load.firstError}`);
if (amRun.load.firstError) print(`Alertmanager first refusal: ${amRun.load.firstError}`);
print('');
print(
  `load average (1 min) on this machine: ${loadAtStart.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end, for ${cpus().length} CPUs shared by every process above`,
);
print(
  'notes: times on CLOCK_MONOTONIC, one clock for every process; a webhook counts when its body has arrived at the receiver.',
);
print(
  '       (a) starts when the probe has returned its failing result, i.e. where the engine calls onResult; it includes',
);
print(
  '       the observation append, the rule, the incident transaction, the timer run, the outbox row and the POST.',
);
print(
  "       Ingest: alerts/s = alerts sent / (last answer − first request); Vigie's answer comes after its transaction commits.",
);
print(
  "       CPU is the side's process only (utime+stime from /proc), not the load process or the receiver.",
);

writeFileSync(new URL('./results/pipeline.txt', import.meta.url), `${lines.join('\n')}\n`);
await client.close();
receiver.kill('SIGTERM');
cleanUp();
process.exit(0);
