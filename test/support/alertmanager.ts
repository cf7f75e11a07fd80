/**
 * A real Prometheus Alertmanager for tests, with one webhook receiver and every alert in its own
 * group. Outside CI a missing binary skips the test loudly; under CI=true it fails the test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { access, constants, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';

const BINARY = process.env.VIGIE_TEST_ALERTMANAGER ?? '/usr/bin/prometheus-alertmanager';
const READY_WITHIN_MS = 15_000;

/** PostableAlert is an alert as Alertmanager's `POST /api/v2/alerts` takes it. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  /** RFC 3339; Alertmanager uses its own clock when absent. */
  startsAt?: string;
  /** RFC 3339; a time in the past resolves the alert. */
  endsAt?: string;
  generatorURL?: string;
}

/** TestAlertmanager is a running Alertmanager owned by one test. */
export interface TestAlertmanager {
  readonly url: string;
  /** postAlerts sends alerts as Prometheus would. */
  postAlerts(alerts: PostableAlert[]): Promise<void>;
  /** stop ends the process and removes its files; calling it twice is harmless. */
  stop(): Promise<void>;
}

/** AlertmanagerOptions says where the webhook receiver posts, with which bearer token, and how alerts group. */
export interface AlertmanagerOptions {
  webhookUrl: string;
  bearerToken?: string;
  /** The route's `group_by`; by default `['...']`, every alert in its own group. */
  groupBy?: string[];
  /** Alertmanager's `max_alerts` for the receiver (0: no limit). */
  maxAlerts?: number;
}

function missing(t: TestContext, reason: string): undefined {
  if (process.env.CI === 'true') throw new Error(`CI needs ${reason}`);
  console.warn(`\n!!! SKIPPED: ${reason}\n`);
  t.skip(reason);
  return undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port was given');
  return address.port;
}

function config(options: AlertmanagerOptions): string {
  // JSON is YAML, and it spares us quoting the URL and token by hand.
  const webhook: Record<string, unknown> = {
    url: options.webhookUrl,
    send_resolved: true,
    max_alerts: options.maxAlerts ?? 0,
  };
  if (options.bearerToken !== undefined)
    webhook.http_config = { authorization: { type: 'Bearer', credentials: options.bearerToken } };
  return JSON.stringify(
    {
      route: {
        receiver: 'vigie',
        group_by: options.groupBy ?? ['...'],
        group_wait: '0s',
        group_interval: '1s',
        repeat_interval: '1h',
      },
      receivers: [{ name: 'vigie', webhook_configs: [webhook] }],
    },
    null,
    2,
  );
}

/** startAlertmanager runs Alertmanager until the test ends; undefined when skipped. */
export async function startAlertmanager(
  t: TestContext,
  options: AlertmanagerOptions,
): Promise<TestAlertmanager | undefined> {
  try {
    await access(BINARY, constants.X_OK);
  } catch {
    return missing(
      t,
      `Prometheus Alertmanager at ${BINARY} (apt-get install prometheus-alertmanager, or set VIGIE_TEST_ALERTMANAGER)`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'vigie-alertmanager-'));
  const file = join(dir, 'alertmanager.yml');
  await writeFile(file, config(options));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    BINARY,
    [
      `--config.file=${file}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  t.after(stop);

  // Readiness is polled: Alertmanager says nothing on a channel we could wait on.
  const deadline = Date.now() + READY_WITHIN_MS;
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  for (;;) {
    if (exitCode !== undefined) {
      await stop();
      throw new Error(`Alertmanager exited with code ${exitCode} before it was ready:\n${log}`);
    }
    try {
      const response = await fetch(`${url}/-/ready`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Alertmanager was not ready within ${READY_WITHIN_MS} ms:\n${log}`);
    }
    await delay(50);
  }

  return {
    url,
    async postAlerts(alerts) {
      const response = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts),
      });
      if (!response.ok)
        throw new Error(`Alertmanager refused the alerts: ${response.status} ${await response.text()}`);
    },
    stop,
  };
}
