/**
 * A whole running Vigie, as `vigie serve` starts it: the observation store and the incident store on
 * one SQLite file, the check engine, the rule evaluation that turns observations into alerts, the
 * incident pipeline with its channels and diagnosis, and the HTTP API. Tests start it in-process on
 * port 0; the CLI starts it and waits for a signal.
 */
import { createExecutors } from '../actions/index.ts';
import { ActionService } from '../actions/service.ts';
import { buildApi, type Readiness } from '../api/app.ts';
import { EventHub } from '../api/events.ts';
import { createMetrics, type Metrics } from '../api/metrics.ts';
import { DeployService } from '../checklists/deploys.ts';
import { ChecklistTracker } from '../checklists/tracker.ts';
import { VigieError } from '../errors.ts';
import { MaintenanceScheduler } from '../maintenance/scheduler.ts';
import { createNotifiers } from '../notify/index.ts';
import { formatLoadErrors, resolveRunbook } from '../runbook/load.ts';
import type { RunbookConfig } from '../runbook/schema.ts';
import { maskSecrets } from '../runbook/secrets.ts';
import { cachedFor } from '../status/cache.ts';
import { buildStatus } from '../status/model.ts';
import type { IncidentStore } from '../store/incidents.ts';
import { openSqliteIncidentStore } from '../store/incidents-sqlite.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import type { ObservationStore } from '../store/store.ts';
import { registerWeb } from '../web/plugin.ts';
import { registerStatusPage } from '../web/status-page.ts';
import { CheckBoard } from './board.ts';
import { createDiagnose } from './diagnose.ts';
import { type Engine, startEngine } from './engine.ts';
import { Pipeline } from './pipeline.ts';
import { RuleAlerts } from './rule-alerts.ts';
import { type Clock, SYSTEM_CLOCK } from './scheduler.ts';

/** BOARD_REFRESH_MS is how often the dashboard's uptime and sparklines are recomputed from roll-ups. */
const BOARD_REFRESH_MS = 60_000;

/** MASK_MEMORY is how many masked texts are remembered. */
const MASK_MEMORY = 5000;

/** Log writes one structured line. */
export type Log = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

/** VigieOptions say what to run and where. */
export interface VigieOptions {
  readonly runbook: RunbookConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** SQLite file of both stores (':memory:' is refused: two connections must share it). */
  readonly storePath: string;
  readonly host?: string;
  readonly port?: number;
  readonly concurrency?: number;
  readonly clock?: Clock;
  readonly log?: Log;
  /** Milliseconds between two flushes of observations; 1,000 when absent. */
  readonly flushEvery?: number;
}

/** Vigie is a running instance. */
export interface Vigie {
  readonly url: string;
  readonly engine: Engine;
  readonly pipeline: Pipeline;
  readonly board: CheckBoard;
  readonly incidents: IncidentStore;
  readonly observations: ObservationStore;
  /** The runbook's maintenance tasks, on their schedules. */
  readonly maintenance: MaintenanceScheduler;
  stop(): Promise<void>;
}

/** secretsOfChannels lists the values in channel settings that must never be shown: keys, passwords, hook URLs. */
function secretsOfChannels(runbook: RunbookConfig): string[] {
  const secrets: string[] = [];
  for (const channel of Object.values(runbook.channels ?? {})) {
    if (channel.type === 'webhook' && channel.secret) secrets.push(channel.secret);
    // A Slack incoming-webhook URL is itself the credential.
    if (channel.type === 'slack') secrets.push(channel.url);
    if (channel.type === 'email') {
      const password = URL.canParse(channel.smtp) ? new URL(channel.smtp).password : '';
      if (password) secrets.push(decodeURIComponent(password));
    }
  }
  return secrets.filter((secret) => secret.length >= 4);
}

/** startVigie starts everything and listens; it throws a VigieError when the runbook cannot run. */
export async function startVigie(options: VigieOptions): Promise<Vigie> {
  const clock = options.clock ?? SYSTEM_CLOCK;
  const log: Log = options.log ?? (() => {});
  const resolved = resolveRunbook(options.runbook, options.env);
  // What Vigie watches and where it pages must resolve now; a step's reference matters only when the
  // step runs, and says so then.
  const fatal = resolved.errors.filter((error) => /^(services|checks|channels)\b/.test(error.path));
  if (fatal.length > 0) {
    throw new VigieError(
      'RUNBOOK_INVALID',
      `the runbook refers to values that are not set:\n${formatLoadErrors('runbook', fatal)}`,
      'export the variables named, or give them a default with ${NAME:-default}',
    );
  }
  for (const error of resolved.errors) {
    if (!fatal.includes(error))
      log('warn', 'unresolved reference', { path: error.path, error: error.message });
  }
  const runbook = resolved.runbook;
  const secrets = [...resolved.secrets, ...secretsOfChannels(runbook)];
  // Titles, summaries and explanations repeat: a burst of alerts masks the same few texts thousands of
  // times, so answers are remembered (a bounded map, dropped whole when full).
  const masked = new Map<string, string>();
  const mask = (text: string): string => {
    let answer = masked.get(text);
    if (answer === undefined) {
      answer = maskSecrets(text, secrets);
      if (masked.size >= MASK_MEMORY) masked.clear();
      if (text.length <= 4096) masked.set(text, answer);
    }
    return answer;
  };
  const rules = RuleAlerts.compile(runbook);
  if (rules.errors.length > 0) {
    throw new VigieError(
      'RUNBOOK_INVALID',
      `some alert rules cannot be read:\n${formatLoadErrors('runbook', rules.errors)}`,
      'fix each rule at the column shown',
    );
  }
  const observations = openSqliteStore(options.storePath);
  const incidents = openSqliteIncidentStore(options.storePath);
  const notifiers = createNotifiers({ now: () => clock.now() });
  const channels = runbook.channels ?? {};
  let metrics: Metrics | undefined;
  const pipeline = new Pipeline({
    onNotification: (ok, final) => metrics?.notification(ok, final),
    runbook,
    store: incidents,
    clock,
    mask,
    log,
    deliver: async (id, notification, signal) => {
      const channel = channels[id];
      if (!channel)
        return { ok: false, retryable: false, error: `channel '${id}' is no longer declared in the runbook` };
      return notifiers.send(notification, channel, signal);
    },
    diagnose: createDiagnose({ runbook, env: options.env, secrets, settings: runbook.incidents ?? {} }),
  });
  const alerting = rules.start(pipeline, incidents, clock);
  // The hub exists once the engine runs; until then a change has nobody to tell.
  let tell: EventHub | undefined;
  const checklists = new ChecklistTracker({
    runbook,
    store: incidents,
    clock,
    mask,
    log,
    onChange: (list) =>
      tell?.publish('checklist', { id: list.id, subjectKind: list.subjectKind, subjectId: list.subjectId }),
  });
  const lastRuns = new Map(
    [...(await observations.latest())].map(([id, observation]) => [id, observation.at]),
  );
  await alerting.restore(observations, clock.now());
  let board: CheckBoard | undefined;
  let engine: Engine;
  try {
    engine = startEngine({
      runbook: options.runbook,
      env: options.env,
      store: observations,
      concurrency: options.concurrency ?? 64,
      lastRuns,
      clock,
      ...(options.flushEvery ? { flushEvery: options.flushEvery } : {}),
      onError: (message) => log('error', 'store flush failed', { error: message }),
      onResult: (check, result) => {
        board?.record(check.id, result);
        metrics?.checkRun(result.ok);
        alerting.observe(check.id, result);
        checklists.observe(check.id, result);
      },
    });
  } catch (error) {
    alerting.stop();
    await observations.close();
    incidents.close();
    await notifiers.close();
    throw error;
  }
  board = new CheckBoard(engine.checks, mask);
  await board.seed(observations);
  const liveBoard = board;
  metrics = createMetrics({ board: liveBoard, store: incidents, scheduler: () => engine.stats() });
  const hub = new EventHub(incidents, liveBoard, clock);
  tell = hub;
  hub.start();
  let refreshing = true;
  const refresh = async (): Promise<void> => {
    await liveBoard
      .refresh(observations, clock.now(), () => !refreshing)
      .catch((error: unknown) => log('error', 'check board refresh failed', { error: mask(String(error)) }));
    if (refreshing) refreshTimer = clock.setTimeout(() => void refresh(), BOARD_REFRESH_MS);
  };
  let refreshTimer: unknown = clock.setTimeout(() => void refresh(), 0);
  pipeline.start();
  checklists.start();
  const readiness = (): Readiness => {
    const stats = engine.stats();
    const outbox = incidents.outboxCounts();
    return {
      ready: true,
      details: {
        checks: engine.checks.length,
        runs: stats.runs,
        lag_p99_ms: stats.lagP99,
        outbox_pending: outbox.pending,
        outbox_dead: outbox.dead,
      },
    };
  };
  // The public page is built at most every 10 s, however many visitors ask.
  const status = cachedFor(
    () => buildStatus({ runbook: options.runbook, observations, incidents, now: clock.now(), mask }),
    10_000,
  );
  const executors = createExecutors();
  const actions = new ActionService({
    runbook,
    store: incidents,
    executors,
    services: runbook.services ?? {},
    env: options.env,
    secrets,
    // A responder asked for this step and its gate let it through: shell steps run (as argv).
    allowShell: true,
    now: () => clock.now(),
    mask,
    log,
    onApprovalNeeded: (run) => {
      if (run.incidentId === undefined) return;
      pipeline.service.askApproval(
        run.incidentId,
        `${run.requestedBy} asks to run ${run.scenario} step ${run.stepId ?? run.stepIndex} (${run.risk}): ${run.run}. ` +
          `Another responder approves it on the incident page, or with: vigie approve ${run.id}`,
      );
      pipeline.wake();
    },
    onOutput: (run, text) =>
      hub.publish('output', {
        run: run.id,
        ...(run.incidentId === undefined ? {} : { incidentId: run.incidentId }),
        scenario: run.scenario,
        stepIndex: run.stepIndex,
        text,
      }),
  });
  actions.recover();
  const maintenance = new MaintenanceScheduler({
    runbook,
    store: incidents,
    pipeline,
    executors,
    services: runbook.services ?? {},
    env: options.env,
    secrets,
    clock,
    mask,
    log,
    onRun: (run) => hub.publish('maintenance', { id: run.id, task: run.task, status: run.status }),
  });
  maintenance.start();
  const api = await buildApi({
    actions,
    status,
    web: (app) => {
      registerWeb(app, { title: options.runbook.name });
      registerStatusPage(app, {
        model: status,
        onError: (error) => log('error', 'status page failed', { error: mask(String(error)) }),
      });
    },
    pipeline,
    board: liveBoard,
    observations,
    hub,
    metrics,
    clock,
    runbook: options.runbook,
    mask,
    readiness,
    log,
    maintenance,
    checklists,
    deploys: new DeployService({
      store: incidents,
      tracker: checklists,
      pipeline,
      clock,
      mask,
      onChange: (deploy) => hub.publish('deploy', { id: deploy.id, status: deploy.status }),
    }),
  });
  const address = await api.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 8080 });
  return {
    url: address,
    engine,
    pipeline,
    board: liveBoard,
    incidents,
    observations,
    maintenance,
    async stop() {
      refreshing = false;
      clock.clearTimeout(refreshTimer);
      hub.stop();
      await api.close();
      await maintenance.stop();
      await actions.stop();
      await engine.stop();
      checklists.stop();
      alerting.stop();
      await pipeline.stop();
      await notifiers.close();
      await executors.close();
      await observations.close();
      incidents.close();
    },
  };
}
