/**
 * The http executor against a real HTTP server on loopback: curl lines as the runbooks write them.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { formatWriteOut, readRequest } from '../../src/actions/http.ts';
import {
  createExecutors,
  type Executors,
  type StepInput,
  type StepRequest,
} from '../../src/actions/index.ts';

const SECRET = 'tok-9f2b7c61e0';

function routes(request: IncomingMessage, response: ServerResponse): void {
  const path = (request.url ?? '/').split('?')[0]!;
  if (path === '/health') {
    response.writeHead(200, { 'content-type': 'application/json', 'x-build': '42' });
    response.end('{"status":"ok"}');
  } else if (path === '/boom') {
    response.writeHead(500, { 'content-type': 'text/plain' });
    response.end('database unreachable');
  } else if (path === '/hang') {
    // never answers
  } else if (path === '/leak') {
    response.writeHead(200, { 'x-token': SECRET });
    response.end(`debug: token=${SECRET} authorization=${request.headers.authorization ?? ''}`);
  } else if (path === '/big') {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('x'.repeat(200_000));
  } else if (path.startsWith('/api/v1/targets')) {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"data":{"activeTargets":[]}}');
  } else if (path === '/moved') {
    response.writeHead(302, { location: '/health' }).end();
  } else {
    response.writeHead(404).end();
  }
}

describe('http executor', () => {
  const server = createServer(routes);
  let base = '';
  let executors: Executors;
  const seen: string[] = [];
  server.on('request', (request: IncomingMessage) => seen.push(`${request.method} ${request.url}`));
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

  const run = (text: string, extra: Partial<StepRequest> = {}, step: Partial<StepInput> = {}) =>
    executors.runStep(
      {
        step: { run: text, kind: 'http', risk: 'read', ...step },
        services: {},
        env: {},
        secrets: [],
        timeoutMs: 5000,
        allowShell: false,
        ...extra,
      },
      new AbortController().signal,
    );

  it('shows the status line and headers for curl -I, and no body', async () => {
    const outcome = await run(`curl -I ${base}/health`);
    assert.equal(outcome.status, 'ok', outcome.error);
    assert.equal(outcome.kind, 'http');
    assert.equal(outcome.command, `curl -I ${base}/health`);
    assert.match(outcome.output, /^HTTP\/1\.1 200 OK\n/);
    assert.match(outcome.output, /^x-build: 42$/m);
    assert.match(outcome.output, /^content-type: application\/json$/m);
    assert.doesNotMatch(outcome.output, /status/);
    assert.equal(seen.at(-1), 'HEAD /health');
  });

  it('shows the status line and the body for a plain curl', async () => {
    const outcome = await run(`curl -sS ${base}/health`);
    assert.equal(outcome.status, 'ok');
    assert.equal(outcome.output, 'HTTP/1.1 200 OK\n\n{"status":"ok"}');
    assert.equal(outcome.target, `${base}/health`);
    assert.equal(outcome.truncated, false);
  });

  it('fails on a 500 and keeps what the server said', async () => {
    const outcome = await run(`curl ${base}/boom`);
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.error, 'HTTP 500 Internal Server Error');
    assert.equal(outcome.output, 'HTTP/1.1 500 Internal Server Error\n\ndatabase unreachable');
  });

  it('times out on a server that never answers', async () => {
    const outcome = await run(`curl ${base}/hang`, { timeoutMs: 200 });
    assert.equal(outcome.status, 'timeout');
    assert.match(outcome.error ?? '', /timed out after 200ms/);
  });

  it('makes the request of a piped line and says the pipe was not applied', async () => {
    const outcome = await run(
      `curl ${base}/api/v1/targets | jq '.data.activeTargets[] | {job: .labels.job}'`,
    );
    assert.equal(outcome.status, 'ok');
    assert.equal(outcome.command, `curl ${base}/api/v1/targets`);
    assert.match(outcome.output, /activeTargets/);
    assert.equal(outcome.notes.length, 1);
    assert.match(
      outcome.notes[0]!,
      /^`\| jq '\.data\.activeTargets\[\] \| \{job: \.labels\.job\}'` was not applied/,
    );
  });

  it('honours -w across a continued line', async () => {
    const outcome = await run(
      `curl -w "\\nTime: %{time_total}s\\nCode: %{http_code}\\n" \\\n  ${base}/health?limit=10`,
    );
    assert.equal(outcome.status, 'ok', outcome.error);
    assert.match(outcome.output, /\{"status":"ok"\}\nTime: \d+\.\d{6}s\nCode: 200\n$/);
  });

  it('follows a redirect with -L only', async () => {
    assert.equal((await run(`curl ${base}/moved`)).output, 'HTTP/1.1 302 Found\n\n');
    const followed = await run(`curl -sSL ${base}/moved`);
    assert.equal(followed.output, 'HTTP/1.1 200 OK\n\n{"status":"ok"}');
    assert.equal(followed.target, `${base}/health`);
  });

  it('reads GET URL, a bare URL, and a path on the step`s service', async () => {
    assert.equal((await run(`GET ${base}/health`)).status, 'ok');
    assert.equal((await run(`${base}/health`)).status, 'ok');
    const onService = await run(
      'GET /health',
      { services: { api: { url: `${base}/` } } },
      { service: 'api' },
    );
    assert.equal(onService.status, 'ok', onService.reason);
    assert.equal(onService.target, `${base}/health`);
  });

  it('refuses a request that may change state, and sends nothing', async () => {
    const before = seen.length;
    const post = await run(`curl -X POST ${base}/health -H "Content-Type: application/json" -d '{"a":1}'`);
    assert.equal(post.status, 'refused');
    assert.match(post.reason ?? '', /POST may change state/);
    const data = await run(`curl ${base}/health -d x=1`);
    assert.equal(data.status, 'refused');
    assert.equal(seen.length, before);
  });

  it('never shows a secret the server echoes, nor one the step sends', async () => {
    const outcome = await run(`curl -i -H "Authorization: Bearer $API_TOKEN" ${base}/leak`, {
      env: { API_TOKEN: 'bearer-value-5521' },
      secrets: [SECRET],
    });
    assert.equal(outcome.status, 'ok');
    for (const text of [outcome.output, outcome.command, JSON.stringify(outcome)]) {
      assert.doesNotMatch(text, /tok-9f2b7c61e0|bearer-value-5521/);
    }
    assert.match(outcome.output, /x-token: \*\*\*\*/);
    assert.equal(outcome.command, `curl -i -H 'Authorization: Bearer $API_TOKEN' ${base}/leak`);
  });

  it('caps a big body and says so', async () => {
    const outcome = await run(`curl ${base}/big`, { outputCap: 1000 });
    assert.equal(outcome.status, 'ok');
    assert.equal(outcome.truncated, true);
    assert.ok(Buffer.byteLength(outcome.output) < 1100, `${Buffer.byteLength(outcome.output)} bytes`);
    assert.match(outcome.output, /\[… \d+ bytes cut\]\n$/);
  });

  it('fails when the step uses a variable that is not set', async () => {
    const outcome = await run('curl $MISSING_API_URL/health', { env: { MISSING_API_URL: undefined } });
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.error ?? '', /\$MISSING_API_URL, which is not set/);
  });
});

describe('readRequest', () => {
  it('reads combined flags, attached values and long options', () => {
    const read = readRequest(
      "curl -fsSL -XGET -H'Accept: text/plain' --max-time=2 -o /dev/null https://x/y",
      {},
    );
    assert.ok('request' in read);
    assert.equal(read.request.method, 'GET');
    assert.equal(read.request.follow, true);
    assert.equal(read.request.discardBody, true);
    assert.equal(read.request.maxTimeMs, 2000);
    assert.deepEqual(read.request.headers, { accept: 'text/plain' });
  });

  it('refuses placeholders, several commands and substitutions', () => {
    assert.ok('refused' in readRequest('curl https://<api-url>/health', {}));
    assert.ok('refused' in readRequest('curl https://x/a && curl https://x/b', {}));
    assert.ok('refused' in readRequest('curl -H "X: $(cat token)" https://x/a', {}));
    assert.ok('refused' in readRequest('Dashboard → Logs', {}));
  });

  it('turns -u into basic auth and remembers the password as a secret', () => {
    const read = readRequest('curl -u admin:hunter22 https://x/metrics', {});
    assert.ok('request' in read);
    assert.equal(
      read.request.headers.authorization,
      `Basic ${Buffer.from('admin:hunter22').toString('base64')}`,
    );
    assert.ok(read.request.secrets.includes('hunter22'));
  });

  it('formats -w like curl', () => {
    assert.equal(formatWriteOut('%{http_code} %%\\t%{unknown}\\n', { http_code: '204' }), '204 %\t\n');
  });
});
