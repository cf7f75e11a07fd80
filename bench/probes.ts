/**
 * HTTP probe cost, side by side in one run against the same loopback target: Vigie's http probe
 * (runCheck + httpProbe + conditions + the SQLite store, flushed every second) versus Prometheus's
 * blackbox exporter driven as Prometheus drives it (GET /probe?target=…&module=http_2xx).
 *
 * For each side: checks per second at saturation (64 in flight) and CPU seconds per 1,000 passing
 * checks, at saturation and at a fixed equal rate. The target (a node:http server) runs in its own
 * process, counted for neither side. The exporter's CPU is its process's utime+stime from
 * /proc/<pid>/stat (the bench process that sends it /probe requests is not counted); Vigie's is
 * process.cpuUsage() of a child process that does nothing but run and store the checks.
 * The exporter opens a fresh connection per probe, so Vigie is measured with a fresh connection
 * per check (`Connection: close`, like-for-like) and with its default keep-alive pool.
 * Each side's figure is summed from three slices interleaved with the other sides', so load from
 * other work on the machine falls on all of them alike.
 * Target (issue "[2 of 5]"): Vigie at least matches the exporter per CPU second.
 *
 * Needs /usr/bin/prometheus-blackbox-exporter (apt-get install -y prometheus-blackbox-exporter).
 * Run (Node 24): node_modules/.bin/node bench/probes.ts [--duration=10] [--rate=200] [--concurrency=64]
 * (writes bench/results/probes.txt too)
 */
import { fork, spawn } from 'node:child_process';
import { once as onceEvent } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { startHarness, withTimeout } from './support/harness.ts';
import { type Driven, drive, type Load, TICK_MS } from './support/load.ts';
import type { VigieReport, VigieSetup, VigieSlice } from './support/probe-vigie.ts';

const EXPORTER = '/usr/bin/prometheus-blackbox-exporter';
const HARD_BOUND_MS = 170_000;
const WARMUP_MS = 1500;
const ROUNDS = 3;
const TIMEOUT_MS = 5000;
const CHECK_IDS = 64;
// Both sides assert the same thing: HTTP 200 and `"database": true` in the JSON body.
const VIGIE_EXPECT = ['status == 200', 'body.database == true'];
const EXPORTER_BODY_REGEXP = '"database"\\s*:\\s*true';

const argument = (name: string, fallback: number): number => {
  const given = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  const value = given ? Number(given.slice(name.length + 3)) : fallback;
  if (!(value > 0)) throw new RangeError(`--${name} must be a positive number`);
  return value;
};
const DURATION_MS = argument('duration', 10) * 1000;
const RATE = argument('rate', 200);
const CONCURRENCY = argument('concurrency', 64);

if (!existsSync(EXPORTER)) {
  console.error(`${EXPORTER} is missing: this bench compares Vigie with Prometheus's blackbox exporter.`);
  console.error('Install it with:  apt-get update && apt-get install -y prometheus-blackbox-exporter');
  process.exit(1);
}

const loadAtStart = loadavg()[0]!;
const lines: string[] = [];
const print = (line = ''): void => {
  console.log(line);
  lines.push(line);
};

// Everything this bench starts, stopped on the way out whatever happens.
const { work, children } = startHarness('probes', HARD_BOUND_MS, 'SIGTERM');

// ---- the target ----------------------------------------------------------------------------------

const target = fork(new URL('./support/probe-target.ts', import.meta.url), [], { stdio: 'inherit' });
children.add(target);
const [ready] = (await withTimeout(onceEvent(target, 'message'), 10_000, 'target')) as [{ port: number }];
const url = `http://127.0.0.1:${ready.port}/health/ready`;

/** targetCpu gives the CPU seconds the target process has spent so far. */
async function targetCpu(): Promise<number> {
  const answer = onceEvent(target, 'message') as Promise<[{ cpu: number }]>;
  target.send('cpu');
  return (await withTimeout(answer, 5000, 'target cpu'))[0].cpu;
}

// ---- the exporter ----------------------------------------------------------------------------------

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await onceEvent(server, 'listening');
  const address = server.address();
  server.close();
  await onceEvent(server, 'close');
  if (!address || typeof address !== 'object') throw new Error('no free port');
  return address.port;
}

const configFile = join(work, 'blackbox.yml');
writeFileSync(
  configFile,
  [
    'modules:',
    '  http_2xx:',
    '    prober: http',
    '    timeout: 5s',
    '    http:',
    '      method: GET',
    '      valid_status_codes: [200]',
    '      preferred_ip_protocol: ip4',
    '      fail_if_body_not_matches_regexp:',
    `        - '${EXPORTER_BODY_REGEXP}'`,
    '',
  ].join('\n'),
);
const exporterPort = await freePort();
const exporterVersion = await new Promise<string>((resolve) => {
  const version = spawn(EXPORTER, ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  version.stdout.on('data', (chunk: Buffer) => (text += chunk));
  version.stderr.on('data', (chunk: Buffer) => (text += chunk));
  version.on('close', () => resolve(/version (\S+)/.exec(text)?.[1] ?? 'unknown'));
  version.on('error', () => resolve('unknown'));
});
const exporter = spawn(
  EXPORTER,
  [`--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${exporterPort}`],
  { stdio: ['ignore', 'ignore', 'pipe'] },
);
children.add(exporter);
let exporterLog = '';
exporter.stderr.on('data', (chunk: Buffer) => {
  exporterLog = (exporterLog + chunk.toString()).slice(-4000);
});
const exporterBase = `http://127.0.0.1:${exporterPort}`;
// Prometheus keeps its scrape connections alive; so does this driver.
const scraper = new Agent({ connections: CONCURRENCY * 2, keepAliveTimeout: 30_000 });

for (let tries = 0; ; tries++) {
  if (exporter.exitCode !== null)
    throw new Error(`the exporter exited (${exporter.exitCode}):\n${exporterLog}`);
  try {
    const response = await request(`${exporterBase}/metrics`, { dispatcher: scraper });
    await response.body.dump();
    if (response.statusCode === 200) break;
  } catch {
    // not listening yet
  }
  if (tries === 100) throw new Error(`the exporter did not start within 10 s:\n${exporterLog}`);
  await new Promise((resolve) => setTimeout(resolve, 100));
}

/** processCpu reads utime+stime of a process from /proc, in seconds. */
function processCpu(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), from field 3 (state) on.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100; // USER_HZ; `getconf CLK_TCK` is 100 on Linux
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

const probePath = `/probe?target=${encodeURIComponent(url)}&module=http_2xx`;
let exporterSampleFailure: string | undefined;
/** scrape is one probe as Prometheus asks for it; it passes when the exporter says probe_success 1. */
async function scrape(): Promise<boolean> {
  const response = await request(`${exporterBase}${probePath}`, {
    dispatcher: scraper,
    headers: { 'x-prometheus-scrape-timeout-seconds': String(TIMEOUT_MS / 1000) },
    headersTimeout: TIMEOUT_MS * 2,
    bodyTimeout: TIMEOUT_MS * 2,
  });
  const text = await response.body.text();
  const ok = response.statusCode === 200 && /^probe_success 1$/m.test(text);
  if (!ok) exporterSampleFailure ??= `HTTP ${response.statusCode}: ${text.slice(0, 200)}`;
  return ok;
}

// ---- measurements -----------------------------------------------------------------------------------

interface Row {
  readonly load: Load;
  readonly side: 'exporter' | 'vigie';
  readonly mode: string;
  readonly driven: Driven;
  readonly cpuSeconds: number;
  readonly targetCpuSeconds: number;
  readonly stored?: number;
  /** CPU of this bench process while it drove the exporter (not counted for it). */
  readonly driverCpuSeconds?: number;
  readonly sampleFailure?: string;
}

/** Slice is one measured stretch of one side, summed into its row. */
type Slice = Omit<Row, 'load' | 'side' | 'mode'>;

/** Side is one of the three things compared, able to run one slice of a load. */
interface Side {
  readonly side: Row['side'];
  readonly mode: string;
  run(load: Load, durationMs: number): Promise<Slice>;
  warmUp(load: Load, durationMs: number): Promise<void>;
}

const exporterSide: Side = {
  side: 'exporter',
  mode: 'fresh connection per probe',
  async warmUp(load, durationMs) {
    await drive(load, durationMs, scrape);
  },
  async run(load, durationMs) {
    exporterSampleFailure = undefined;
    const targetBefore = await targetCpu();
    const before = processCpu(exporter.pid!);
    const driverBefore = process.cpuUsage();
    const driven = await drive(load, durationMs, scrape);
    const driverCpu = process.cpuUsage(driverBefore);
    const cpuSeconds = processCpu(exporter.pid!) - before;
    const targetCpuSeconds = (await targetCpu()) - targetBefore;
    return {
      driven,
      cpuSeconds,
      targetCpuSeconds,
      driverCpuSeconds: (driverCpu.user + driverCpu.system) / 1e6,
      ...(exporterSampleFailure ? { sampleFailure: exporterSampleFailure } : {}),
    };
  },
};

/** vigieSide starts a worker process that probes with a fresh connection per check or with keep-alive. */
async function vigieSide(fresh: boolean): Promise<Side> {
  const setup: VigieSetup = { url, fresh, checks: CHECK_IDS, expect: VIGIE_EXPECT, timeoutMs: TIMEOUT_MS };
  const worker = fork(new URL('./support/probe-vigie.ts', import.meta.url), [JSON.stringify(setup)], {
    stdio: 'inherit',
    // node:sqlite is still flagged experimental in Node 24; its warning says nothing about the bench.
    execArgv: [...process.execArgv, '--disable-warning=ExperimentalWarning'],
  });
  children.add(worker);
  await withTimeout(onceEvent(worker, 'message'), 10_000, 'Vigie worker start');
  const ask = async (slice: VigieSlice): Promise<VigieReport> => {
    const answer = withTimeout(
      onceEvent(worker, 'message'),
      slice.warmupMs + slice.durationMs + 30_000,
      'Vigie worker',
    );
    worker.send(slice);
    return (await answer)[0] as VigieReport;
  };
  return {
    side: 'vigie',
    mode: fresh ? 'fresh connection (Connection: close)' : 'keep-alive (default)',
    async warmUp(load, durationMs) {
      await ask({ load, warmupMs: 0, durationMs });
    },
    async run(load, durationMs) {
      const targetBefore = await targetCpu();
      const report = await ask({ load, warmupMs: 0, durationMs });
      const targetCpuSeconds = (await targetCpu()) - targetBefore;
      return {
        driven: report,
        cpuSeconds: report.cpuSeconds,
        targetCpuSeconds,
        stored: report.stored,
        ...(report.sampleFailure ? { sampleFailure: report.sampleFailure } : {}),
      };
    },
  };
}

/** add sums two slices of one side. */
function add(a: Slice, b: Slice): Slice {
  const sum = (x: number | undefined, y: number | undefined): number | undefined =>
    x === undefined && y === undefined ? undefined : (x ?? 0) + (y ?? 0);
  const stored = sum(a.stored, b.stored);
  const driverCpuSeconds = sum(a.driverCpuSeconds, b.driverCpuSeconds);
  const sampleFailure = a.sampleFailure ?? b.sampleFailure;
  return {
    driven: {
      completed: a.driven.completed + b.driven.completed,
      passed: a.driven.passed + b.driven.passed,
      elapsedMs: a.driven.elapsedMs + b.driven.elapsedMs,
      skipped: a.driven.skipped + b.driven.skipped,
    },
    cpuSeconds: a.cpuSeconds + b.cpuSeconds,
    targetCpuSeconds: a.targetCpuSeconds + b.targetCpuSeconds,
    ...(stored !== undefined ? { stored } : {}),
    ...(driverCpuSeconds !== undefined ? { driverCpuSeconds } : {}),
    ...(sampleFailure !== undefined ? { sampleFailure } : {}),
  };
}

const sides: Side[] = [exporterSide, await vigieSide(true), await vigieSide(false)];
const saturation: Load = { kind: 'saturation', concurrency: CONCURRENCY };
const rate: Load = { kind: 'rate', rate: RATE };
const rows: Row[] = [];
// Other work on the machine comes and goes: each side's figure is summed from ROUNDS slices,
// interleaved with the other sides' in a rotating order, so none is measured only in a busy stretch.
const sliceMs = DURATION_MS / ROUNDS;
for (const load of [saturation, rate]) {
  const label = load.kind === 'saturation' ? `saturation (${CONCURRENCY} in flight)` : `${RATE} checks/s`;
  process.stderr.write(`measuring ${label}: warm-up`);
  for (const side of sides) await side.warmUp(load, WARMUP_MS);
  const totals = new Map<Side, Slice>();
  for (let round = 0; round < ROUNDS; round++) {
    process.stderr.write(`, round ${round + 1}/${ROUNDS}`);
    for (let i = 0; i < sides.length; i++) {
      const side = sides[(i + round) % sides.length]!;
      const slice = await side.run(load, sliceMs);
      const total = totals.get(side);
      totals.set(side, total ? add(total, slice) : slice);
    }
  }
  process.stderr.write('\n');
  for (const side of sides) rows.push({ load, side: side.side, mode: side.mode, ...totals.get(side)! });
}
// The workers close their stores and remove their temporary files before exiting.
for (const child of children) {
  if (child === target || child === exporter || !child.connected) continue;
  const exited = onceEvent(child, 'exit');
  child.send('stop');
  await withTimeout(exited, 10_000, 'Vigie worker exit');
}
const exporterStderr = exporterLog;
exporter.kill('SIGTERM');
await scraper.close();
target.send('stop');

// ---- report -------------------------------------------------------------------------------------------

const per1k = (row: Row): number => (row.cpuSeconds / Math.max(1, row.driven.passed)) * 1000;
const checksPerSecond = (row: Row): number => row.driven.passed / (row.driven.elapsedMs / 1000);
const exporterRow = (load: Load): Row => rows.find((row) => row.load === load && row.side === 'exporter')!;

print(
  `vigie probe benchmark — ${new Date().toISOString()} — Node ${process.version}, blackbox_exporter ${exporterVersion}, ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}`,
);
print(
  `target: GET ${url.replace(/:\d+/, ':<port>')} → {"status":"ready","database":true}, in its own process; both sides assert status 200 and database true`,
);
print(
  `each figure: ${DURATION_MS / 1000} s measured, as ${ROUNDS} slices of ${(sliceMs / 1000).toFixed(1)} s interleaved with the other sides', after a ${WARMUP_MS / 1000} s warm-up`,
);
print(
  `load average (1 min) on this machine: ${loadAtStart.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end, for ${cpus().length} CPUs`,
);
print('');
const header = [
  'load'.padEnd(20),
  'side'.padEnd(18),
  'mode'.padEnd(38),
  'checks/s'.padStart(9),
  'passed'.padStart(8),
  'failed'.padStart(7),
  'CPU-s'.padStart(7),
  'cores'.padStart(6),
  'CPU-s/1k'.padStart(9),
  'exporter/Vigie'.padStart(15),
  'target CPU-s'.padStart(13),
].join('  ');
print(header);
print('-'.repeat(header.length));
for (const row of rows) {
  const ratio = row.side === 'vigie' ? `${(per1k(exporterRow(row.load)) / per1k(row)).toFixed(2)}×` : '—';
  print(
    [
      (row.load.kind === 'saturation'
        ? `saturation, ${row.load.concurrency}`
        : `rate ${row.load.rate}/s`
      ).padEnd(20),
      (row.side === 'exporter' ? 'blackbox_exporter' : 'Vigie').padEnd(18),
      row.mode.padEnd(38),
      checksPerSecond(row).toFixed(0).padStart(9),
      String(row.driven.passed).padStart(8),
      String(row.driven.completed - row.driven.passed).padStart(7),
      row.cpuSeconds.toFixed(2).padStart(7),
      (row.cpuSeconds / (row.driven.elapsedMs / 1000)).toFixed(2).padStart(6),
      per1k(row).toFixed(3).padStart(9),
      ratio.padStart(15),
      row.targetCpuSeconds.toFixed(2).padStart(13),
    ].join('  '),
  );
}
print('');
print('CPU-s/1k: CPU seconds of the probing process per 1,000 passing checks (Vigie: probe, conditions and');
print('SQLite store included; exporter: its process only, not the bench sending it /probe requests).');
print('cores: CPU-s over the measured seconds, i.e. how many cores the probing process kept busy.');
print(
  "exporter/Vigie: the exporter's CPU-s/1k at the same load divided by Vigie's; above 1× Vigie is cheaper.",
);
print('');
let allMet = true;
for (const load of [saturation, rate]) {
  const like = rows.find((row) => row.load === load && row.side === 'vigie' && row.mode.startsWith('fresh'))!;
  const ratio = per1k(exporterRow(load)) / per1k(like);
  const met = ratio >= 1 && like.driven.passed > 0;
  allMet &&= met;
  const label = load.kind === 'saturation' ? 'at saturation' : `at ${RATE} checks/s`;
  print(
    `target: Vigie (fresh connections) at least matches the exporter per CPU second ${label}: ${ratio.toFixed(2)}× → ${met ? 'ok' : 'MISSED'}`,
  );
}
const satExporter = exporterRow(saturation);
for (const row of rows.filter((r) => r.load === saturation && r.side === 'vigie')) {
  print(
    `saturation throughput, Vigie ${row.mode} / exporter: ${(checksPerSecond(row) / checksPerSecond(satExporter)).toFixed(2)}×`,
  );
}
for (const row of rows) {
  if (row.stored !== undefined && row.stored !== row.driven.completed) {
    print(`note: Vigie ${row.mode} stored ${row.stored} observations for ${row.driven.completed} checks`);
  }
  if (row.sampleFailure) print(`note: ${row.side} ${row.mode} failure sample: ${row.sampleFailure}`);
  if (row.driven.skipped > 0)
    print(`note: ${row.side} ${row.mode} skipped ${row.driven.skipped} checks (too many in flight)`);
}
for (const row of rows.filter((r) => r.driverCpuSeconds !== undefined)) {
  const label = row.load.kind === 'saturation' ? 'at saturation' : `at ${RATE} checks/s`;
  print(
    `note: ${label}, this bench spent ${row.driverCpuSeconds!.toFixed(2)} CPU-s sending /probe requests to the exporter (not counted for it).`,
  );
}
print(
  `note: Vigie's rate figures include its own ${TICK_MS} ms start clock; the exporter's is this bench's, not counted for it.`,
);
print(
  `note: ${cpus().length} CPUs are shared at saturation by the target, the side measured and, for the exporter, the bench driving it.`,
);
if (/level=(error|warn)/.test(exporterStderr))
  print(`note: the exporter logged warnings:\n${exporterStderr.slice(-1000)}`);

writeFileSync(new URL('results/probes.txt', import.meta.url), `${lines.join('\n')}\n`);
process.exitCode = allMet ? 0 : 1;
