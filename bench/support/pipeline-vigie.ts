/**
 * Vigie for bench/pipeline.ts, in a process of its own (its CPU and its event loop are its own), on
 * an on-disk SQLite store (the incident tables commit with synchronous = FULL). Two ways to run:
 *
 *  - `rules`: the pieces of src/engine/runtime.ts `startVigie` wired the same way (both stores, the
 *    notifiers, the Pipeline and its loop, RuleAlerts) but without the scheduler, so that the bench
 *    decides when a check fails. A `fire` message runs check i once with the real http probe against
 *    the receiver's 503 target, then does what the engine does with the result: appends it to the
 *    observation store and hands it to `alerting.observe` (the engine's onResult). The clock starts
 *    when the failing observation exists (the probe has answered), before the append.
 *  - `serve`: `startVigie` itself, as `vigie serve` runs it (log lines formatted as the CLI's, written to
 *    a file), with a responder token for the bench.
 *
 * IPC, parent → child: `{ type: 'fire', index }` (rules; answered with a Fired), `{ type: 'stats' }`
 * (answered with a VigieStats), `{ type: 'stop' }` (an orderly stop, answered with
 * `{ type: 'stopped' }`). Child → parent first: a VigieStarted.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { createToken } from '../../src/api/tokens.ts';
import { compileChecks } from '../../src/engine/compile.ts';
import { createDiagnose } from '../../src/engine/diagnose.ts';
import { Pipeline } from '../../src/engine/pipeline.ts';
import { RuleAlerts } from '../../src/engine/rule-alerts.ts';
import { runCheck } from '../../src/engine/run.ts';
import { type Log, startVigie } from '../../src/engine/runtime.ts';
import { SYSTEM_CLOCK } from '../../src/engine/scheduler.ts';
import { createNotifiers } from '../../src/notify/index.ts';
import { createProbes } from '../../src/probes/index.ts';
import { resolveRunbook } from '../../src/runbook/load.ts';
import { Runbook } from '../../src/runbook/schema.ts';
import { maskSecrets } from '../../src/runbook/secrets.ts';
import type { IncidentStore } from '../../src/store/incidents.ts';
import { openSqliteIncidentStore } from '../../src/store/incidents-sqlite.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { monotonicMs } from './pipeline-clock.ts';

/** VigieSetup is what the process runs (as JSON in argv[2]). */
export interface VigieSetup {
  readonly mode: 'rules' | 'serve';
  readonly storePath: string;
  /** Where the webhook channel posts (the receiver, with a path naming the measure). */
  readonly hookUrl: string;
  /** rules: how many checks (each with its `when: fails` alert) and the URL they probe (answers 503). */
  readonly checks?: number;
  readonly downUrl?: string;
  /** serve: the file the log lines go to. */
  readonly logPath?: string;
}

/** VigieStarted is the first message. */
export interface VigieStarted {
  readonly type: 'started';
  readonly pid: number;
  /** serve: the API's URL and a responder token. */
  readonly url?: string;
  readonly token?: string;
}

/** Fired answers a `fire` message: when the failing observation existed and the incident it opened. */
export interface Fired {
  readonly type: 'fired';
  readonly index: number;
  /** Monotonic ms (CLOCK_MONOTONIC) when the probe's failing result was ready. */
  readonly observedAt: number;
  /** How long the probe run took (not part of the measure). */
  readonly probeMs: number;
  /** How long the synchronous part (append, rules, the incident's transaction) held the event loop. */
  readonly observeMs: number;
  readonly incidentId?: string;
}

/** VigieStats answers a `stats` message. */
export interface VigieStats {
  readonly type: 'stats';
  readonly outbox: Readonly<Record<string, number>>;
  readonly rss: number;
  readonly heapUsed: number;
  readonly logLines: number;
  readonly logProblems: number;
}

/** checkId and alertId name check i and its alert. */
export const checkId = (index: number): string => `c${String(index).padStart(5, '0')}`;
export const alertId = (index: number): string => `a${String(index).padStart(5, '0')}`;

const setup = JSON.parse(process.argv[2] ?? '{}') as VigieSetup;
process.on('disconnect', () => process.exit(0));

// One channel, one contact reached through it, one escalation level at 0 s: every incident pages
// once, through the outbox, as soon as it opens.
const paging = {
  channels: { hook: { type: 'webhook', url: setup.hookUrl } },
  contacts: [{ id: 'oncall', name: 'On call', channels: ['hook'] }],
  escalation: { default: [{ after: '0s', notify: ['oncall'] }] },
};

function rulesRunbook(checks: number, downUrl: string) {
  const indexes = Array.from({ length: checks }, (_, index) => index);
  return Runbook.parse({
    name: 'Pipeline bench (rules)',
    checks: indexes.map((index) => ({
      id: checkId(index),
      probe: 'http',
      target: `${downUrl}/${checkId(index)}`,
      every: '1h',
      timeout: '5s',
      expect: ['status == 200'],
    })),
    // Each alert opens its own incident: no scenario, no group, so its dedup key is its own id.
    alerts: indexes.map((index) => ({
      id: alertId(index),
      check: checkId(index),
      when: 'fails',
      severity: 'SEV2',
    })),
    ...paging,
  });
}

interface Running {
  readonly incidents: IncidentStore;
  readonly started: VigieStarted;
  fire?(index: number): Promise<Fired>;
  stop(): Promise<void>;
}

/** startRules wires the pieces as runtime.ts does, without the scheduler and the API. */
async function startRules(): Promise<Running> {
  const runbook = rulesRunbook(setup.checks ?? 1000, setup.downUrl ?? '');
  const resolved = resolveRunbook(runbook, {});
  const rules = RuleAlerts.compile(resolved.runbook);
  if (rules.errors.length > 0) throw new Error(JSON.stringify(rules.errors));
  const compiled = compileChecks(resolved.runbook);
  if (compiled.errors.length > 0) throw new Error(JSON.stringify(compiled.errors));
  const mask = (text: string): string => maskSecrets(text, resolved.secrets);
  const clock = SYSTEM_CLOCK;
  const observations = openSqliteStore(setup.storePath);
  const incidents = openSqliteIncidentStore(setup.storePath);
  const notifiers = createNotifiers({ now: () => clock.now() });
  const channels = resolved.runbook.channels ?? {};
  const pipeline = new Pipeline({
    runbook: resolved.runbook,
    store: incidents,
    clock,
    mask,
    deliver: async (id, notification, signal) => {
      const channel = channels[id];
      if (!channel) return { ok: false, retryable: false, error: `no channel ${id}` };
      return notifiers.send(notification, channel, signal);
    },
    diagnose: createDiagnose({
      runbook: resolved.runbook,
      env: {},
      secrets: resolved.secrets,
      settings: resolved.runbook.incidents ?? {},
    }),
  });
  const alerting = rules.start(pipeline, incidents, clock);
  await alerting.restore(observations, clock.now());
  pipeline.start();
  const probes = createProbes();
  // The engine's flush loop, so its work shares the process as it would.
  const flusher = setInterval(() => void observations.flush().catch(() => undefined), 1000);
  return {
    incidents,
    started: { type: 'started', pid: process.pid },
    async fire(index) {
      const check = compiled.checks[index];
      if (!check) throw new RangeError(`no check ${index}`);
      const probeStart = monotonicMs();
      const result = await runCheck(check, probes.byKind[check.probe], () => clock.now());
      const observedAt = monotonicMs();
      // What the engine does with a result (src/engine/engine.ts): store it, then onResult.
      await observations.append([
        {
          checkId: check.id,
          at: result.at,
          ok: result.ok,
          latency: result.observation.latency,
          ...(result.ok
            ? {}
            : { error: mask(result.failures.join('; ')), values: result.observation.values }),
        },
      ]);
      alerting.observe(check.id, result);
      const observeMs = monotonicMs() - observedAt;
      const incidentId = incidents.alert(`rule:${alertId(index)}`)?.incidentId;
      return {
        type: 'fired',
        index,
        observedAt,
        probeMs: observedAt - probeStart,
        observeMs,
        ...(incidentId ? { incidentId } : {}),
      };
    },
    async stop() {
      clearInterval(flusher);
      alerting.stop();
      await pipeline.stop();
      await probes.close();
      await notifiers.close();
      await observations.close();
      incidents.close();
    },
  };
}

let logLines = 0;
let logProblems = 0;

/** startServe runs startVigie as `vigie serve` does, its log lines formatted as the CLI's, into a file. */
async function startServe(): Promise<Running> {
  const fd = openSync(setup.logPath ?? '/dev/null', 'a');
  const log: Log = (level, msg, fields = {}) => {
    logLines++;
    if (level !== 'info') logProblems++;
    writeSync(fd, `${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
  };
  const vigie = await startVigie({
    runbook: Runbook.parse({ name: 'Pipeline bench (serve)', ...paging }),
    env: {},
    storePath: setup.storePath,
    port: 0,
    log,
  });
  const { secret } = createToken(vigie.incidents, 'responder', 'bench', Date.now());
  return {
    incidents: vigie.incidents,
    started: { type: 'started', pid: process.pid, url: vigie.url, token: secret },
    async stop() {
      await vigie.stop();
      closeSync(fd);
    },
  };
}

const running = setup.mode === 'rules' ? await startRules() : await startServe();
process.on('message', (message: { type: string; index?: number }) => {
  if (message.type === 'fire' && running.fire) {
    running.fire(message.index ?? 0).then(
      (fired) => process.send?.(fired),
      (error: unknown) => process.send?.({ type: 'error', message: String(error) }),
    );
  } else if (message.type === 'stats') {
    const memory = process.memoryUsage();
    process.send?.({
      type: 'stats',
      outbox: running.incidents.outboxCounts(),
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      logLines,
      logProblems,
    } satisfies VigieStats);
  } else if (message.type === 'stop') {
    running.stop().then(
      () => process.send?.({ type: 'stopped' }, () => process.exit(0)),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  }
});
process.send?.(running.started);
