/**
 * Prometheus Alertmanager for bench/pipeline.ts, configured as the issue says: every alert its own
 * group (`group_by: ['...']`), `group_wait: 0s`, one webhook receiver. Clustering is off (no peer
 * wait). Its state lives in the bench's scratch folder; the bench's harness stops it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** ALERTMANAGER is the binary the Debian package installs. */
export const ALERTMANAGER = process.env.VIGIE_BENCH_ALERTMANAGER ?? '/usr/bin/prometheus-alertmanager';

/** RunningAlertmanager is the process and where it listens. */
export interface RunningAlertmanager {
  readonly url: string;
  readonly child: ChildProcess;
  readonly version: string;
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

/** startAlertmanager starts Alertmanager posting every alert, alone in its group, to `webhookUrl`. */
export async function startAlertmanager(
  work: string,
  webhookUrl: string,
  children: Set<ChildProcess>,
): Promise<RunningAlertmanager> {
  const version =
    /version (\S+)/.exec(spawnSync(ALERTMANAGER, ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1] ??
    'unknown';
  const file = join(work, 'alertmanager.yml');
  // JSON is YAML.
  writeFileSync(
    file,
    JSON.stringify({
      route: {
        receiver: 'bench',
        group_by: ['...'],
        group_wait: '0s',
        group_interval: '1s',
        repeat_interval: '1h',
      },
      receivers: [
        { name: 'bench', webhook_configs: [{ url: webhookUrl, send_resolved: false, max_alerts: 0 }] },
      ],
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    ALERTMANAGER,
    [
      `--config.file=${file}`,
      `--storage.path=${join(work, 'alertmanager')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.add(child);
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Alertmanager exited (${child.exitCode}):\n${log}`);
    try {
      const response = await fetch(`${url}/-/ready`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`Alertmanager was not ready within 15 s:\n${log}`);
    await sleep(50);
  }
  return { url, child, version };
}
