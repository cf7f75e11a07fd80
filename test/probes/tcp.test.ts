import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { describe, it } from 'node:test';
import type { ProbeTarget } from '../../src/probes/probe.ts';
import { abortMessage } from '../../src/probes/probe.ts';
import { parseHostPort, tcpProbe } from '../../src/probes/tcp.ts';

const at = (target: string, timeout = 2000): ProbeTarget => ({ target, timeout });

async function listen(host: string): Promise<Server> {
  const server = createServer((socket) => socket.on('error', () => {}));
  server.listen(0, host);
  await once(server, 'listening');
  return server;
}

describe('tcpProbe against a local server', () => {
  it('connects and reports the connect time', async () => {
    const server = await listen('127.0.0.1');
    const { port } = server.address() as AddressInfo;
    const seen = await tcpProbe().run(at(`127.0.0.1:${port}`), AbortSignal.timeout(2000));
    server.close();
    assert.equal(seen.ok, true, seen.error);
    assert.deepEqual(seen.values, { connected: true });
    assert.ok(seen.latency >= 0 && seen.latency < 1000);
  });

  it('connects to an IPv6 loopback written in brackets', async (t) => {
    const server = await listen('::1').catch(() => undefined);
    if (!server) return t.skip('no IPv6 loopback on this machine');
    const { port } = server.address() as AddressInfo;
    const seen = await tcpProbe().run(at(`[::1]:${port}`), AbortSignal.timeout(2000));
    server.close();
    assert.equal(seen.ok, true, seen.error);
  });

  it('fails on a refused connection, naming the target', async () => {
    const server = await listen('127.0.0.1');
    const { port } = server.address() as AddressInfo;
    server.close();
    await once(server, 'close');
    const seen = await tcpProbe().run(at(`127.0.0.1:${port}`), AbortSignal.timeout(2000));
    assert.equal(seen.ok, false);
    assert.equal(seen.values.connected, false);
    assert.match(seen.error ?? '', new RegExp(`^127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`));
  });

  it('says it timed out when the signal is already spent', async () => {
    const seen = await tcpProbe().run(
      at('127.0.0.1:9', 50),
      AbortSignal.abort(new DOMException('', 'TimeoutError')),
    );
    assert.equal(seen.ok, false);
    assert.equal(seen.error, '127.0.0.1:9: timed out after 50ms');
  });

  it('needs a port', async () => {
    const seen = await tcpProbe().run(at('db.internal'), AbortSignal.timeout(2000));
    assert.equal(seen.ok, false);
    assert.match(seen.error ?? '', /has no port; write it like db\.internal:5432/);
  });
});

describe('parseHostPort', () => {
  it('reads host:port, bracketed IPv6, URLs and a default port', () => {
    assert.deepEqual(parseHostPort('db.internal:5432'), { host: 'db.internal', port: 5432 });
    assert.deepEqual(parseHostPort('[::1]:80'), { host: '::1', port: 80 });
    assert.deepEqual(parseHostPort('example.com', 443), { host: 'example.com', port: 443 });
    assert.deepEqual(parseHostPort('https://example.com:8443/health', 443), {
      host: 'example.com',
      port: 8443,
    });
    assert.deepEqual(parseHostPort('https://[::1]/', 443), { host: '::1', port: 443 });
  });

  it('refuses what is not host:port', () => {
    assert.throws(() => parseHostPort('::1:80'), /is not host:port/);
    assert.throws(() => parseHostPort('host:70000'), /outside 1-65535/);
  });
});

describe('abortMessage', () => {
  it('names the limit on a timeout, keeps a worded reason, else says aborted', () => {
    assert.equal(
      abortMessage(AbortSignal.abort(new DOMException('', 'TimeoutError')), 2000),
      'timed out after 2000ms',
    );
    assert.equal(
      abortMessage(AbortSignal.abort(new Error('timed out after 5000ms')), 2000),
      'timed out after 5000ms',
    );
    assert.equal(abortMessage(AbortSignal.abort(), 2000), 'aborted');
  });
});
