/**
 * runStep and runDiagnosis: the gates every step passes (risk, shell), the deadline, redaction and
 * the hash, and a scenario's diagnosis run a few steps at a time in step order.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  createExecutors,
  type Executors,
  executorKind,
  runDiagnosis,
  runStep,
  type StepInput,
  type StepRequest,
} from '../../src/actions/index.ts';
import { RISKS, STEP_KINDS } from '../../src/runbook/schema.ts';

describe('runStep and runDiagnosis', () => {
  const requests: string[] = [];
  let waiting: ServerResponse[] = [];
  let barrier = 1;
  let inFlight = 0;
  let mostInFlight = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    requests.push(request.url ?? '');
    if (request.url?.startsWith('/together/')) {
      // Answers only once `barrier` requests are waiting: the most that were ever in flight shows the concurrency.
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      waiting.push(response);
      if (waiting.length >= barrier) {
        for (const held of waiting) held.end(`done ${request.url}`);
        inFlight -= waiting.length;
        waiting = [];
      }
      return;
    }
    if (request.url === '/hang') return;
    response.end(
      `hello from ${request.url} with key=${new URL(request.url ?? '/', 'http://x').searchParams.get('key')}`,
    );
  });
  let base = '';
  let executors: Executors;
  before(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    executors = createExecutors();
  });
  after(async () => {
    await executors.close();
    server.closeAllConnections();
    server.close();
  });

  const request = (
    step: Partial<StepInput> & { run: string },
    extra: Partial<StepRequest> = {},
  ): StepRequest => ({
    step: { kind: 'http', risk: 'read', ...step },
    services: {},
    env: {},
    secrets: [],
    timeoutMs: 5000,
    allowShell: false,
    ...extra,
  });
  const never = new AbortController().signal;

  it('refuses every step that is not read, of every kind, and runs nothing', async () => {
    const before = requests.length;
    for (const risk of RISKS.filter((one) => one !== 'read')) {
      for (const kind of STEP_KINDS) {
        const outcome = await executors.runStep(
          request({ run: `curl ${base}/x`, kind, risk }, { allowShell: true }),
          never,
        );
        assert.equal(outcome.status, 'refused', `${kind} ${risk}`);
        assert.match(
          outcome.reason ?? '',
          new RegExp(`^risk '${risk}': only read steps run automatically;.*issue #6`),
        );
      }
    }
    assert.equal(requests.length, before);
  });

  it('skips a manual step, saying what a person should do', async () => {
    const outcome = await executors.runStep(request({ run: 'Dashboard → Logs', kind: 'manual' }), never);
    assert.equal(outcome.status, 'skipped');
    assert.equal(outcome.reason, 'for a person: Dashboard → Logs');
    assert.equal(outcome.output, '');
  });

  it('stamps the start, and hashes the stored output', async () => {
    const outcome = await executors.runStep(
      request({ run: `curl ${base}/hash` }, { now: () => 1_700_000_000_000 }),
      never,
    );
    assert.equal(outcome.status, 'ok');
    assert.equal(outcome.startedAt, 1_700_000_000_000);
    assert.equal(outcome.outputSha256, createHash('sha256').update(outcome.output).digest('hex'));
    assert.ok(outcome.durationMs >= 0);
  });

  it('masks a secret of the request in the command, the target and the output', async () => {
    const secret = 'k3y-0f-the-realm';
    const outcome = await executors.runStep(
      request({ run: `curl "${base}/echo?key=${secret}"` }, { secrets: [secret] }),
      never,
    );
    assert.equal(outcome.status, 'ok');
    assert.doesNotMatch(JSON.stringify(outcome), /k3y-0f-the-realm/);
    assert.match(outcome.output, /key=\*\*\*\*/);
  });

  it('reports a caller who gives up as a failure, not a timeout', async () => {
    const controller = new AbortController();
    const running = executors.runStep(request({ run: `curl ${base}/hang` }), controller.signal);
    setImmediate(() => controller.abort(new Error('incident resolved')));
    const outcome = await running;
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.error ?? '', /incident resolved/);
  });

  it('runs a one-off step with a registry of its own', async () => {
    const outcome = await runStep(request({ run: `curl ${base}/alone` }), never);
    assert.equal(outcome.status, 'ok');
  });

  it('runs a diagnosis a few steps at a time and gives outcomes in step order', async () => {
    barrier = 2;
    mostInFlight = 0;
    const steps: StepInput[] = [
      { run: `curl ${base}/together/1`, kind: 'http', risk: 'read' },
      { run: 'Check the dashboard', kind: 'manual', risk: 'read' },
      { run: `curl ${base}/together/2`, kind: 'http', risk: 'read' },
      { run: `curl -X POST ${base}/restart`, kind: 'http', risk: 'write' },
      { run: 'uptime', kind: 'shell', risk: 'read' },
    ];
    const { step: _, ...base_ } = request({ run: '' });
    const outcomes = await runDiagnosis(steps, base_, never, { concurrency: 2, executors });
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ['ok', 'skipped', 'ok', 'refused', 'refused'],
    );
    assert.match(outcomes[0]!.output, /done \/together\/2|done \/together\/1/);
    assert.equal(mostInFlight, 2);
  });

  it('holds at most `concurrency` steps in flight', async () => {
    barrier = 3;
    mostInFlight = 0;
    const steps: StepInput[] = [1, 2, 3, 4, 5, 6].map((n) => ({
      run: `curl ${base}/together/${n}`,
      kind: 'http',
      risk: 'read',
    }));
    const { step: _, ...base_ } = request({ run: '' });
    const outcomes = await runDiagnosis(steps, base_, never, { concurrency: 3 });
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ['ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
    );
    assert.equal(mostInFlight, 3);
  });
});

describe('executorKind', () => {
  it('sends one psql -c or redis-cli shell line to the sql or redis executor', () => {
    assert.equal(executorKind({ kind: 'shell', run: 'psql $DATABASE_URL -c "SELECT 1"' }), 'sql');
    assert.equal(executorKind({ kind: 'shell', run: 'redis-cli -u $REDIS_URL PING' }), 'redis');
    assert.equal(executorKind({ kind: 'shell', run: 'psql -c "SELECT 1" | tail -1' }), 'shell');
    assert.equal(executorKind({ kind: 'docker', run: 'docker exec db psql -c "SELECT 1"' }), 'docker');
    assert.equal(executorKind({ kind: 'http', run: 'curl https://x' }), 'http');
  });
});
