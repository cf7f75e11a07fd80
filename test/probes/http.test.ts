import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setImmediate } from 'node:timers/promises';
import { httpProbe } from '../../src/probes/http.ts';
import type { Probe, ProbeTarget } from '../../src/probes/probe.ts';
import { makeCertificates } from './support-tls.ts';

/** The service under watch: one route per behaviour a check meets in the wild. */
function routes(request: IncomingMessage, response: ServerResponse): void {
  const path = request.url ?? '/';
  const hop = /^\/hop\/(\d+)$/.exec(path);
  if (path === '/health') {
    response.writeHead(200, { 'content-type': 'application/json', 'X-Build': '42' });
    response.end(JSON.stringify({ status: 'ok', database: true, items: [{ id: 7 }] }));
  } else if (path === '/down') {
    response.writeHead(503, { 'content-type': 'text/plain' });
    response.end('unavailable');
  } else if (hop) {
    const left = Number(hop[1]);
    if (left === 0) response.end('arrived');
    else response.writeHead(302, { location: `/hop/${left - 1}` }).end();
  } else if (path === '/loop') {
    response.writeHead(302, { location: '/loop' }).end();
  } else if (path === '/see-other') {
    response.writeHead(303, { location: '/echo' }).end();
  } else if (path === '/hang') {
    // never answers
  } else if (path === '/huge') {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const pump = (): void => {
      while (!response.destroyed && response.write(chunk));
      if (!response.destroyed) response.once('drain', pump);
    };
    response.writeHead(200, { 'content-type': 'text/plain' });
    pump();
  } else if (path === '/echo') {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (part: string) => {
      body += part;
    });
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ method: request.method, headers: request.headers, body }));
    });
  } else {
    response.writeHead(404).end();
  }
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const get = (url: string, extra: Partial<ProbeTarget> = {}): ProbeTarget => ({
  target: url,
  timeout: 2000,
  ...extra,
});

describe('httpProbe against a local HTTP server', () => {
  const server = createServer(routes);
  let base = '';
  let connections = 0;
  let probe: Probe;
  server.on('connection', () => connections++);
  before(async () => {
    base = `http://${await listen(server)}`;
    probe = httpProbe();
  });
  after(async () => {
    await probe.close?.();
    server.closeAllConnections();
    server.close();
  });

  it('observes a 200 with its JSON body, headers and latency', async () => {
    const seen = await probe.run(get(`${base}/health`), AbortSignal.timeout(2000));
    assert.equal(seen.ok, true, seen.error);
    assert.equal(seen.values.status, 200);
    assert.deepEqual(seen.values.body, { status: 'ok', database: true, items: [{ id: 7 }] });
    assert.equal((seen.values.headers as Record<string, string>)['x-build'], '42');
    assert.equal(seen.values.url, `${base}/health`);
    assert.equal(seen.values.redirects, 0);
    assert.ok(seen.latency > 0 && seen.latency < 1000);
  });

  it('is ok on a 503: an answer arrived, the conditions judge the status', async () => {
    const seen = await probe.run(get(`${base}/down`), AbortSignal.timeout(2000));
    assert.equal(seen.ok, true, seen.error);
    assert.equal(seen.values.status, 503);
    assert.equal(seen.values.body, 'unavailable');
  });

  it('follows a chain of redirects and says where it ended', async () => {
    const seen = await probe.run(get(`${base}/hop/3`), AbortSignal.timeout(2000));
    assert.equal(seen.values.status, 200);
    assert.equal(seen.values.body, 'arrived');
    assert.equal(seen.values.url, `${base}/hop/0`);
    assert.equal(seen.values.redirects, 3);
  });

  it('stops a redirect loop after 5 hops', async () => {
    const seen = await probe.run(get(`${base}/loop`), AbortSignal.timeout(2000));
    assert.equal(seen.ok, false);
    assert.equal(seen.error, `GET ${base}/loop: stopped after 5 redirects, at ${base}/loop`);
  });

  it('reports the redirect itself when following is off', async () => {
    const seen = await probe.run(get(`${base}/hop/3`, { followRedirects: false }), AbortSignal.timeout(2000));
    assert.equal(seen.values.status, 302);
    assert.equal((seen.values.headers as Record<string, string>).location, '/hop/2');
    assert.equal(seen.values.redirects, 0);
  });

  it('sends the method, headers and body of the check', async () => {
    const target = get(`${base}/echo`, {
      method: 'put',
      headers: { 'X-Token': 'secret', 'Content-Type': 'application/json' },
      body: '{"ping":1}',
    });
    const seen = await probe.run(target, AbortSignal.timeout(2000));
    const echo = seen.values.body as { method: string; headers: Record<string, string>; body: string };
    assert.equal(echo.method, 'PUT');
    assert.equal(echo.headers['x-token'], 'secret');
    assert.equal(echo.headers['content-type'], 'application/json');
    assert.equal(echo.body, '{"ping":1}');
  });

  it('turns a POST into a GET without a body on a 303', async () => {
    const seen = await probe.run(
      get(`${base}/see-other`, { method: 'POST', body: 'x' }),
      AbortSignal.timeout(2000),
    );
    const echo = seen.values.body as { method: string; body: string };
    assert.deepEqual([echo.method, echo.body, seen.values.redirects], ['GET', '', 1]);
  });

  it('reuses its keep-alive connection across runs', async () => {
    const own = httpProbe();
    const before = connections;
    await own.run(get(`${base}/health`), AbortSignal.timeout(2000));
    // undici frees the connection a tick after the body ends; runs of a check are an interval apart anyway.
    await setImmediate();
    const second = await own.run(get(`${base}/health`), AbortSignal.timeout(2000));
    await own.close?.();
    assert.equal(second.values.status, 200);
    assert.equal(connections - before, 1);
  });

  it('cuts a hanging server at the timeout and says so', async () => {
    const began = performance.now();
    const seen = await probe.run(get(`${base}/hang`, { timeout: 500 }), AbortSignal.timeout(500));
    const took = performance.now() - began;
    assert.equal(seen.ok, false);
    assert.equal(seen.error, `GET ${base}/hang: timed out after 500ms`);
    assert.ok(took < 1000, `returned after ${took}ms`);
  });

  it('reads only the first part of an endless body', async () => {
    const seen = await probe.run(get(`${base}/huge`), AbortSignal.timeout(2000));
    assert.equal(seen.ok, true, seen.error);
    assert.equal((seen.values.body_text as string).length, 64 * 1024);
    assert.equal(typeof seen.values.body, 'string');
  });

  it('fails on a refused connection, naming the request', async () => {
    const closed = createServer();
    const address = await listen(closed);
    closed.close();
    await once(closed, 'close');
    const seen = await probe.run(get(`http://${address}/health`), AbortSignal.timeout(2000));
    assert.equal(seen.ok, false);
    assert.match(seen.error ?? '', new RegExp(`^GET http://${address}/health: connect ECONNREFUSED`));
  });

  it('fails on a URL it cannot read', async () => {
    const seen = await probe.run(get('not a url'), AbortSignal.timeout(2000));
    assert.equal(seen.ok, false);
    assert.match(seen.error ?? '', /^GET not a url: Invalid URL/);
  });
});

describe('httpProbe against a local HTTPS server', () => {
  const { valid } = makeCertificates();
  const server = createHttpsServer(valid, routes);
  let base = '';
  const probe = httpProbe();
  before(async () => {
    base = `https://${await listen(server)}`;
  });
  after(async () => {
    await probe.close?.();
    server.closeAllConnections();
    server.close();
  });

  it('gets an answer with verification off', async () => {
    const seen = await probe.run(get(`${base}/health`, { verifyTls: false }), AbortSignal.timeout(2000));
    assert.equal(seen.ok, true, seen.error);
    assert.equal(seen.values.status, 200);
  });

  it('refuses a certificate from an unknown CA with verification on', async () => {
    const seen = await probe.run(get(`${base}/health`), AbortSignal.timeout(2000));
    assert.equal(seen.ok, false);
    assert.match(seen.error ?? '', new RegExp(`^GET ${base}/health: .*certificate`));
  });
});
