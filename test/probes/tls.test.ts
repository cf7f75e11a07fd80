import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, createServer as createTcpServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createServer } from 'node:tls';
import type { ProbeTarget } from '../../src/probes/probe.ts';
import { tlsProbe } from '../../src/probes/tls.ts';
import { type KeyPair, makeCertificates, type TestCertificates } from './support-tls.ts';

const certs: TestCertificates = makeCertificates();
const servers: Server[] = [];

/** serve starts a TLS server on loopback with the given certificate and gives its `localhost:port`. */
async function serve(pair: KeyPair): Promise<string> {
  const server = createServer(pair, (socket) => socket.on('error', () => {}));
  server.on('tlsClientError', () => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return `localhost:${(server.address() as AddressInfo).port}`;
}

const at = (target: string, timeout = 2000): ProbeTarget => ({ target, timeout });

describe('tlsProbe against a local TLS server', () => {
  let valid = '';
  let expiring = '';
  let otherHost = '';
  before(async () => {
    [valid, expiring, otherHost] = await Promise.all([
      serve(certs.valid),
      serve(certs.expiring),
      serve(certs.otherHost),
    ]);
  });
  after(() => {
    for (const server of servers) server.close();
  });

  it('reads a valid certificate: about 90 days left, trusted chain, matching host name', async () => {
    const seen = await tlsProbe({ ca: certs.ca }).run(at(valid), AbortSignal.timeout(2000));
    assert.equal(seen.ok, true, seen.error);
    const days = seen.values.days_to_expiry as number;
    assert.ok(days > 89.9 && days <= 90, `days_to_expiry ${days}`);
    assert.equal(seen.values.chain_valid, true);
    assert.equal(seen.values.hostname_valid, true);
    assert.equal(seen.values.authorization_error, null);
    assert.equal(seen.values.subject, 'CN=localhost');
    assert.equal(seen.values.issuer, 'CN=Vigie Test CA');
    assert.ok(
      Math.abs(Date.parse(seen.values.valid_to as string) - (Date.now() + 90 * 86_400_000)) < 120_000,
    );
    assert.ok(seen.latency > 0);
  });

  it('still observes a certificate whose CA it does not trust, and says why the chain fails', async () => {
    const seen = await tlsProbe().run(at(valid), AbortSignal.timeout(2000));
    assert.equal(seen.ok, true, seen.error);
    assert.equal(seen.values.chain_valid, false);
    assert.equal(seen.values.hostname_valid, true);
    assert.match(
      seen.values.authorization_error as string,
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|ISSUER/,
    );
  });

  it('sees a certificate expiring in 3 days', async () => {
    const seen = await tlsProbe({ ca: certs.ca }).run(at(expiring), AbortSignal.timeout(2000));
    const days = seen.values.days_to_expiry as number;
    assert.ok(days > 2.9 && days <= 3, `days_to_expiry ${days}`);
    assert.equal(seen.values.chain_valid, true);
  });

  it('sees a certificate made for another host name', async () => {
    const seen = await tlsProbe({ ca: certs.ca }).run(at(otherHost), AbortSignal.timeout(2000));
    assert.equal(seen.ok, true, seen.error);
    assert.equal(seen.values.chain_valid, true);
    assert.equal(seen.values.hostname_valid, false);
    assert.equal(seen.values.subject, 'CN=other.example');
  });

  it('fails with the reason when nothing listens', async () => {
    const closed = await freePort();
    const seen = await tlsProbe().run(at(`127.0.0.1:${closed}`), AbortSignal.timeout(2000));
    assert.equal(seen.ok, false);
    assert.match(seen.error ?? '', new RegExp(`^127\\.0\\.0\\.1:${closed}: connect ECONNREFUSED`));
  });

  it('cuts a server that never completes the handshake at the timeout', async () => {
    const silent = createTcpServer(() => {});
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const port = (silent.address() as AddressInfo).port;
    const began = performance.now();
    const seen = await tlsProbe().run(at(`127.0.0.1:${port}`, 300), AbortSignal.timeout(300));
    assert.ok(performance.now() - began < 800);
    assert.equal(seen.ok, false);
    assert.match(seen.error ?? '', /timed out after 300ms/);
    silent.close();
  });

  it('rejects a target it cannot read', async () => {
    const seen = await tlsProbe().run(at('not a host'), AbortSignal.timeout(2000));
    assert.equal(seen.ok, false);
    assert.match(seen.error ?? '', /is not host:port/);
  });
});

/** freePort finds a loopback port nothing listens on. */
async function freePort(): Promise<number> {
  const server = createTcpServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}
