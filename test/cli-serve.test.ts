/**
 * `vigie serve` as a real process: it runs the checks on their schedule, answers /healthz and
 * /readyz, keeps what it saw in the SQLite store, and stops cleanly on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openSqliteStore } from '../src/store/sqlite.ts';

const BIN = new URL('../bin/vigie.js', import.meta.url).pathname;

it('vigie serve runs the checks, answers health endpoints and keeps observations across a stop', {
  timeout: 60_000,
}, async () => {
  const target = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"status":"ready"}');
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
  const dir = await mkdtemp(join(tmpdir(), 'vigie-serve-'));
  const runbook = join(dir, 'vigie.yaml');
  const storePath = join(dir, 'vigie.sqlite');
  await writeFile(
    runbook,
    `name: Serve test\nchecks:\n  - { id: ready, probe: http, target: "${targetUrl}/ready", every: 1s, expect: ['body.status == "ready"'] }\n`,
  );
  const child = spawn(process.execPath, [BIN, 'serve', runbook, '--port', '0', '--store', storePath], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines = createInterface({ input: child.stderr! });
  const logs: Record<string, unknown>[] = [];
  const serving = new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      if (entry.msg === 'serving') resolve(String(entry.url));
    });
    child.once('exit', (code) =>
      reject(new Error(`vigie serve exited with ${code}: ${JSON.stringify(logs)}`)),
    );
  });
  try {
    const url = await serving;
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    let runs = 0;
    for (let attempt = 0; attempt < 100 && runs < 2; attempt++) {
      const readiness = (await (await fetch(`${url}/readyz`)).json()) as { runs: number; checks: number };
      assert.equal(readiness.checks, 1);
      runs = readiness.runs;
      if (runs < 2) await sleep(100);
    }
    assert.ok(runs >= 2, 'the check ran on its 1 s schedule');
    assert.equal((await fetch(`${url}/nope`)).status, 404);
  } finally {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    target.close();
  }
  assert.deepEqual(
    logs.map((entry) => entry.msg),
    ['serving', 'stopping', 'stopped'],
  );
  const store = openSqliteStore(storePath);
  const latest = await store.latest();
  await store.close();
  assert.equal(latest.get('ready')?.ok, true, 'the last observation was flushed before exit');
});
